import Contracts
import Foundation
import Messaging

/// `vault.credentials.create`'s body (`POST /credentials`): `metadata` is a synonym of `meta`.
struct CreateCredential: JSONBody {
    static let fields: Set<String> = ["service", "key", "meta", "metadata", "name"]
    var service: String
    var key: String
    var meta: [String: JSONValue]?
    var metadata: [String: JSONValue]?
    var name: String?
}

/// `vault.credentials.update`'s body (`PATCH /credentials/{id}`).
struct UpdateCredential: JSONBody {
    static let fields: Set<String> = ["key", "meta", "metadata"]
    var key: String?
    var meta: [String: JSONValue]?
    var metadata: [String: JSONValue]?
}

/// Validation of what a credential may hold.
struct CredentialRules: Sendable {
    let baseURLs: BaseURLPolicy

    static let metaFields: Set<String> = ["baseUrl", "organization", "project", "apiVersion", "headers", "deployment"]

    func provider(_ service: String) throws -> ProviderID {
        guard let provider = ProviderID(service: service) else {
            throw ServiceError.badRequest(
                "`service` \"\(service.prefix(64))\" is not a known provider; known: "
                    + ProviderID.services.joined(separator: ", "))
        }
        return provider
    }

    func name(_ name: String?) throws -> String {
        let name = name ?? "default"
        guard CredentialName.isValid(name) else {
            throw ServiceError.badRequest("`name` must be \(CredentialName.rule)")
        }
        return name
    }

    func key(_ key: String, for provider: ProviderID) throws -> String {
        if key.isEmpty && !provider.facts.requiresKey { return key }
        guard (8...4096).contains(key.count) else {
            throw ServiceError.badRequest("`key` must have 8 to 4096 characters")
        }
        guard !key.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw ServiceError.badRequest("`key` must not contain spaces or line breaks")
        }
        return key
    }

    /// Known fields only; `baseUrl` must be allowed (422 otherwise); `headers` a string map.
    func meta(_ meta: [String: JSONValue]?, synonym: [String: JSONValue]?, for provider: ProviderID) throws
        -> [String: JSONValue]?
    {
        if meta != nil && synonym != nil { throw ServiceError.badRequest("send `meta` or `metadata`, not both") }
        guard let meta = meta ?? synonym else { return nil }
        if let unknown = meta.keys.sorted().first(where: { !Self.metaFields.contains($0) }) {
            throw ServiceError.badRequest(
                "unknown field `meta.\(unknown)`; known: \(Self.metaFields.sorted().joined(separator: ", "))")
        }
        for field in ["baseUrl", "organization", "project", "apiVersion", "deployment"] {
            if let value = meta[field], value.stringValue == nil {
                throw ServiceError.badRequest("`meta.\(field)` must be a string")
            }
        }
        // They go into the upstream URL (a path segment, a query value): names only.
        for field in ["apiVersion", "deployment"] {
            if let value = meta[field]?.stringValue, !URLPathRules.isPlainSegment(value) {
                throw ServiceError.badRequest("`meta.\(field)` must be 1 to 128 letters, digits, `.`, `_` or `-`")
            }
        }
        if let headers = meta["headers"] {
            guard let object = headers.objectValue, object.values.allSatisfy({ $0.stringValue != nil }) else {
                throw ServiceError.badRequest("`meta.headers` must be an object of strings")
            }
            for name in object.keys
            where name.isEmpty
                || !name.unicodeScalars.allSatisfy({
                    $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-")
                })
            {
                throw ServiceError.badRequest("`meta.headers` has an invalid header name \"\(name.prefix(64))\"")
            }
        }
        if let baseURL = meta["baseUrl"]?.stringValue, let reason = baseURLs.rejection(of: baseURL, for: provider) {
            throw ServiceError.unprocessable("`meta.baseUrl` \(reason)")
        }
        if provider.facts.requiresBaseURL && meta["baseUrl"] == nil {
            throw ServiceError.unprocessable("`meta.baseUrl` is required for \(provider.service)")
        }
        return meta
    }
}
