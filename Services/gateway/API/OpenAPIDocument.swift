import Contracts
import Foundation
import HTTPTypes

/// The OpenAPI 3.1 document, assembled from the same ``Operation`` values the router serves.
struct OpenAPIDocument: Sendable {
    private(set) var operations: [Operation] = []

    mutating func add(_ operation: Operation) {
        operations.append(operation)
    }

    var json: JSONValue {
        var paths: [String: JSONValue] = [:]
        for operation in operations {
            var item = paths[operation.path]?.objectValue ?? [:]
            item[operation.method.rawValue.lowercased()] = describe(operation)
            paths[operation.path] = .object(item)
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Strongbox API",
                "version": .string(ProductVersion.current),
                "description": """
                A self-hosted credential store and AI gateway. Errors are RFC 9457 problems \
                (application/problem+json); every response carries x-request-id; lists are paginated \
                with ?limit= (1-200, default 50) and an opaque ?cursor=.
                """,
            ],
            "servers": [["url": "/"]],
            "paths": .object(paths),
            "components": [
                "schemas": .object(Components.schemas.mapValues(\.json)),
                "securitySchemes": [
                    "adminKey": ["type": "apiKey", "in": "header", "name": "x-admin-key"],
                    "apiKey": ["type": "apiKey", "in": "header", "name": "x-api-key"],
                    "bearer": [
                        "type": "http", "scheme": "bearer",
                        "description": "A tenant API key (tnnt_...) or a user's access JWT",
                    ],
                ],
            ],
        ]
    }

    private func describe(_ operation: Operation) -> JSONValue {
        var object: [String: JSONValue] = [
            "summary": .string(operation.summary),
            "tags": [.string(operation.tag)],
            "operationId": .string(operationID(operation)),
        ]
        var parameters: [JSONValue] = operation.pathParameters.map { name in
            ["name": .string(name), "in": "path", "required": true, "schema": Schema.string().json]
        }
        parameters += operation.query.map { parameter in
            [
                "name": .string(parameter.name), "in": "query", "required": .bool(parameter.required),
                "description": .string(parameter.description), "schema": parameter.schema.json,
            ]
        }
        if !parameters.isEmpty { object["parameters"] = .array(parameters) }
        if let body = operation.body {
            object["requestBody"] = ["required": true, "content": ["application/json": ["schema": body.json]]]
        }
        switch operation.access {
        case .anonymous, .infrastructure: object["security"] = []
        case .platformAdmin: object["security"] = [["adminKey": []]]
        case .tenant: object["security"] = [["apiKey": []], ["bearer": []]]
        }
        var responses: [String: JSONValue] = [:]
        var success: [String: JSONValue] = ["description": .string(operation.success.description)]
        if let schema = operation.success.schema {
            success["content"] = .object([operation.success.contentType: ["schema": schema.json]])
        }
        responses[String(operation.success.status)] = .object(success)
        for (status, description) in operation.responses {
            let content: JSONValue =
                if let schema = operation.errorBodies[status] {
                    ["application/json": ["schema": schema.json]]
                } else {
                    ["application/problem+json": ["schema": Schema.ref("Problem").json]]
                }
            responses[String(status)] = ["description": .string(description), "content": content]
        }
        object["responses"] = .object(responses)
        return .object(object)
    }

    private func operationID(_ operation: Operation) -> String {
        let words = operation.path.split(separator: "/").map { part in
            part.hasPrefix("{") ? "By" + part.dropFirst().dropLast().capitalized : part.capitalized
        }
        return operation.method.rawValue.lowercased()
            + words.joined().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ".", with: "")
    }
}
