import Contracts
import ServiceKit

/// The vault's own settings. `CRED_ENCRYPT_KEY` is read here and by no other service.
struct VaultConfiguration: Sendable {
    /// Master keys by version: the current one encrypts, all of them decrypt.
    let masterKeys: [Int: [UInt8]]
    let currentKeyVersion: Int
    /// `PROXY_ALLOWED_BASE_URLS`: the URL prefixes a credential's `meta.baseUrl` may use.
    let baseURLs: BaseURLPolicy
    /// `RELEASE_TICKET_SECRET` (the gateway's) and, while it is being changed,
    /// `RELEASE_TICKET_SECRET_PREVIOUS`: what checks the tickets releases need.
    let releaseTickets: ReleaseTicketKeys
    /// `VAULT_CACHE_TTL_MS`: how long a ciphertext stays cached for releases (default 60000).
    let cacheLifetime: Duration
    /// `VAULT_REWRAP_POLL_MS`: how often an idle instance looks for rewrap work (default 1000).
    let rewrapPollInterval: Duration
    /// `VAULT_REWRAP_BATCH`: credentials rewrapped per transaction (default 100).
    let rewrapBatchSize: Int

    init(_ environment: Environment) throws(ConfigurationError) {
        let current = try Self.parseKey(environment.required("CRED_ENCRYPT_KEY"), variable: "CRED_ENCRYPT_KEY")
        let version = try environment.integer("CRED_ENCRYPT_KEY_VERSION", default: 1, range: 1...1_000_000)
        var keys = [version: current]
        for entry in environment.list("CRED_ENCRYPT_KEYS_PREVIOUS") {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let previous = Int(parts[0]), previous >= 1 else {
                throw ConfigurationError(
                    "CRED_ENCRYPT_KEYS_PREVIOUS", "must be a comma-separated list of version:hexkey")
            }
            guard previous != version, keys[previous] == nil else {
                throw ConfigurationError("CRED_ENCRYPT_KEYS_PREVIOUS", "lists key version \(previous) twice")
            }
            keys[previous] = try Self.parseKey(parts[1], variable: "CRED_ENCRYPT_KEYS_PREVIOUS")
        }
        masterKeys = keys
        currentKeyVersion = version
        let previousTicketSecret: String? =
            if environment.optional("RELEASE_TICKET_SECRET_PREVIOUS") != nil {
                try environment.secret("RELEASE_TICKET_SECRET_PREVIOUS", minimumLength: 32)
            } else { nil }
        releaseTickets = ReleaseTicketKeys(
            secret: try environment.secret("RELEASE_TICKET_SECRET", minimumLength: 32), previous: previousTicketSecret)
        do {
            baseURLs = try BaseURLPolicy(allowList: environment.list("PROXY_ALLOWED_BASE_URLS"))
        } catch {
            throw ConfigurationError("PROXY_ALLOWED_BASE_URLS", "has \(error)")
        }
        cacheLifetime = try environment.duration(
            "VAULT_CACHE_TTL_MS", defaultMilliseconds: 60_000, range: 0...3_600_000)
        rewrapPollInterval = try environment.duration(
            "VAULT_REWRAP_POLL_MS", defaultMilliseconds: 1000, range: 10...60_000)
        rewrapBatchSize = try environment.integer("VAULT_REWRAP_BATCH", default: 100, range: 1...10_000)
    }

    /// Exactly 64 hexadecimal characters: a 256-bit key.
    static func parseKey(_ text: String, variable: String) throws(ConfigurationError) -> [UInt8] {
        let digits = Array(text.utf8)
        guard digits.count == 64, let bytes = hexBytes(digits) else {
            throw ConfigurationError(variable, "must be exactly 64 hexadecimal characters (a 256-bit key)")
        }
        return bytes
    }

    private static func hexBytes(_ digits: [UInt8]) -> [UInt8]? {
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}
