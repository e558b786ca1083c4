import Foundation

/// The vault's NATS subjects and messages (the gateway's `/credentials` routes and the proxy's
/// release use them). Requests carry the tenant in the `Tenant-Id` header.
public enum VaultSubjects {
    public static let create = "vault.credentials.create"
    public static let list = "vault.credentials.list"
    public static let get = "vault.credentials.get"
    public static let update = "vault.credentials.update"
    public static let delete = "vault.credentials.delete"
    /// Plaintext release: only the proxy's NATS user may publish here.
    public static let resolve = "vault.credentials.resolve"
    public static let rotate = "vault.admin.rotate"
    public static let status = "vault.admin.status"
    /// `vault.events.credentials.changed`: a credential was written or deleted (caches drop it).
    public static let credentialChanged = "vault.events.credentials.changed"
    /// Audit records of releases (`{"type": "credential-releases", "id", "records": [...]}`, one
    /// or more records a message), captured by the JetStream stream `AUDIT`.
    public static let auditReleased = "audit.vault.credentials-released"
}

/// The name that tells a tenant's credentials for one service apart (`default` unless given).
public enum CredentialName {
    public static let rule = "1 to 64 letters, digits, `_`, `.` or `-`"

    public static func isValid(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            }
    }
}

/// A credential as the API shows it: never the key, only a preview.
public struct CredentialView: Codable, Sendable, Equatable {
    public var id: UUID
    public var service: String
    public var name: String
    public var meta: [String: JSONValue]
    public var keyPreview: String
    public var keyVersion: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, service: String, name: String, meta: [String: JSONValue], keyPreview: String, keyVersion: Int,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.service = service
        self.name = name
        self.meta = meta
        self.keyPreview = keyPreview
        self.keyVersion = keyVersion
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// `vault.credentials.list`'s request: the page wanted.
public struct CredentialListRequest: Codable, Sendable {
    public var limit: Int
    public var after: UUID?
    public var service: String?

    public init(limit: Int, after: UUID?, service: String?) {
        self.limit = limit
        self.after = after
        self.service = service
    }
}

/// A page of credentials; `next` is the id to continue after, if there is more.
public struct CredentialPage: Codable, Sendable {
    public var items: [CredentialView]
    public var next: UUID?

    public init(items: [CredentialView], next: UUID?) {
        self.items = items
        self.next = next
    }
}

/// `vault.credentials.get|delete`: which one.
public struct CredentialID: Codable, Sendable {
    public var id: UUID
    public init(id: UUID) { self.id = id }
}

/// `vault.credentials.resolve`'s request.
public struct ResolveRequest: Codable, Sendable {
    public var service: String
    public var name: String?

    public init(service: String, name: String? = nil) {
        self.service = service
        self.name = name
    }
}

/// `vault.credentials.resolve`'s answer: the plaintext key, for the proxy only.
public struct ReleasedCredential: Codable, Sendable {
    public var id: UUID
    public var service: String
    public var name: String
    public var key: String
    public var meta: [String: JSONValue]
    public var keyVersion: Int

    public init(id: UUID, service: String, name: String, key: String, meta: [String: JSONValue], keyVersion: Int) {
        self.id = id
        self.service = service
        self.name = name
        self.key = key
        self.meta = meta
        self.keyVersion = keyVersion
    }
}

/// `vault.events.credentials.changed`: drop cached copies.
public struct CredentialChanged: Codable, Sendable {
    public var tenantId: UUID
    public var credentialId: UUID
    public var service: String
    public var name: String

    public init(tenantId: UUID, credentialId: UUID, service: String, name: String) {
        self.tenantId = tenantId
        self.credentialId = credentialId
        self.service = service
        self.name = name
    }
}

/// Which credential: a tenant's credential for a service, by name. What caches of credentials
/// (the vault's ciphertexts, the proxy's leases and model lists) are keyed by, and what a
/// ``CredentialChanged`` event evicts.
public struct CredentialKey: Hashable, Sendable {
    public var tenant: UUID
    public var service: String
    public var name: String

    public init(tenant: UUID, service: String, name: String = "default") {
        self.tenant = tenant
        self.service = service
        self.name = name
    }

    /// The credential an event is about.
    public init(_ event: CredentialChanged) {
        self.init(tenant: event.tenantId, service: event.service, name: event.name)
    }
}

/// What `GET /admin/vault/status` shows.
public struct VaultStatus: Codable, Sendable, Equatable {
    public struct Version: Codable, Sendable, Equatable {
        public var version: Int
        public var credentials: Int
        public init(version: Int, credentials: Int) {
            self.version = version
            self.credentials = credentials
        }
    }

    public struct Rewrap: Codable, Sendable, Equatable {
        /// `idle` (never started), `running`, `done`.
        public var state: String
        public var done: Int
        public var total: Int
        public init(state: String, done: Int, total: Int) {
            self.state = state
            self.done = done
            self.total = total
        }
    }

    public var currentVersion: Int
    public var versions: [Version]
    public var rewrap: Rewrap

    public init(currentVersion: Int, versions: [Version], rewrap: Rewrap) {
        self.currentVersion = currentVersion
        self.versions = versions
        self.rewrap = rewrap
    }
}

/// An audit record of one plaintext release (never the key).
public struct CredentialReleased: Codable, Sendable {
    public var id: UUID
    public var type = "credential-released"
    public var tenantId: UUID
    public var credentialId: UUID
    public var service: String
    public var name: String
    public var keyVersion: Int
    public var requestId: String?
    /// Who asked: the calling service and, when known, the API key or user behind the request.
    public var caller: String
    public var principal: String?
    public var at: Date

    public init(
        id: UUID, tenantId: UUID, credentialId: UUID, service: String, name: String, keyVersion: Int,
        requestId: String?, caller: String, principal: String?, at: Date
    ) {
        self.id = id
        self.tenantId = tenantId
        self.credentialId = credentialId
        self.service = service
        self.name = name
        self.keyVersion = keyVersion
        self.requestId = requestId
        self.caller = caller
        self.principal = principal
        self.at = at
    }
}

/// One message of the `AUDIT` stream: release records written together (see the vault's AuditLog).
public struct CredentialReleaseBatch: Codable, Sendable {
    public var type = "credential-releases"
    public var id: UUID
    public var records: [CredentialReleased]

    public init(id: UUID, records: [CredentialReleased]) {
        self.id = id
        self.records = records
    }
}
