import Foundation
import Synchronization

/// Model prices, versioned (the usage service loads them; the proxy asks it for them to reserve
/// budgets with): each event is priced with the table in force when it is stored and
/// keeps that version, so past costs can be re-derived. Prices are USD per million tokens, which
/// is exactly micro-USD per token; they are kept as integer nano-USD per token, so costs are
/// computed in integers and rounded once, to micro-USD.
public struct PriceTable: Codable, Sendable, Equatable {
    public struct Price: Codable, Sendable, Equatable {
        /// Nano-USD per token.
        public var input: Int64
        public var output: Int64
        public var cachedInput: Int64

        public init(input: Int64, output: Int64, cachedInput: Int64) {
            self.input = input
            self.output = output
            self.cachedInput = cachedInput
        }
    }

    public let version: String
    /// By `service/model`.
    public let prices: [String: Price]
    /// The same by service, then model, which lookups use: no `service/model` key built per lookup
    /// (a budget prices every call twice, the usage service every event).
    private let byService: [String: ServicePrices]

    /// One service's prices, and what names not in the table (dated versions) resolved to: a
    /// provider answers with its dated name (`gpt-4o-mini-2024-07-18`), which took a scan of the
    /// service's models for each event priced.
    private final class ServicePrices: Sendable {
        let models: [String: Price]
        private let versions = Mutex<[String: Price?]>([:])
        /// At most this many names remembered (clients name models freely).
        static let remembered = 1024

        init(_ models: [String: Price]) { self.models = models }

        func price(_ model: String) -> Price? {
            if let price = models[model] { return price }
            if let known = versions.withLock({ $0[model] }) { return known }
            let price = version(model)
            versions.withLock { versions in
                if versions.count < Self.remembered { versions[model] = price }
            }
            return price
        }

        /// The longest known model that `model` is a version of.
        private func version(_ model: String) -> Price? {
            var longest: (length: Int, price: Price)?
            for (known, price) in models where Self.isVersion(model, of: known) {
                let length = known.utf8.count
                if length > longest?.length ?? 0 { longest = (length, price) }
            }
            return longest?.price
        }

        /// `model` starts with `known` and `-`, `@` or `:` (compared as bytes, nothing built).
        private static func isVersion(_ model: String, of known: String) -> Bool {
            var rest = model.utf8[...]
            guard rest.starts(with: known.utf8) else { return false }
            rest = rest.dropFirst(known.utf8.count)
            guard let separator = rest.first else { return false }
            return separator == UInt8(ascii: "-") || separator == UInt8(ascii: "@") || separator == UInt8(ascii: ":")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case version, prices
    }

    public init(version: String, prices: [String: Price]) {
        self.version = version
        self.prices = prices
        var byService: [String: [String: Price]] = [:]
        for (key, price) in prices {
            guard let slash = key.firstIndex(of: "/") else { continue }
            byService[String(key[..<slash]), default: [:]][String(key[key.index(after: slash)...])] = price
        }
        self.byService = byService.mapValues(ServicePrices.init)
    }

    public static func == (lhs: PriceTable, rhs: PriceTable) -> Bool {
        lhs.version == rhs.version && lhs.prices == rhs.prices
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            version: try container.decode(String.self, forKey: .version),
            prices: try container.decode([String: Price].self, forKey: .prices))
    }

    /// The cost of an event in micro-USD, or nil when the model has no price (never 0 for "unknown").
    public func cost(service: String, model: String?, prompt: Int, completion: Int, cached: Int) -> Int64? {
        guard let model, let price = price(service: service, model: model) else { return nil }
        let cachedTokens = Int64(min(max(cached, 0), prompt))
        let uncached = Int64(prompt) - cachedTokens
        // Counts are clamped when stored, but a price file can hold anything: overflow is "unknown".
        // (Three steps written out: an array of the pairs was an allocation per event priced.)
        var nano: Int64 = 500
        func add(_ tokens: Int64, _ price: Int64) -> Bool {
            let (product, overflow) = tokens.multipliedReportingOverflow(by: price)
            let (sum, overflowed) = nano.addingReportingOverflow(product)
            nano = sum
            return !overflow && !overflowed
        }
        guard add(uncached, price.input), add(cachedTokens, price.cachedInput), add(Int64(completion), price.output)
        else { return nil }
        return nano / 1000
    }

    /// The exact model, else the longest known model that prefixes it (a dated version such as
    /// `gpt-4o-mini-2024-07-18` takes `gpt-4o-mini`'s price).
    public func price(service: String, model: String) -> Price? {
        byService[service]?.price(model)
    }
}
