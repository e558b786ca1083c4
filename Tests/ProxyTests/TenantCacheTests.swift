import Foundation
import Synchronization
import Testing

@testable import Proxy

@Suite("A tenant's limits and prices, kept between reads")
struct TenantCacheTests {
    /// Reads that count themselves; a read after the first waits until `opened` (at most 10 s).
    final class Source: Sendable {
        let started = Mutex(0)
        let finished = Mutex(0)
        let opened = Mutex(false)

        func load() async throws -> String {
            let number = started.withLock { count in
                count += 1
                return count
            }
            if number > 1 {
                let deadline = ContinuousClock.now + .seconds(10)
                while !opened.withLock({ $0 }) && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            finished.withLock { $0 += 1 }
            return "read \(number)"
        }
    }

    @Test(
        "past its lifetime a value is served while it is read again in the background; after a change, calls wait for the read"
    )
    func readAgainInTheBackground() async throws {
        let source = Source()
        let cache = TenantCache<String>(lifetime: .seconds(2)) { _ in try await source.load() }
        let tenant = UUID()
        #expect(try await cache.value(for: tenant) == "read 1")
        #expect(try await cache.value(for: tenant) == "read 1", "fresh: not read again")
        #expect(source.started.withLock { $0 } == 1)

        // Past the lifetime: the call goes on with the value known while the second read, held
        // back, has begun and not finished.
        try await Task.sleep(for: .milliseconds(2_100))
        #expect(try await cache.value(for: tenant) == "read 1")
        #expect(try await cache.value(for: tenant) == "read 1", "one read at a time")
        #expect(source.finished.withLock { $0 } == 1, "no call waited for the second read")
        source.opened.withLock { $0 = true }
        for _ in 0..<10_000 where source.finished.withLock({ $0 }) < 2 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(try await cache.value(for: tenant) == "read 2")

        // A change announced: nothing stale is served; the call waits for the third read.
        cache.evict(tenant)
        #expect(try await cache.value(for: tenant) == "read 3")
        #expect(source.started.withLock { $0 } == 3)
    }
}
