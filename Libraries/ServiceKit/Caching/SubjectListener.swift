import Foundation
import Messaging
import ServiceLifecycle

/// Hears every message on some subjects (no queue group: every instance hears each one) until
/// the service shuts down: what keeps caches true across instances when one of them announces
/// a change.
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
        SubjectListener(nats: nats, subjects: [subject]) { message in
            if let event = try? JSONDecoder().decode(Event.self, from: Data(message.payload)) { handle(event) }
        }
    }

    public func run() async throws {
        let subscriptions = try subjects.map { try nats.subscribe($0) }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for subscription in subscriptions {
                    group.addTask {
                        for await message in subscription { handle(message) }
                    }
                }
            }
        } onGracefulShutdown: {
            for subscription in subscriptions { try? subscription.unsubscribe() }
        }
    }
}
