import Foundation
import Messaging

extension JetStream {
    /// Publishes an event as JSON (ISO 8601 dates), stored once per `messageID` within the
    /// stream's duplicate window.
    @discardableResult
    public func publish(_ subject: String, event: some Encodable, messageID: String) async throws -> PublishAck {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return try await publish(subject, payload: try encoder.encode(event), messageID: messageID)
    }
}
