import Contracts
import Foundation
import Logging
import Messaging
import ServiceLifecycle

/// Mail a mailer must send, as events on the JetStream stream `MAIL` (`mail.events.>`): durable,
/// so a mailer that is down gets them later. With `MAIL_OUTBOX_LOG=1` (development only) the
/// gateway also writes them to its log.
struct MailEvents: Sendable {
    struct PasswordReset: Codable, Sendable {
        var type = "password-reset"
        var id: UUID
        var tenantId: UUID
        var tenantSlug: String
        var userId: UUID
        var email: String
        /// The single-use reset token the mail must carry.
        var token: String
        var expiresAt: Date
    }

    static let stream = Subjects.mailStream

    let jetStream: JetStream
    let logToOutbox: Bool
    let logger: Logger

    func passwordReset(_ event: PasswordReset) async throws {
        try await jetStream.publish(
            Subjects.passwordResetEvent(tenant: event.tenantId), event: event, messageID: event.id.uppercasedString)
        if logToOutbox {
            logger.notice(
                "MAIL_OUTBOX_LOG: password reset for \(event.email) in \(event.tenantSlug): token \(event.token)")
        }
    }
}

/// With `MAIL_OUTBOX_LOG=1` (development only): prints the mailing-list confirmation links the
/// content service sends out (`mail.events.mailing-list-confirm.<tenant>`), so a developer without a
/// mailer can click them from the gateway's log.
struct MailOutboxLog: Service {
    let nats: NatsConnection
    let logger: Logger

    func run() async throws {
        let subscription = try nats.subscribe(Subjects.mailingListConfirmEvents)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        await withGracefulShutdownHandler {
            for await message in subscription {
                guard let mail = try? decoder.decode(ConfirmationMail.self, from: Data(message.payload)) else {
                    continue
                }
                logger.notice(
                    "MAIL_OUTBOX_LOG: confirm the subscription of \(mail.email) in \(mail.tenantSlug): \(mail.confirmUrl)"
                )
            }
        } onGracefulShutdown: {
            try? subscription.unsubscribe()
        }
    }
}
