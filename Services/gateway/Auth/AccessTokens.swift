import Contracts
import Foundation
import JWTKit

/// Short-lived access JWTs (HS256 with `JWT_SECRET`) for tenant users.
struct AccessTokens: Sendable {
    struct Claims: JWTPayload, Equatable {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var iss: IssuerClaim
        /// Tenant id.
        var tid: String
        /// Session (refresh-token family) id.
        var sid: String
        var role: UserRole
        /// The user's own module list, when narrower than the tenant's.
        var mods: [Module]?

        func verify(using algorithm: some JWTAlgorithm) throws {
            try exp.verifyNotExpired()
            guard iss.value == AccessTokens.issuer else {
                throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "issuer")
            }
        }
    }

    static let issuer = "strongbox"
    let keys: JWTKeyCollection
    let lifetime: Duration

    init(secret: String, lifetime: Duration) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.lifetime = lifetime
    }

    func issue(user: UUID, tenant: UUID, session: UUID, role: UserRole, modules: [Module]?) async throws -> String {
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let claims = Claims(
            sub: .init(value: user.lowercasedString),
            exp: .init(value: now.addingTimeInterval(Double(lifetime.components.seconds))),
            iat: .init(value: now), iss: .init(value: Self.issuer), tid: tenant.lowercasedString,
            sid: session.lowercasedString, role: role, mods: modules)
        return try await keys.sign(claims)
    }

    /// The claims of a valid, unexpired token; nil for anything else.
    func verify(_ token: String) async -> Claims? {
        try? await keys.verify(token, as: Claims.self)
    }

    /// Seconds an access token lives, for `expiresIn`.
    var lifetimeSeconds: Int { Int(lifetime.components.seconds) }
}
