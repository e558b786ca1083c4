import Contracts
import Metrics
import Synchronization

/// The proxy's Prometheus series, per provider: calls, upstream latency and time to first byte by
/// status class, and tokens by kind (as the usage events count them). The series of a provider
/// and status are made once and kept (the metrics factory's lookup is not free on every call).
enum ProxyMetrics {
    private struct Series: Sendable {
        var calls: Counter
        var latency: Timer
        var firstByte: Timer
        var tokens: [String: Counter]
    }

    private struct Key: Hashable {
        var service: String
        var statusClass: Int
        var streamed: Bool
    }

    private static let series = Mutex<[Key: Series]>([:])

    static func record(_ event: UsageEvent) {
        let key = Key(service: event.service, statusClass: event.status / 100, streamed: event.streamed)
        let series = series.withLock { cache in
            if let found = cache[key] { return found }
            let call = [("provider", event.service), ("status", "\(key.statusClass)xx")]
            let made = Series(
                calls: Counter(
                    label: "strongbox_proxy_calls_total", dimensions: call + [("streamed", String(event.streamed))]),
                latency: Timer(
                    label: "strongbox_proxy_upstream_duration_seconds", dimensions: call, preferredDisplayUnit: .seconds
                ),
                firstByte: Timer(
                    label: "strongbox_proxy_time_to_first_byte_seconds", dimensions: call,
                    preferredDisplayUnit: .seconds),
                tokens: Dictionary(
                    uniqueKeysWithValues: ["prompt", "completion", "cached"].map { kind in
                        (
                            kind,
                            Counter(
                                label: "strongbox_proxy_tokens_total",
                                dimensions: [("provider", event.service), ("kind", kind)])
                        )
                    }))
            cache[key] = made
            return made
        }
        series.calls.increment()
        series.latency.recordMilliseconds(event.latencyMs)
        if let ttfb = event.ttfbMs { series.firstByte.recordMilliseconds(ttfb) }
        for (kind, tokens) in [
            ("prompt", event.promptTokens), ("completion", event.completionTokens), ("cached", event.cachedTokens),
        ] where tokens > 0 {
            series.tokens[kind]?.increment(by: tokens)
        }
    }
}
