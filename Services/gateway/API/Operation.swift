import HTTPTypes

/// One route: what the router serves and what the OpenAPI document says about it.
struct Operation: Sendable {
    struct Parameter: Sendable {
        var name: String
        var schema: Schema
        var description: String
        var required = false
    }

    struct Success: Sendable {
        var status: Int
        var description: String
        var schema: Schema?
        var contentType = "application/json"
    }

    var method: HTTPRequest.Method
    /// OpenAPI style: `/tenants/{id}`.
    var path: String
    var tag: String
    var summary: String
    var access: Access
    var body: Schema?
    var query: [Parameter] = []
    var success: Success
    /// Statuses this route answers beyond the ones every route of its kind has.
    var errors: [Int: String] = [:]
    /// Error statuses whose body is JSON of this schema rather than a problem.
    var errorBodies: [Int: Schema] = [:]

    /// Every status with its description: the route's own and those its shape implies.
    var responses: [Int: String] {
        var responses = errors
        if body != nil || !query.isEmpty {
            responses[400] = responses[400] ?? "Malformed or invalid input; the problem names the field"
        }
        if body != nil {
            responses[413] = "The body is larger than the limit; the connection is closed after the answer"
            responses[415] = "The body is not application/json"
        }
        if path.contains("{") { responses[404] = responses[404] ?? "No such resource in your tenant" }
        switch access {
        case .infrastructure:
            return responses
        case .anonymous:
            break
        case .platformAdmin, .tenant:
            responses[401] = "Missing or invalid credentials"
            responses[403] = "Authenticated but not allowed (role, key role or disabled module)"
        }
        responses[429] = "Rate limited; see Retry-After"
        return responses
    }

    var pathParameters: [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
    }
}
