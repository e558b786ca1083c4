import Foundation

extension UsageEvent {
    /// The event as JSON, written directly: it is encoded once per proxied call, where a generic
    /// encoder costs more than the rest of the metering. Same fields and format as `Codable`'s.
    public var jsonBytes: [UInt8] {
        var json = JSONWriter()
        json.field("id", string: id)
        if let requestId { json.field("requestId", string: requestId) }
        json.field("tenantId", string: tenantId.uppercasedString)
        if let apiKeyId { json.field("apiKeyId", string: apiKeyId.uppercasedString) }
        if let userId { json.field("userId", string: userId.uppercasedString) }
        json.field("service", string: service)
        if let model { json.field("model", string: model) }
        json.field("endpoint", string: endpoint)
        json.field("status", number: status)
        json.field("latencyMs", number: latencyMs)
        if let ttfbMs { json.field("ttfbMs", number: ttfbMs) }
        json.field("promptTokens", number: promptTokens)
        json.field("completionTokens", number: completionTokens)
        json.field("totalTokens", number: totalTokens)
        json.field("cachedTokens", number: cachedTokens)
        json.field("estimated", bool: estimated)
        json.field("streamed", bool: streamed)
        json.field("clientDisconnected", bool: clientDisconnected)
        json.field("at", string: Self.iso8601(at))
        if let translated { json.field("translated", bool: translated) }
        if let route { json.field("route", string: route) }
        if let attempt { json.field("attempt", number: attempt) }
        return json.finish()
    }

    /// Reads an event as `jsonBytes` writes it (and as `Codable` with ISO 8601 dates would):
    /// nil when a required field is missing or any field has the wrong type. The usage service
    /// reads every event; this costs a fraction of `JSONDecoder`.
    public init?(json bytes: [UInt8]) {
        guard let fields = JSONFields(bytes) else { return nil }
        /// A present, non-null field that does not read as `T` makes the whole event unreadable.
        func optional<T>(_ key: String, _ read: (String) -> T?) -> T?? {
            guard let field = fields.field(key), fields.bytes[field.value] != Array("null".utf8)[...] else {
                return .some(nil)
            }
            return read(key).map { .some($0) } ?? .none
        }
        func integer(_ key: String) -> Int? {
            guard let field = fields.field(key),
                fields.bytes[field.value].allSatisfy({ $0 == 45 || (48...57).contains($0) })
            else { return nil }
            return fields.int(key)
        }
        func uuid(_ key: String) -> UUID? { fields.string(key).flatMap(UUID.init(parsing:)) }
        guard let id = fields.string("id"), let tenantId = uuid("tenantId"), let service = fields.string("service"),
            let endpoint = fields.string("endpoint"), let status = integer("status"),
            let latencyMs = integer("latencyMs"), let promptTokens = integer("promptTokens"),
            let completionTokens = integer("completionTokens"), let totalTokens = integer("totalTokens"),
            let cachedTokens = integer("cachedTokens"), let estimated = fields.bool("estimated"),
            let streamed = fields.bool("streamed"), let clientDisconnected = fields.bool("clientDisconnected"),
            let at = fields.string("at").flatMap(Self.date(iso8601:)),
            case .some(let requestId) = optional("requestId", fields.string),
            case .some(let apiKeyId) = optional("apiKeyId", uuid), case .some(let userId) = optional("userId", uuid),
            case .some(let model) = optional("model", fields.string),
            case .some(let ttfbMs) = optional("ttfbMs", integer),
            case .some(let translated) = optional("translated", fields.bool),
            case .some(let route) = optional("route", fields.string),
            case .some(let attempt) = optional("attempt", integer)
        else { return nil }
        self.init(
            id: id, tenantId: tenantId, apiKeyId: apiKeyId, userId: userId, service: service, model: model,
            endpoint: endpoint, status: status, latencyMs: latencyMs, ttfbMs: ttfbMs, promptTokens: promptTokens,
            completionTokens: completionTokens, totalTokens: totalTokens, cachedTokens: cachedTokens,
            estimated: estimated, streamed: streamed, clientDisconnected: clientDisconnected, at: at,
            requestId: requestId, translated: translated, route: route, attempt: attempt)
    }

    /// `2026-11-26T12:34:56Z` read without a formatter; other ISO 8601 forms (and days that do not
    /// exist, like 30 February) through Foundation's.
    static func date(iso8601 text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count == 20, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84, bytes[13] == 58, bytes[16] == 58,
            bytes[19] == 90, let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...Self.days(inMonth: month, of: year)).contains(day), hour < 24, minute < 60,
            second < 60
        else { return try? Date(text, strategy: .iso8601) }
        // A civil date to days since 1970-01-01 (Howard Hinnant's algorithm).
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = shiftedYear / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3600 + minute * 60 + second))
    }

    private static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `2026-11-26T12:34:56Z`, as `Date.ISO8601FormatStyle()` writes it, without its cost.
    static func iso8601(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let (days, time) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, secondOfDay) = time < 0 ? (days - 1, time + 86_400) : (days, time)
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
        let shifted = day + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        let (hour, rest) = secondOfDay.quotientAndRemainder(dividingBy: 3600)
        return "\(year)-\(two(month))-\(two(dayOfMonth))T\(two(hour)):\(two(rest / 60)):\(two(rest % 60))Z"
    }
}

/// Writes one flat JSON object as bytes, fields in the order given.
struct JSONWriter {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    init() {
        bytes.reserveCapacity(512)
    }

    mutating func field(_ key: StaticString, string value: String) {
        name(key)
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), byte]
            case 0x0A: bytes += Array(#"\n"#.utf8)
            case 0x0D: bytes += Array(#"\r"#.utf8)
            case 0x09: bytes += Array(#"\t"#.utf8)
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                bytes += Array(#"\u00"#.utf8) + [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func field(_ key: StaticString, number value: Int) {
        name(key)
        bytes += String(value).utf8
    }

    mutating func field(_ key: StaticString, bool value: Bool) {
        name(key)
        bytes += (value ? "true" : "false").utf8
    }

    mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    private mutating func name(_ key: StaticString) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes += $0 }
        bytes += [UInt8(ascii: "\""), UInt8(ascii: ":")]
    }
}
