import Testing

@testable import ServiceKit

@Suite("Invalidating cache")
struct InvalidatingCacheTests {
    @Test("a full cache keeps its entries: new keys wait until old ones expire")
    func full() async throws {
        let cache = InvalidatingCache<String, Int>(lifetime: .milliseconds(300), capacity: 3)
        for (index, key) in ["a", "b", "c"].enumerated() {
            _ = try await cache.value(key) { index }
        }
        var loads = 0
        for index in 0..<100 {
            _ = try await cache.value("one-off-\(index)") {
                loads += 1
                return index
            }
        }
        #expect(loads == 100)
        #expect(cache.value("a") == 0 && cache.value("b") == 1 && cache.value("c") == 2)
        #expect(cache.value("one-off-0") == nil)
        #expect(cache.sweeps == 0, "nothing could have expired: no pass over the entries")

        try await Task.sleep(for: .milliseconds(400))
        _ = try await cache.value("new") { 7 }
        #expect(cache.value("new") == 7)
        #expect(cache.value("a") == nil)
        #expect(cache.sweeps == 1)

        // Full again with fresh entries: more one-off keys make no pass until one can have expired.
        for index in 0..<2 { _ = try await cache.value("fill-\(index)") { index } }
        for index in 0..<100 { _ = try await cache.value("again-\(index)") { index } }
        #expect(cache.sweeps == 1)
        #expect(cache.value("again-0") == nil)
    }

    @Test("an eviction during a load keeps the stale value out")
    func evictionDuringLoad() async throws {
        let cache = InvalidatingCache<String, Int>(lifetime: .seconds(60))
        let value = try await cache.value("key") {
            cache.evict("key")
            return 1
        }
        #expect(value == 1)
        #expect(cache.value("key") == nil)
        _ = try await cache.value("key") { 2 }
        #expect(cache.value("key") == 2)
    }
}
