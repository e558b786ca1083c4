import Contracts
import Foundation
import ServiceKit

extension PriceTable {
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
