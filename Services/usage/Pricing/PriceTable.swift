import Foundation
import ServiceKit

/// Model prices, versioned: each event is priced with the table in force when it is stored and
/// keeps that version, so past costs can be re-derived. Prices are USD per million tokens, which
/// is exactly micro-USD per token; they are kept as integer nano-USD per token, so costs are
/// computed in integers and rounded once, to micro-USD.
struct PriceTable: Sendable {
    struct Price: Sendable, Equatable {
        /// Nano-USD per token.
        var input: Int64
        var output: Int64
        var cachedInput: Int64
    }

    let version: String
    /// By `service/model`.
    let prices: [String: Price]

    /// The cost of an event in micro-USD, or nil when the model has no price (never 0 for "unknown").
    func cost(service: String, model: String?, prompt: Int, completion: Int, cached: Int) -> Int64? {
        guard let model, let price = price(service: service, model: model) else { return nil }
        let cachedTokens = Int64(min(max(cached, 0), prompt))
        let uncached = Int64(prompt) - cachedTokens
        // Counts are clamped when stored, but a price file can hold anything: overflow is "unknown".
        var nano: Int64 = 500
        for (tokens, price) in [
            (uncached, price.input), (cachedTokens, price.cachedInput), (Int64(completion), price.output),
        ] {
            let (product, overflow) = tokens.multipliedReportingOverflow(by: price)
            guard !overflow else { return nil }
            let (sum, overflowed) = nano.addingReportingOverflow(product)
            guard !overflowed else { return nil }
            nano = sum
        }
        return nano / 1000
    }

    /// The exact model, else the longest known model that prefixes it (a dated version such as
    /// `gpt-4o-mini-2024-07-18` takes `gpt-4o-mini`'s price).
    func price(service: String, model: String) -> Price? {
        let key = "\(service)/\(model)"
        if let price = prices[key] { return price }
        let candidates = prices.keys.filter {
            key.hasPrefix($0 + "-") || key.hasPrefix($0 + "@") || key.hasPrefix($0 + ":")
        }
        return candidates.max { $0.count < $1.count }.flatMap { prices[$0] }
    }

    // MARK: - Loading

    private struct File: Decodable {
        struct Entry: Decodable {
            var input: Decimal
            var output: Decimal
            var cachedInput: Decimal?
        }

        var version: String
        var models: [String: Entry]
    }

    /// The operator's file (`USAGE_PRICES_FILE`), else the table shipped with the service.
    static func load(path: String?) throws(ConfigurationError) -> PriceTable {
        let data: Data
        if let path {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError("USAGE_PRICES_FILE", "names a file that cannot be read: \(path)")
            }
            data = contents
        } else {
            guard let url = Bundle.module.url(forResource: "prices", withExtension: "json"),
                let contents = try? Data(contentsOf: url)
            else {
                throw ConfigurationError("USAGE_PRICES_FILE", "is not set and the shipped prices.json is missing")
            }
            data = contents
        }
        do {
            let file = try JSONDecoder().decode(File.self, from: data)
            guard !file.version.isEmpty else { throw ConfigurationError("USAGE_PRICES_FILE", "has an empty version") }
            func nano(_ value: Decimal) -> Int64 {
                NSDecimalNumber(decimal: value * 1000).rounding(accordingToBehavior: nil).int64Value
            }
            return PriceTable(
                version: file.version,
                prices: file.models.mapValues { entry in
                    Price(
                        input: nano(entry.input), output: nano(entry.output),
                        cachedInput: nano(entry.cachedInput ?? entry.input))
                })
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError("USAGE_PRICES_FILE", "is not a price table: \(error)")
        }
    }
}
