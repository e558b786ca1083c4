import Foundation
import Messaging

extension JetStream {
    /// Publishes an event as JSON (ISO 8601 dates), stored once per `messageID` within the
    /// stream's duplicate window.
    @discardableResult
    public func publish(_ subject: String, event: some Encodable, messageID: String) async throws -> PublishAck {
        try await publish(subject, payload: try JSONEncoder.events.encode(event), messageID: messageID)
    }
}

extension NatsConnection {
    /// Publishes an event as JSON (ISO 8601 dates) on core NATS: heard by whoever listens now,
    /// not stored.
    public func publish(_ subject: String, event: some Encodable) throws {
        try publish(subject, payload: Array(try JSONEncoder.events.encode(event)))
    }
}

extension JSONEncoder {
    /// How events are written: ISO 8601 dates.
    fileprivate static let events: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}
