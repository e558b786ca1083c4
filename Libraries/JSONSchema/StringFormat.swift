/// The `format` values this library asserts; any other format is an annotation and ignored.
enum StringFormat: String, Sendable {
    case email
    case uri
    case dateTime = "date-time"
    case date
    case uuid

    /// What a message says the value must be.
    var phrase: String {
        switch self {
        case .email: "a valid email address"
        case .uri: "a valid absolute URI"
        case .dateTime: "a valid RFC 3339 date-time (e.g. 2024-05-01T12:00:00Z)"
        case .date: "a valid date (YYYY-MM-DD)"
        case .uuid: "a valid UUID"
        }
    }

    func accepts(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return switch self {
        case .email: Self.isEmail(bytes)
        case .uri: Self.isURI(bytes)
        case .dateTime: Self.isDateTime(bytes)
        case .date: bytes.count == 10 && Self.isDate(bytes[...])
        case .uuid: Self.isUUID(bytes)
        }
    }

    // MARK: - Dates (RFC 3339)

    private static func isDateTime(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 20, isDate(bytes[0..<10]), bytes[10] | 0x20 == UInt8(ascii: "t"),
            let hour = number(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"), let minute = number(bytes, 14, 2),
            bytes[16] == UInt8(ascii: ":"), let second = number(bytes, 17, 2),
            hour <= 23, minute <= 59, second <= 60
        else { return false }
        var index = 19
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let digitsStart = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard index > digitsStart else { return false }
        }
        guard index < bytes.count else { return false }
        var offsetMinutes = 0
        if bytes[index] | 0x20 == UInt8(ascii: "z") {
            guard index + 1 == bytes.count else { return false }
        } else {
            let sign = bytes[index]
            guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), index + 6 == bytes.count,
                let offsetHour = number(bytes, index + 1, 2), bytes[index + 3] == UInt8(ascii: ":"),
                let offsetMinute = number(bytes, index + 4, 2), offsetHour <= 23, offsetMinute <= 59
            else { return false }
            offsetMinutes = (offsetHour * 60 + offsetMinute) * (sign == UInt8(ascii: "+") ? 1 : -1)
        }
        guard second == 60 else { return true }
        // A leap second exists only at 23:59:60 UTC.
        let utcMinutes = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
        return utcMinutes == 23 * 60 + 59
    }

    private static func isDate(_ bytes: ArraySlice<UInt8>) -> Bool {
        let start = bytes.startIndex
        guard let year = number(bytes, start, 4), bytes[start + 4] == UInt8(ascii: "-"),
            let month = number(bytes, start + 5, 2), bytes[start + 7] == UInt8(ascii: "-"),
            let day = number(bytes, start + 8, 2), (1...12).contains(month), day >= 1
        else { return false }
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    /// The decimal number in `count` digits at `index`, or nil when any is not a digit.
    private static func number<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ index: Bytes.Index, _ count: Int)
        -> Int?
    where Bytes.Index == Int {
        guard index + count <= bytes.endIndex else { return nil }
        var value = 0
        for byte in bytes[index..<index + count] {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    // MARK: - UUID

    private static func isUUID(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            let isHyphenPosition = index == 8 || index == 13 || index == 18 || index == 23
            guard isHyphenPosition ? byte == UInt8(ascii: "-") : JSONPointer.hexValue(byte) != nil else { return false }
        }
        return true
    }

    // MARK: - Email (RFC 5321 mailbox, ASCII)

    private static func isEmail(_ bytes: [UInt8]) -> Bool {
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")), at > 0 else { return false }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        return isLocalPart(local) && (isHostname(domain) || isAddressLiteral(domain))
    }

    private static func isLocalPart(_ local: ArraySlice<UInt8>) -> Bool {
        guard local.count <= 64 else { return false }
        if local.first == UInt8(ascii: "\""), local.count >= 2, local.last == UInt8(ascii: "\"") {
            var escaped = false
            for byte in local.dropFirst().dropLast() {
                guard (32...126).contains(byte) else { return false }
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    return false
                }
            }
            return !escaped
        }
        let atoms = local.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return atoms.allSatisfy { atom in !atom.isEmpty && atom.allSatisfy(isAtomByte) }
    }

    private static func isAtomByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "!#$%&'*+-/=?^_`{|}~".utf8.contains(byte)
    }

    private static func isHostname(_ host: ArraySlice<UInt8>) -> Bool {
        guard !host.isEmpty, host.count <= 253 else { return false }
        return host.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != UInt8(ascii: "-")
                && label.last != UInt8(ascii: "-")
                && label.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
    }

    /// `[192.0.2.1]` or `[IPv6:…]`, checked loosely for the IPv6 form.
    private static func isAddressLiteral(_ domain: ArraySlice<UInt8>) -> Bool {
        guard domain.first == UInt8(ascii: "["), domain.last == UInt8(ascii: "]"), domain.count > 2 else {
            return false
        }
        let inner = domain.dropFirst().dropLast()
        if inner.starts(with: "IPv6:".utf8) {
            return inner.dropFirst(5).allSatisfy { JSONPointer.hexValue($0) != nil || $0 == UInt8(ascii: ":") }
        }
        let parts = inner.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                (1...3).contains(part.count) && part.allSatisfy(isDigit)
                    && Int(String(decoding: part, as: UTF8.self)).map { $0 <= 255 } == true
            }
    }

    // MARK: - URI (RFC 3986, absolute)

    private static func isURI(_ bytes: [UInt8]) -> Bool {
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0, isAlpha(bytes[0]),
            bytes[1..<colon].allSatisfy({ isAlphanumeric($0) || "+-.".utf8.contains($0) })
        else { return false }
        let rest = bytes[(colon + 1)...]
        // Brackets (IP literals) may appear only in the authority: `//` up to the next `/`, `?` or `#`.
        var authorityEnd = rest.startIndex
        if rest.starts(with: "//".utf8) {
            authorityEnd = rest.dropFirst(2).firstIndex { "/?#".utf8.contains($0) } ?? rest.endIndex
        }
        var sawFragment = false
        var index = rest.startIndex
        while index < rest.endIndex {
            let byte = rest[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < rest.endIndex, JSONPointer.hexValue(rest[index + 1]) != nil,
                    JSONPointer.hexValue(rest[index + 2]) != nil
                else { return false }
                index += 3
                continue
            }
            if byte == UInt8(ascii: "#") {
                guard !sawFragment else { return false }
                sawFragment = true
            } else if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") {
                guard index < authorityEnd else { return false }
            } else if !(isAlphanumeric(byte) || "-._~!$&'()*+,;=:@/?".utf8.contains(byte)) {
                return false
            }
            index += 1
        }
        return true
    }

    // MARK: - Bytes

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func isAlpha(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool { isAlpha(byte) || isDigit(byte) }
}
