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

    init(_ environment: Environment) throws(ConfigurationError) {
        prices = try PriceTable.load(path: environment.optional("USAGE_PRICES_FILE"))
        batchSize = try environment.integer("USAGE_BATCH_SIZE", default: 1000, range: 1...10_000)
        pipeline = try environment.integer("USAGE_PIPELINE", default: 2, range: 1...16)
        consumerName = environment.optional("USAGE_CONSUMER") ?? "usage-service"
        guard consumerName.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ConfigurationError("USAGE_CONSUMER", "must be letters, digits, `-` and `_`")
        }
    }
}
