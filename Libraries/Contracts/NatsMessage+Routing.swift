import Foundation
import Messaging

extension NatsMessage {
    /// The tenant every query of this request is scoped by (the gateway sets it).
    public func tenantID() throws -> UUID {
        guard let text = headers[RoutingHeaders.tenantID], let id = UUID(uuidString: text) else {
            throw ServiceError.badRequest("the Tenant-Id header is missing or not a UUID")
        }
        return id
    }

    /// The resource a request is about (`Resource-Id`), for get/update/delete.
    public func resourceID() throws -> UUID {
        guard let text = headers[RoutingHeaders.resourceID], let id = UUID(uuidString: text) else {
            throw ServiceError.notFound("no such resource")
        }
        return id
    }

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
