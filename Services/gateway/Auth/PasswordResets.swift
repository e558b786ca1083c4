import Contracts
import Foundation
import Logging
import ServiceLifecycle

/// Password reset requests, handled off the request: `POST /auth/reset-password/request` hands
/// the ask over and answers 202 at once, doing the same work whether or not the account exists
/// (its timing tells nothing); this service looks the account up, stores the token (voiding the
/// user's earlier ones) and publishes the mail. On shutdown it handles what was handed over first.
final class PasswordResets: Service, Sendable {
    struct Ask: Sendable {
        var tenantSlug: String
        var identifier: String
        var requestID: String
    }

    private let users: UserRepository
    private let sessions: SessionRepository
    private let mail: MailEvents
    private let lifetime: Duration
    private let logger: Logger
    private let asks: AsyncStream<Ask>
    private let continuation: AsyncStream<Ask>.Continuation

    init(
        users: UserRepository, sessions: SessionRepository, mail: MailEvents, lifetime: Duration, logger: Logger,
        capacity: Int = 1000
    ) {
        self.users = users
        self.sessions = sessions
        self.mail = mail
        self.lifetime = lifetime
        self.logger = logger
        (asks, continuation) = AsyncStream.makeStream(of: Ask.self, bufferingPolicy: .bufferingOldest(capacity))
    }

    /// Hands an ask over; never waits. Past `capacity` waiting asks, the new one is dropped (logged).
    func submit(_ ask: Ask) {
        if case .dropped = continuation.yield(ask) {
            logger.warning(
                "too many password resets waiting; one was dropped", metadata: ["request.id": "\(ask.requestID)"])
        }
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            for await ask in asks { await handle(ask) }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
    }

    private func handle(_ ask: Ask) async {
        do {
            guard let found = try await users.credentials(tenantSlug: ask.tenantSlug, identifier: ask.identifier),
                found.tenant.modules.contains(.users)
            else { return }
            let reset = try await sessions.createReset(user: found.user.id, lifetime: lifetime)
            try await mail.passwordReset(
                .init(
                    id: UUID(), tenantId: found.tenant.id, tenantSlug: found.tenant.slug, userId: found.user.id,
                    email: found.user.email, token: reset.token, expiresAt: reset.expiresAt))
        } catch {
            logger.error(
                "a password reset could not be sent", metadata: ["request.id": "\(ask.requestID)", "error": "\(error)"])
        }
    }
}
