import Contracts
import Metrics

/// The proxy's Prometheus series, per provider: upstream latency and time to first byte by status
/// class, calls, and tokens by kind (as the usage events count them).
enum ProxyMetrics {
    static func record(_ event: UsageEvent) {
        let statusClass = "\(event.status / 100)xx"
        let call = [("provider", event.service), ("status", statusClass)]
        Counter(label: "strongbox_proxy_calls_total", dimensions: call + [("streamed", String(event.streamed))])
            .increment()
        Timer(label: "strongbox_proxy_upstream_duration_seconds", dimensions: call, preferredDisplayUnit: .seconds)
            .recordMilliseconds(event.latencyMs)
        if let ttfb = event.ttfbMs {
            Timer(label: "strongbox_proxy_time_to_first_byte_seconds", dimensions: call, preferredDisplayUnit: .seconds)
                .recordMilliseconds(ttfb)
        }
        for (kind, tokens) in [
            ("prompt", event.promptTokens), ("completion", event.completionTokens), ("cached", event.cachedTokens),
        ] where tokens > 0 {
            Counter(label: "strongbox_proxy_tokens_total", dimensions: [("provider", event.service), ("kind", kind)])
                .increment(by: tokens)
        }
    }
}
