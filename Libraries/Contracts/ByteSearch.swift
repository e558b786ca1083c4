#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

extension Collection<UInt8> {
    /// Whether the UTF-8 bytes of `needle` occur in these bytes: `memchr` for its first byte, then
    /// `memcmp`. The standard library's `firstRange(of:)` is generic (it builds a Z-algorithm table
    /// per search) and took ~5 µs of a proxied call for one search of a short path.
    @inlinable
    public func contains(utf8 needle: String) -> Bool {
        withContiguousStorageIfAvailable { haystack in
            var needle = needle
            return needle.withUTF8 { needle in
                guard let first = needle.first else { return true }
                guard let base = haystack.baseAddress, haystack.count >= needle.count else { return false }
                let last = haystack.count - needle.count
                var start = 0
                while start <= last {
                    guard let hit = memchr(base + start, Int32(first), last - start + 1) else { return false }
                    let index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + index, needle.baseAddress!, needle.count) == 0 { return true }
                    start = index + 1
                }
                return false
            }
        } ?? Array(self).contains(utf8: needle)
    }
}
