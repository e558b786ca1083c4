import Contracts
import Foundation
import ServiceKit

/// A request rate per caller that holds across every gateway instance: `limitPerMinute` requests
/// in each UTC minute, counted through the limits ledger like a tenant's limits (docs/limits.md).
/// While the ledger cannot be reached, each instance counts on its own (``RateLimiter``): this
/// rate guards the gateway against floods, and must not take the API down with the ledger.
struct ClusterRateLimit: Sendable {
    /// Names the count in the ledger: `rate/<scope>/<caller>`.
    let scope: String
    let limitPerMinute: Int
    let allowances: Allowances
    let fallback: RateLimiter

    init(scope: String, limitPerMinute: Int, allowances: Allowances) {
        self.scope = scope
        self.limitPerMinute = limitPerMinute
        self.allowances = allowances
        fallback = RateLimiter(limitPerMinute: limitPerMinute)
    }

    /// Takes one request for `caller`; nil if allowed, else the seconds to wait.
    func acquire(_ caller: RateLimiter.Caller) async -> Int? {
        guard limitPerMinute > 0 else { return nil }
        let name =
            switch caller {
            case .principal(let id): "principal/\(id.lowercasedString)"
            case .client(let address): "address/\(address)"
            }
        do {
            _ = try await allowances.take([
                .init(
                    key: "rate/\(scope)/\(name)", unit: .minute, capacity: Int64(limitPerMinute), amount: 1,
                    kind: .requests, tenant: nil)
            ])
            return nil
        } catch .exhausted(_, let retryAfter) {
            return retryAfter ?? 60
        } catch {
            return fallback.acquire(caller)
        }
    }
}
