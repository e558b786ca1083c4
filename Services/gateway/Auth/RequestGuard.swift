import Foundation
import HTTPTypes
import Hummingbird

/// Admits a request to a route: authenticates, authorizes against the route's ``Access``, and
/// applies the rate limits (per caller; per client address for anonymous routes).
struct RequestGuard: Sendable {
    let authenticator: Authenticator
    let callerLimiter: ClusterRateLimit
    let anonymousLimiter: ClusterRateLimit

    /// The authenticated principal (nil on anonymous routes).
    func admit(_ request: Request, context: GatewayRequestContext, access: Access) async throws -> Principal? {
        switch access {
        case .infrastructure:
            return nil
        case .anonymous:
            try await limit(anonymousLimiter, .address(context.clientAddress))  // an IPv6 client by its /64
            return nil
        case .platformAdmin, .tenant:
            break
        }
        guard let principal = try await authenticator.authenticate(request) else {
            throw Problem.unauthorized("credentials required: send x-api-key or Authorization: Bearer <token>")
        }
        try access.authorize(principal, method: request.method)
        if let id = principal.id { try await limit(callerLimiter, .principal(id)) }
        return principal
    }

    private func limit(_ limiter: ClusterRateLimit, _ caller: RateLimiter.Caller) async throws {
        if let retryAfter = await limiter.acquire(caller) {
            throw Problem(
                .tooManyRequests, "rate limit of \(limiter.limitPerMinute) requests a minute exceeded",
                kind: "rate-limited", headers: [.retryAfter: String(retryAfter)])
        }
    }
}
