import Foundation
import Hummingbird

/// A request body type: its JSON fields are known, so unknown ones are refused with 400.
protocol RequestBody: Decodable, Sendable {
    static var fields: Set<String> { get }
}

extension Request {
    /// Reads the body (413 past the limit), refuses anything but a JSON object with known
    /// fields (400 naming the first unknown one), then decodes it (400 naming the bad field).
    func decodeBody<Body: RequestBody>(_ type: Body.Type, context: GatewayRequestContext) async throws -> Body {
        var request = self
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { throw Problem.badRequest("a JSON body is required") }
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw Problem.badRequest("the body is not valid JSON")
        }
        guard let fields = object as? [String: Any] else { throw Problem.badRequest("the body must be a JSON object") }
        if let unknown = fields.keys.sorted().first(where: { !Body.fields.contains($0) }) {
            throw Problem.badRequest("unknown field `\(unknown)`")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Body.self, from: data)
    }
}

extension KeyedDecodingContainer {
    /// For PATCH: absent → nil (leave as is); `null` → .some(nil) (clear); a value → .some(value).
    func decodePatch<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T?? {
        guard contains(key) else { return nil }
        if try decodeNil(forKey: key) { return .some(nil) }
        return .some(try decode(T.self, forKey: key))
    }
}

extension Parameters {
    /// A UUID path parameter; a malformed one cannot name anything, so it is a 404.
    func id(_ name: String = "id") throws -> UUID {
        guard let text = get(name), let id = UUID(uuidString: text) else { throw Problem.notFound() }
        return id
    }
}
