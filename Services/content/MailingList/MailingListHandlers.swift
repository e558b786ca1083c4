import Contracts
import Foundation
import Logging
import Messaging

/// The mailing list: double opt-in through signed links, and the admins' list and export.
struct MailingListHandlers: Sendable {
    let store: SubscriberStore
    let tokens: ListTokens
    let jetStream: JetStream
    let configuration: ContentConfiguration
    let logger: Logger

    /// Rows per export page (one NATS reply).
    static let exportPage = 1000

    /// `POST /public/{tenantSlug}/mailing-list/subscribe`: always the same 202, whether or not the
    /// address was on the list (nobody learns who is subscribed); a confirmation mail goes out
    /// as an event unless the address is subscribed already.
    func subscribe(_ request: ContentRequest) async throws -> Reply {
        let body = try request.body(Subscription.self)
        let email = try PublicForms.email(body.email)
        let slug = try request.tenantSlug()
        if let (id, nonce) = try await store.subscribe(
            tenant: request.tenant, body, email: email, address: request.clientAddress)
        {
            await sendConfirmation(tenant: request.tenant, slug: slug, subscriber: id, email: email, nonce: nonce)
        }
        return try .json(Accepted(), status: 202)
    }

    /// The one answer to every sign-up.
    struct Accepted: Encodable {
        var status = "accepted"
        var detail = "if the address can be subscribed, a confirmation mail is on its way"
    }

    /// `GET /public/{tenantSlug}/mailing-list/confirm?token=`.
    func confirm(_ request: ContentRequest) async throws -> Reply {
        guard let claims = tokens.verify(try token(request), purpose: .confirm, tenant: request.tenant),
            try await store.confirm(tenant: request.tenant, id: claims.subscriber, nonce: claims.nonce)
        else { throw Self.invalidLink }
        return try .json(["status": "subscribed"])
    }

    /// `GET /public/{tenantSlug}/mailing-list/unsubscribe?token=`.
    func unsubscribe(_ request: ContentRequest) async throws -> Reply {
        guard let claims = tokens.verify(try token(request), purpose: .unsubscribe, tenant: request.tenant),
            try await store.unsubscribe(tenant: request.tenant, id: claims.subscriber)
        else { throw Self.invalidLink }
        return try .json(["status": "unsubscribed"])
    }

    func list(_ request: ContentRequest) async throws -> Reply {
        try .json(
            try await store.list(
                tenant: request.tenant, status: try request.choice("status", SubscriberStatus.self),
                page: try request.page()))
    }

    /// One page of the CSV export (the header on the first); the next page's cursor in a header.
    func export(_ request: ContentRequest) async throws -> Reply {
        var query = try request.page()
        query.limit = Self.exportPage
        let page = try await store.list(
            tenant: request.tenant, status: try request.choice("status", SubscriberStatus.self), page: query)
        var csv = query.after == nil ? Subscriber.csvHeader : ""
        for subscriber in page.items { csv += subscriber.csvLine }
        var reply = Reply.payload(Array(csv.utf8), contentType: "text/csv; charset=utf-8")
        if let next = page.nextCursor { reply.headers[PageCursor.header] = next }
        return reply
    }

    /// One answer for every bad link: no oracle for which part was wrong.
    static let invalidLink = ServiceError.badRequest("the link is invalid or has expired")

    private func token(_ request: ContentRequest) throws -> String {
        guard let token = request.string("token") else { throw ServiceError.badRequest("`token` is required") }
        return token
    }

    private func sendConfirmation(tenant: UUID, slug: String, subscriber: UUID, email: String, nonce: String) async {
        let expires = Date().addingTimeInterval(Double(configuration.confirmLifetime.components.seconds))
        let confirm = tokens.make(
            .init(
                purpose: .confirm, tenant: tenant, subscriber: subscriber, nonce: nonce,
                expires: Int(expires.timeIntervalSince1970)))
        let unsubscribe = tokens.make(
            .init(purpose: .unsubscribe, tenant: tenant, subscriber: subscriber, nonce: "-", expires: 0))
        let base = "\(configuration.publicBaseURL)/public/\(slug)/mailing-list"
        let mail = ConfirmationMail(
            id: UUID.v7(), tenantId: tenant, tenantSlug: slug, subscriberId: subscriber, email: email,
            confirmUrl: "\(base)/confirm?token=\(confirm)", unsubscribeUrl: "\(base)/unsubscribe?token=\(unsubscribe)",
            expiresAt: expires)
        do {
            try await jetStream.publish(
                Subjects.mailingListConfirmEvent(tenant: mail.tenantId), event: mail,
                messageID: mail.id.uppercasedString)
        } catch {
            logger.warning("could not publish the confirmation mail event", metadata: ["error": "\(error)"])
        }
    }
}
