import Contracts
import Foundation

/// A credential row: the ciphertext and what the API may show.
struct StoredCredential: Sendable {
    var id: UUID
    var tenant: UUID
    var service: String
    var name: String
    var ciphertext: [UInt8]
    var keyVersion: Int
    var keyPreview: String
    var meta: [String: JSONValue]
    var createdAt: Date
    var updatedAt: Date

    /// What the API shows: the key's preview, and `meta.headers` values masked the same way (they
    /// may hold secrets too).
    var view: CredentialView {
        var shown = meta
        if let headers = meta["headers"]?.objectValue {
            shown["headers"] = .object(headers.mapValues { .string(Self.preview(of: $0.stringValue ?? "")) })
        }
        return CredentialView(
            id: id, service: service, name: name, meta: shown, keyPreview: keyPreview, keyVersion: keyVersion,
            createdAt: createdAt, updatedAt: updatedAt)
    }

    /// `meta` as a client sends it back after reading it: a `headers` value equal to the masked
    /// form of the stored one stands for the stored one (kept, not stored masked).
    func unmasking(_ sent: [String: JSONValue]) -> [String: JSONValue] {
        guard var headers = sent["headers"]?.objectValue, let stored = meta["headers"]?.objectValue else { return sent }
        for (name, value) in headers {
            if let original = stored[name], value.stringValue == Self.preview(of: original.stringValue ?? "") {
                headers[name] = original
            }
        }
        var result = sent
        result["headers"] = .object(headers)
        return result
    }

    /// At most the first 3 and last 4 characters; short keys show only their last 2.
    static func preview(of key: String) -> String {
        if key.isEmpty { return "" }
        if key.count >= 12 { return "\(key.prefix(3))...\(key.suffix(4))" }
        return "..." + key.suffix(min(2, key.count / 4))
    }
}
