import Contracts
import Crypto
import Foundation

/// The signed, single-purpose tokens in mailing-list links: `<payload>.<signature>`, both
/// base64url, the signature an HMAC-SHA256 of the payload. The payload names the purpose, the
/// tenant, the subscriber, a nonce and an expiry, so a token confirms or unsubscribes one
/// subscriber of one tenant and nothing else; a confirmation token dies when the subscriber asks
/// again (new nonce). Nobody without the secret can make one, and an email address alone does nothing.
struct ListTokens: Sendable {
    enum Purpose: String, Sendable { case confirm = "c", unsubscribe = "u" }

    struct Claims: Equatable, Sendable {
        var purpose: Purpose
        var tenant: UUID
        var subscriber: UUID
        var nonce: String
        /// Seconds since 1970; 0 for never (unsubscribe links keep working in old mails).
        var expires: Int
    }

    private let key: SymmetricKey

    init(secret: String) {
        key = SymmetricKey(data: SHA256.hash(data: Data("strongbox.mailing-list.v1:\(secret)".utf8)))
    }

    func make(_ claims: Claims) -> String {
        let payload = Data(
            [
                "v1", claims.purpose.rawValue, claims.tenant.lowercasedString,
                claims.subscriber.lowercasedString, claims.nonce, String(claims.expires),
            ].joined(separator: ".").utf8)
        let signature = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        return payload.base64URLEncodedString + "." + Data(signature).base64URLEncodedString
    }

    /// The claims of a token signed with this secret, for `purpose` and `tenant`, not expired;
    /// nil for anything else (forged, altered, another purpose, another tenant, expired).
    func verify(_ token: String, purpose: Purpose, tenant: UUID, now: Date = Date()) -> Claims? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 512, parts.count == 2, let payload = Data(base64URLEncoded: parts[0]),
            let signature = Data(base64URLEncoded: parts[1]),
            HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: payload, using: key),
            let text = String(data: payload, encoding: .utf8)
        else { return nil }
        let fields = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 6, fields[0] == "v1", fields[1] == purpose.rawValue,
            let tokenTenant = UUID(parsing: fields[2]), tokenTenant == tenant,
            let subscriber = UUID(parsing: fields[3]), let expires = Int(fields[5]),
            expires == 0 || Double(expires) > now.timeIntervalSince1970
        else { return nil }
        return Claims(purpose: purpose, tenant: tenant, subscriber: subscriber, nonce: fields[4], expires: expires)
    }

    static func nonce() -> String {
        Data((0..<12).map { _ in UInt8.random(in: .min ... .max) }).base64URLEncodedString
    }

}
