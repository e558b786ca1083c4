import Contracts
import Foundation
import Hummingbird

/// A request body type: its JSON fields are known, so unknown ones are refused with 400.
typealias RequestBody = JSONBody

extension Request {
    /// Reads the body (413 past the limit), refuses anything but a JSON object with known
    /// fields (400 naming the first unknown one), then decodes it (400 naming the bad field).
    func decodeBody<Body: RequestBody>(_ type: Body.Type, context: GatewayRequestContext) async throws -> Body {
        let bytes = try await bodyBytes(context: context)
        do {
            return try JSONBodyDecoder.decode(type, from: Data(bytes))
        } catch {
            throw Problem.badRequest(error.message)
        }
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
        guard let text = get(name), let id = UUID(parsing: text) else { throw Problem.notFound() }
        return id
    }
}
