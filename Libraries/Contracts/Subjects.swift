import Foundation
import Messaging

/// Every NATS subject the services use: the messaging contract, in one place.
///
/// Requests go to `<service>.<resource>.<verb>` in the service's queue group (named after the
/// service); events go to `<domain>.events.<...>` and are captured by JetStream streams.
/// Subjects change only additively: a new version of a message gets a new subject.
public enum Subjects {
    /// The queue group of a service is its name, so N instances share its requests.
    public static func queueGroup(_ service: ServiceName) -> String { service.rawValue }

    /// Each service's health request: answers when the instance and its database are up.
    public static func health(_ service: ServiceName) -> String { "\(service.rawValue).health" }

    /// Each service deletes everything it holds for the tenant in the `Tenant-Id` header.
    public static func tenantDeletion(_ service: ServiceName) -> String { "\(service.rawValue).tenants.delete" }

    /// Password-reset and confirmation mails for a mailer (JetStream stream `MAIL`), each on a
    /// subject ending in its tenant's id (so a deleted tenant's mails can be purged).
    public static let mailEvents = "mail.events.>"
    /// A password reset, from the gateway.
    public static func passwordResetEvent(tenant: UUID) -> String {
        "mail.events.password-reset.\(tenant.lowercasedString)"
    }
    /// A mailing-list subscription to confirm (double opt-in), from the content service.
    public static func mailingListConfirmEvent(tenant: UUID) -> String {
        "mail.events.mailing-list-confirm.\(tenant.lowercasedString)"
    }
    public static let mailingListConfirmEvents = "mail.events.mailing-list-confirm.*"
    /// The stream that keeps mail events for a mailer.
    public static let mailStream = StreamConfig(name: "MAIL", subjects: [mailEvents], maxAge: .seconds(7 * 24 * 3600))

    /// Where a tenant's events wait in JetStream: (stream, subject filter) pairs the gateway purges
    /// when the tenant is deleted. `AUDIT` is not among them: release records outlive a tenant.
    public static func tenantEvents(_ tenant: UUID) -> [(stream: String, subject: String)] {
        let id = tenant.lowercasedString
        return [
            (UsageStream.config.name, UsageSubjects.event(tenant: tenant)),
            (mailStream.name, "mail.events.*.\(id)"),
            (ContactEvents.stream.name, "contact.events.*.\(id)"),
            (LimitSubjects.stream.name, LimitSubjects.events(tenant: tenant)),
        ]
    }
}

/// What a service answers to ``Subjects/tenantDeletion(_:)``.
public struct TenantDeletionReply: Codable, Sendable {
    /// Rows removed, per table.
    public var deleted: [String: Int]

    public init(deleted: [String: Int]) {
        self.deleted = deleted
    }
}

/// The five services.
public enum ServiceName: String, CaseIterable, Sendable {
    case gateway, vault, proxy, content, usage

    /// The services the gateway needs before it is ready.
    public static let backends: [ServiceName] = [.vault, .proxy, .content, .usage]
}

/// The product's version, reported by `$SRV` discovery and the health replies.
public enum ProductVersion {
    public static let current = "0.1.0"
}
