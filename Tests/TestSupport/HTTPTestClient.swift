import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A small HTTP client for tests: real requests over loopback, JSON in and out.
public struct HTTPTestClient: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The body as a JSON object (empty when it is not one).
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }

        public var jsonArray: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }

        /// A 200 list page with no items (`jsonArray` alone is also empty for an error).
        public var isEmptyPage: Bool { status == 200 && (json["items"] as? [Any])?.isEmpty == true }
    }

    public let baseURL: String

    public init(baseURL: String) {
        self.baseURL = baseURL
    }

    public func get(_ path: String, headers: [String: String] = [:]) async throws -> Response {
        try await send("GET", path, headers: headers)
    }

    public func delete(_ path: String, headers: [String: String] = [:]) async throws -> Response {
        try await send("DELETE", path, headers: headers)
    }

    public func post(_ path: String, json: [String: Any]? = nil, headers: [String: String] = [:]) async throws
        -> Response
    {
        try await send("POST", path, json: json, headers: headers)
    }

    public func patch(_ path: String, json: [String: Any], headers: [String: String] = [:]) async throws -> Response {
        try await send("PATCH", path, json: json, headers: headers)
    }

    /// A response read as it arrives: each chunk with the time it came.
    public struct StreamedResponse: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var chunks: [(at: ContinuousClock.Instant, bytes: [UInt8])]
        public var started: ContinuousClock.Instant
        /// The body broke off before its end (only with `keepBrokenBody`).
        public var brokeOff = false

        public var text: String { String(decoding: chunks.flatMap(\.bytes), as: UTF8.self) }

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    /// Sends a request and reads the body chunk by chunk; `stopAfter` returning true ends the
    /// read early and closes the connection (a client going away). A body that breaks off throws,
    /// unless `keepBrokenBody`: then the response has what came, and `brokeOff`.
    public func stream(
        _ method: String, _ path: String, json: [String: Any], headers: [String: String] = [:],
        keepBrokenBody: Bool = false, stopAfter: @Sendable ([UInt8]) -> Bool = { _ in false }
    ) async throws -> StreamedResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        let started = ContinuousClock.now
        // A client of its own, shut down at the end: stopping early closes the connection for
        // certain (the shared client might keep it, draining the rest of the body).
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            var result = StreamedResponse(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, chunks: [],
                started: started)
            var seen: [UInt8] = []
            do {
                for try await chunk in response.body {
                    let bytes = Array(chunk.readableBytesView)
                    result.chunks.append((.now, bytes))
                    seen += bytes
                    if stopAfter(seen) { break }
                }
            } catch  where keepBrokenBody {
                result.brokeOff = true
            }
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    public func send(
        _ method: String, _ path: String, json: [String: Any]? = nil, raw: [UInt8]? = nil,
        headers: [String: String] = [:]
    ) async throws -> Response {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        // A body is JSON unless the caller names its type (`content-type: ""` sends none).
        if (json != nil || raw != nil) && !request.headers.contains(name: "content-type") {
            request.headers.add(name: "content-type", value: "application/json")
        }
        if request.headers.first(name: "content-type") == "" { request.headers.remove(name: "content-type") }
        if let json {
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        } else if let raw {
            request.body = .bytes(ByteBuffer(bytes: raw))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return Response(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: Array(body.readableBytesView))
    }
}
