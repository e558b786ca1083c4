import Contracts
import Foundation
import Logging
import Messaging

/// The contact form: anonymous submissions (202) and the moderators' inbox.
struct ContactHandlers: Sendable {
    let store: ContactStore
    let jetStream: JetStream
    let logger: Logger

    /// `POST /public/{tenantSlug}/contact`: stored and announced on `contact.events.received.<tenant>`. A
    /// filled-in honeypot gets the same answer and is dropped.
    func submit(_ request: ContentRequest) async throws -> Reply {
        let body = try request.body(ContactSubmission.self)
        let accepted = try Reply.json(["status": "received"], status: 202)
        if let website = body.website, !website.isEmpty {
            logger.debug("contact honeypot filled in; dropped", metadata: ["tenant.id": "\(request.tenant)"])
            return accepted
        }
        let message = ContactMessage(
            id: UUID.v7(), name: try PublicForms.text(body.name, "name", maximum: 200),
            email: try PublicForms.email(body.email),
            subject: try PublicForms.optionalText(body.subject, "subject", maximum: 200),
            message: try PublicForms.text(body.message, "message", maximum: 10_000),
            category: try PublicForms.optionalText(body.category, "category", maximum: 64),
            metadata: try PublicForms.metadata(body.metadata), status: .new, createdAt: Date(), updatedAt: Date())
        try await store.insert(message, tenant: request.tenant, address: request.clientAddress)
        await announce(message, tenant: request.tenant)
        return accepted
    }

    func list(_ request: ContentRequest) async throws -> Reply {
        try .json(
            try await store.list(
                tenant: request.tenant, status: try request.choice("status", ContactStatus.self),
                category: request.string("category"), page: try request.page()))
    }

    func get(_ request: ContentRequest) async throws -> Reply {
        try .json(try await store.get(tenant: request.tenant, id: request.id()))
    }

    func update(_ request: ContentRequest) async throws -> Reply {
        let change = try request.body(ContactChange.self)
        return try .json(try await store.setStatus(tenant: request.tenant, id: request.id(), change.status))
    }

    /// The message is stored: a notifier that misses the event still finds it in the inbox.
    private func announce(_ message: ContactMessage, tenant: UUID) async {
        let event = ContactReceived(
            id: message.id, tenantId: tenant, name: message.name, email: message.email, subject: message.subject,
            category: message.category, message: message.message, createdAt: message.createdAt)
        do {
            try await jetStream.publish(
                ContactEvents.received(tenant: event.tenantId), event: event, messageID: message.id.uppercasedString)
        } catch {
            logger.warning(
                "could not publish the contact event", metadata: ["error": "\(error)", "id": "\(message.id)"])
        }
    }
}
