import Foundation
import Synchronization

/// Token buckets per caller: `limit` requests a minute with bursts up to `limit`. Over the
/// limit, a request gets 429 with `Retry-After`. Each gateway instance counts on its own.
final class RateLimiter: Sendable {
    /// Who is counted: a principal by id, or a client address.
    enum Caller: Hashable, Sendable {
        case principal(UUID)
        case address(String)
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let limitPerMinute: Int
    private let buckets = Mutex<[Caller: Bucket]>([:])

    init(limitPerMinute: Int) {
        self.limitPerMinute = limitPerMinute
    }

    /// Takes one token for `caller`; returns nil if allowed, else the seconds to wait.
    func acquire(_ caller: Caller) -> Int? {
        guard limitPerMinute > 0 else { return nil }
        let now = ContinuousClock.now
        let capacity = Double(limitPerMinute)
        let perSecond = capacity / 60
        return buckets.withLock { buckets in
            if buckets.count > 100_000 { buckets.removeAll() }
            var bucket = buckets[caller] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(capacity, bucket.tokens + seconds * perSecond)
            bucket.updated = now
            defer { buckets[caller] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
        }
    }
}
