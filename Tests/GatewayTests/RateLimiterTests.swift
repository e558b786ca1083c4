import Foundation
import Testing

@testable import Gateway

@Suite("Rate limiter")
struct RateLimiterTests {
    @Test("a flood of new addresses does not reset the count of one still sending")
    func floodKeepsHotCallers() {
        let limiter = RateLimiter(limitPerMinute: 5, capacity: 100)
        let start = ContinuousClock.now
        let hot = RateLimiter.Caller.address("203.0.113.7")
        for _ in 0..<5 { #expect(limiter.acquire(hot, now: start) == nil) }
        #expect(limiter.acquire(hot, now: start) != nil, "limited")
        // 1,000 one-off addresses, the hot caller still knocking in between.
        for index in 0..<1000 {
            let now = start + .milliseconds(index)
            _ = limiter.acquire(.address("198.51.100.\(index % 250)-\(index)"), now: now)
            if index % 50 == 0 { #expect(limiter.acquire(hot, now: now) != nil, "still limited after \(index)") }
        }
        #expect(limiter.trackedCallers <= 100)
        // Idle for a minute, its bucket has refilled (and forgetting it changed nothing).
        #expect(limiter.acquire(hot, now: start + .seconds(61)) == nil)
    }

    @Test("IPv6 clients are counted per /64; IPv4-mapped addresses as IPv4")
    func ipv6Prefixes() {
        #expect(RateLimiter.countedAddress("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64")
        #expect(RateLimiter.countedAddress("2001:db8:1:2::ffff") == "2001:db8:1:2::/64")
        #expect(RateLimiter.countedAddress("2001:db8:1:3::1") == "2001:db8:1:3::/64")
        #expect(RateLimiter.countedAddress("::ffff:192.0.2.1") == "192.0.2.1")
        #expect(RateLimiter.countedAddress("192.0.2.1") == "192.0.2.1")
        #expect(RateLimiter.countedAddress("unknown") == "unknown")

        let limiter = RateLimiter(limitPerMinute: 3)
        let now = ContinuousClock.now
        for suffix in ["1", "2", "abcd:1"] {
            #expect(limiter.acquire(.address("2001:db8:0:7::\(suffix)"), now: now) == nil)
        }
        #expect(limiter.acquire(.address("2001:db8:0:7:ffff::1"), now: now) != nil, "the same /64: one count")
        #expect(limiter.acquire(.address("2001:db8:0:8::1"), now: now) == nil, "another /64")
    }
}
