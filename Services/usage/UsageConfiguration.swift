import Contracts
import ServiceKit

/// The usage service's own settings.
struct UsageConfiguration: Sendable {
    /// The price table: `USAGE_PRICES_FILE` (a JSON file like `Pricing/prices.json`), else the shipped one.
    let prices: PriceTable
    /// `USAGE_BATCH_SIZE`: events fetched and stored per transaction (default 1000).
    let batchSize: Int
    /// `USAGE_PIPELINE`: batches stored concurrently while the next one is fetched (default 2).
    let pipeline: Int
    /// `USAGE_CONSUMER`: the durable consumer the instances share (default `usage-service`).
    let consumerName: String
    /// `USAGE_LINGER_MS`: how long a batch that is not full waits for more events before it is
    /// stored (default 50). At low rates this turns one transaction per event into one per batch,
    /// which leaves the CPU to the calls being metered; the lag grows by at most this much. A
    /// batch costs about 1 ms of the service's and PostgreSQL's time beyond its events: at 3,800
    /// calls/s, 100 ms cost 12 µs less per call than 20 (docs/benchmarks.md).
    let linger: Duration

    init(_ environment: Environment) throws(ConfigurationError) {
        prices = try PriceTable.load(path: environment.optional("USAGE_PRICES_FILE"))
        batchSize = try environment.integer("USAGE_BATCH_SIZE", default: 1000, range: 1...10_000)
        pipeline = try environment.integer("USAGE_PIPELINE", default: 2, range: 1...16)
        consumerName = environment.optional("USAGE_CONSUMER") ?? "usage-service"
        linger = try environment.duration("USAGE_LINGER_MS", defaultMilliseconds: 50, range: 0...1000)
        guard consumerName.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ConfigurationError("USAGE_CONSUMER", "must be letters, digits, `-` and `_`")
        }
    }
}
