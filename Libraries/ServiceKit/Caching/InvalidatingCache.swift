import Synchronization

/// A small in-memory cache whose entries expire after `lifetime` and can be evicted when the
/// source changes (a key revoked, a credential replaced), without the classic race: a load that
/// started before an eviction does not put the stale value back, because every eviction moves
/// a generation counter and a load stores its result only if the counter did not move meanwhile.
/// At `capacity` entries, new keys are cached only as old ones expire: a full cache looks for
/// expired entries (a pass over all of them) only once one can have expired, and at most once per
/// `min(lifetime, 1 s)`, so a stream of one-off keys costs a lookup each, not a pass each.
///
/// The lookups are inlinable: specialized in the caller's module for its key and value types,
/// a hit is a hash and a compare, not generic metadata lookups (it sits on every proxied call).
public final class InvalidatingCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    @usableFromInline struct Entry {
        @usableFromInline var value: Value
        @usableFromInline var expires: ContinuousClock.Instant

        @usableFromInline init(value: Value, expires: ContinuousClock.Instant) {
            self.value = value
            self.expires = expires
        }
    }

    @usableFromInline struct State {
        @usableFromInline var entries: [Key: Entry] = [:]
        @usableFromInline var generation: UInt64 = 0
        /// No entry expires before this (entries evicted since may have expired later).
        @usableFromInline var earliestExpiry: ContinuousClock.Instant?
        var lastSweep: ContinuousClock.Instant?
        var sweeps = 0

        @usableFromInline init() {}
    }

    @usableFromInline let lifetime: Duration
    @usableFromInline let capacity: Int
    @usableFromInline let state = Mutex(State())

    public init(lifetime: Duration, capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The cached value, if fresh.
    @inlinable public func value(_ key: Key) -> Value? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.entries[key], entry.expires > now else { return nil }
            return entry.value
        }
    }

    /// The cached value, or the one `load` returns (cached unless something was evicted while loading).
    @inlinable public func value(_ key: Key, load: () async throws -> Value?) async throws -> Value? {
        if let value = value(key) { return value }
        let generation = state.withLock { $0.generation }
        guard let value = try await load() else { return nil }
        let expires = ContinuousClock.now + lifetime
        state.withLock { state in
            guard state.generation == generation, lifetime > .zero else { return }
            if state.entries.count >= capacity && state.entries[key] == nil {
                // Full: drop what expired; if nothing did, keep what is cached and skip this one, so
                // a stream of one-off keys (random query strings) cannot push out the useful ones.
                guard sweep(&state) else { return }
            }
            state.entries[key] = Entry(value: value, expires: expires)
            state.earliestExpiry = min(state.earliestExpiry ?? expires, expires)
        }
        return value
    }

    /// Drops expired entries if some can have expired and the last pass is not too recent; true if
    /// that made room.
    @usableFromInline func sweep(_ state: inout State) -> Bool {
        let now = ContinuousClock.now
        guard let earliest = state.earliestExpiry, earliest <= now,
            state.lastSweep.map({ now - $0 >= min(lifetime, .seconds(1)) }) ?? true
        else { return false }
        state.lastSweep = now
        state.sweeps += 1
        state.entries = state.entries.filter { $0.value.expires > now }
        state.earliestExpiry = state.entries.values.lazy.map(\.expires).min()
        return state.entries.count < capacity
    }

    /// How many passes over the entries looked for expired ones (for tests).
    var sweeps: Int { state.withLock { $0.sweeps } }

    public func evict(_ key: Key) {
        state.withLock { state in
            state.generation &+= 1
            state.entries[key] = nil
        }
    }

    public func evictAll(where shouldEvict: @Sendable (Key, Value) -> Bool) {
        state.withLock { state in
            state.generation &+= 1
            state.entries = state.entries.filter { !shouldEvict($0.key, $0.value.value) }
        }
    }
}
