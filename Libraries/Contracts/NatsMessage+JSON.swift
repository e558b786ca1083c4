import Foundation
import Messaging

extension NatsMessage {
    /// The body as `Body`, unknown fields refused; a 400 service error naming the field otherwise.
    public func decode<Body: JSONBody>(_ type: Body.Type) throws -> Body {
        do {
            return try JSONBodyDecoder.decode(type, from: Data(payload))
        } catch {
            throw ServiceError.badRequest(error.message)
        }
    }

    /// The body as an internal message between services (no strictness: fields are additive).
    public func decodeMessage<Message: Decodable>(_ type: Message.Type) throws -> Message {
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(type, from: Data(payload))
        } catch let error as DecodingError {
            throw ServiceError.badRequest(error.fieldDescription)
        }
    }
}

extension Reply {
    /// A JSON reply (ISO-8601 dates, keys sorted: the same value always gives the same bytes, so
    /// an ETag made from them is stable).
    public static func json(_ value: some Encodable) throws -> Reply {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Reply(payload: Array(try encoder.encode(value)))
    }
}
