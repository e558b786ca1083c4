import Contracts
import Foundation
import Messaging
import ServiceLifecycle

/// Hears every message on some subjects (no queue group: every instance hears each one) until
/// the service shuts down: what keeps caches true across instances when one of them announces
/// a change. Messages are handled on the subscription's delivery thread, as they arrive: an
/// eviction waits behind no busy task, so the instance that announced a change has answered its
/// client after the others have heard of it, in practice. Handlers must be quick and not block.
public struct SubjectListener: Service {
    let nats: NatsConnection
    let subjects: [String]
    let handle: @Sendable (NatsMessage) -> Void

    public init(nats: NatsConnection, subjects: [String], handle: @escaping @Sendable (NatsMessage) -> Void) {
        self.nats = nats
        self.subjects = subjects
        self.handle = handle
    }

    /// Hears the events on `subject`, each decoded as `Event` (a message that does not decode,
    /// from a newer or broken sender, is skipped).
    public static func events<Event: Decodable>(
        _ type: Event.Type, on subject: String, nats: NatsConnection, handle: @escaping @Sendable (Event) -> Void
    ) -> SubjectListener {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return SubjectListener(nats: nats, subjects: [subject]) { message in
            if let event = try? decoder.decode(Event.self, from: Data(message.payload)) { handle(event) }
        }
    }

    /// Hears announcements about a tenant on `subject` (a wildcard whose last token is the
    /// tenant's id, such as `limits.changed.*`); `handle` gets the tenant.
    public static func tenants(
        on subject: String, nats: NatsConnection, handle: @escaping @Sendable (UUID) -> Void
    ) -> SubjectListener {
        SubjectListener(nats: nats, subjects: [subject]) { message in
            if let tenant = message.subject.split(separator: ".").last.flatMap({ UUID(parsing: String($0)) }) {
                handle(tenant)
            }
        }
    }

    public func run() async throws {
        let subscriptions = try subjects.map { try nats.subscribe($0, inline: handle) }
        try? await gracefulShutdown()
        for subscription in subscriptions { try? subscription.unsubscribe() }
    }
}
