import Foundation
import Messaging
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Token buckets per caller: `limit` requests a minute with bursts up to `limit`. Over the
/// limit, a request gets 429 with `Retry-After`. Each gateway instance counts on its own: this is
/// ``ClusterRateLimit``'s fallback while the limits ledger cannot be reached.
///
/// At most `capacity` callers are tracked. Past it, the buckets that have refilled (their
/// callers idle for long enough: forgetting them changes nothing) are dropped, and if that is not
/// enough the least recently seen ones, down to 90 %: a flood of new addresses cannot reset the
/// count of a caller who is still sending. IPv6 clients are counted per /64, the block one
/// subscriber usually holds, so rotating addresses within it gains nothing.
final class RateLimiter: Sendable {
    /// Who is counted: a principal by id, or a client (made by ``address(_:)``).
    enum Caller: Hashable, Sendable {
        case principal(UUID)
        case client(String)

        /// A client address as counted: an IPv4 address as it is (also when IPv4-mapped), an IPv6
        /// address by its /64 prefix.
        static func address(_ text: String) -> Caller {
            .client(RateLimiter.countedAddress(text))
        }
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let limitPerMinute: Int
    let capacity: Int
    private let buckets = Mutex<[Caller: Bucket]>([:])

    init(limitPerMinute: Int, capacity: Int = 100_000) {
        self.limitPerMinute = limitPerMinute
        self.capacity = capacity
    }

    /// How many callers are tracked (for tests).
    var trackedCallers: Int { buckets.withLock { $0.count } }

    /// Takes one token for `caller`; returns nil if allowed, else the seconds to wait.
    func acquire(_ caller: Caller, now: ContinuousClock.Instant = .now) -> Int? {
        guard limitPerMinute > 0 else { return nil }
        return buckets.withLock { buckets in
            var bucket = Bucket(tokens: buckets[caller].map { refilled($0, at: now) } ?? full, updated: now)
            defer {
                buckets[caller] = bucket
                if buckets.count > capacity { shrink(&buckets, now: now) }
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
        }
    }

    /// A bucket's tokens at `now`: what it held, plus what came in since, up to full.
    private func refilled(_ bucket: Bucket, at now: ContinuousClock.Instant) -> Double {
        min(full, bucket.tokens + (now - bucket.updated).seconds * perSecond)
    }

    private var full: Double { Double(limitPerMinute) }
    private var perSecond: Double { full / 60 }

    /// Drops the refilled buckets, then, if still above 90 % of the capacity, the least recently
    /// updated ones down to it (a pass at most once per tenth of the capacity in new callers).
    private func shrink(_ buckets: inout [Caller: Bucket], now: ContinuousClock.Instant) {
        buckets = buckets.filter { _, bucket in refilled(bucket, at: now) < full }
        let target = capacity * 9 / 10
        guard buckets.count > target else { return }
        let oldest = buckets.sorted { $0.value.updated < $1.value.updated }.prefix(buckets.count - target)
        for (caller, _) in oldest { buckets[caller] = nil }
    }

    /// `2001:db8:1:2:3:4:5:6` → `2001:db8:1:2::/64`; an IPv4 or IPv4-mapped address → the IPv4
    /// address; anything else (not an address) as it is.
    static func countedAddress(_ text: String) -> String {
        var address = in6_addr()
        guard text.contains(":"), inet_pton(AF_INET6, text, &address) == 1 else { return text }
        let bytes = withUnsafeBytes(of: address) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = stride(from: 0, to: 8, by: 2).map {
            String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
        }
        return groups.joined(separator: ":") + "::/64"
    }
}
