import Foundation

/// The top-level fields of a JSON object, located in the raw bytes without decoding the whole
/// document, so a proxied payload can be read (`model`, `stream`) and edited in place (set
/// `stream`, add `stream_options`) while every other byte goes upstream exactly as sent.
public struct JSONFields: Sendable {
    public struct Field: Sendable {
        public let key: String
        /// The value's bytes, e.g. `"gpt-4o"` with its quotes, `true`, `{...}`.
        public let value: Range<Int>
    }

    public let bytes: [UInt8]
    public let fields: [Field]
    /// Where the closing `}` of the object is.
    public let end: Int

    /// Nil when `bytes` is not a JSON object.
    public init?(_ bytes: [UInt8]) {
        var scanner = Scanner(bytes: bytes)
        guard let (fields, end) = scanner.object(collecting: true), scanner.atEnd() else { return nil }
        self.bytes = bytes
        self.fields = fields
        self.end = end
    }

    public func field(_ key: String) -> Field? { fields.last { $0.key == key } }

    /// The value of `key` if it is a JSON string.
    public func string(_ key: String) -> String? {
        guard let range = field(key)?.value, range.count >= 2, bytes[range.lowerBound] == UInt8(ascii: "\"") else {
            return nil
        }
        let inner = bytes[(range.lowerBound + 1)..<(range.upperBound - 1)]
        guard inner.contains(UInt8(ascii: "\\")) else { return String(decoding: inner, as: UTF8.self) }
        // Escapes (`\/`, `\u00e9`): let Foundation read the literal.
        return (try? JSONSerialization.jsonObject(with: Data(bytes[range]), options: [.fragmentsAllowed])) as? String
    }

    public func bool(_ key: String) -> Bool? {
        guard let range = field(key)?.value else { return nil }
        let value = bytes[range]
        if value.elementsEqual("true".utf8) { return true }
        if value.elementsEqual("false".utf8) { return false }
        return nil
    }

    /// The value of `key` if it is a JSON number, as an integer (a fraction is dropped).
    public func int(_ key: String) -> Int? {
        guard let range = field(key)?.value else { return nil }
        let text = String(decoding: bytes[range], as: UTF8.self)
        if let value = Int(text) { return value }
        guard bytes[range.lowerBound] != UInt8(ascii: "\""), let value = Double(text), abs(value) < 9e18 else {
            return nil
        }
        return Int(value)
    }

    public func object(_ key: String) -> JSONFields? {
        field(key).flatMap { JSONFields(Array(bytes[$0.value])) }
    }

    /// The document with `key` set to `json` (replaced where it is, else added at the end).
    public func setting(_ key: String, to json: String) -> [UInt8] {
        setting([(key, json)])
    }

    /// The document with each key set to its JSON, in one pass: replaced where it is, else added
    /// at the end (in the order given). Every other byte stays as it was.
    public func setting(_ edits: [(key: String, json: String)]) -> [UInt8] {
        var replaced: [(range: Range<Int>, json: String)] = []
        var added: [(key: String, json: String)] = []
        for edit in edits {
            if let field = field(edit.key) { replaced.append((field.value, edit.json)) } else { added.append(edit) }
        }
        replaced.sort { $0.range.lowerBound < $1.range.lowerBound }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + edits.reduce(0) { $0 + $1.key.utf8.count + $1.json.utf8.count + 4 })
        var position = 0
        for (range, json) in replaced {
            result += bytes[position..<range.lowerBound]
            result += json.utf8
            position = range.upperBound
        }
        result += bytes[position..<end]
        for (index, member) in added.enumerated() {
            if index > 0 || !fields.isEmpty { result.append(UInt8(ascii: ",")) }
            result += "\"\(member.key)\":\(member.json)".utf8
        }
        result += bytes[end...]
        return result
    }

    // MARK: - Scanning

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

        mutating func skipSpace() {
            while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
        }

        mutating func atEnd() -> Bool {
            skipSpace()
            return index == bytes.count
        }

        /// The fields of the object at `index` (none unless `collecting`: a nested object is only
        /// skipped) and the index of its closing brace.
        mutating func object(collecting: Bool) -> ([Field], Int)? {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
            index += 1
            var fields: [Field] = []
            if collecting { fields.reserveCapacity(8) }
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return (fields, index - 1)
            }
            while true {
                skipSpace()
                guard let keyRange = string() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                skipSpace()
                let start = index
                guard value() else { return nil }
                if collecting {
                    let key = String(
                        decoding: bytes[(keyRange.lowerBound + 1)..<(keyRange.upperBound - 1)], as: UTF8.self)
                    fields.append(Field(key: key, value: start..<index))
                }
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { return nil }
                index += 1
                return (fields, index - 1)
            }
        }

        /// Skips any value; false if malformed.
        mutating func value() -> Bool {
            guard index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: "\""): return string() != nil
            case UInt8(ascii: "{"): return object(collecting: false) != nil
            case UInt8(ascii: "["): return array()
            default: return literal()
            }
        }

        mutating func string() -> Range<Int>? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            let start = index
            index += 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\\"): index += 2
                case UInt8(ascii: "\""):
                    index += 1
                    return start..<index
                default: index += 1
                }
            }
            return nil
        }

        mutating func array() -> Bool {
            index += 1
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return true
            }
            while true {
                skipSpace()
                guard value() else { return false }
                skipSpace()
                guard index < bytes.count else { return false }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "]") else { return false }
                index += 1
                return true
            }
        }

        /// Numbers, `true`, `false`, `null`.
        mutating func literal() -> Bool {
            let start = index
            while index < bytes.count, !Self.isSpace(bytes[index]),
                bytes[index] != UInt8(ascii: ","), bytes[index] != UInt8(ascii: "}"), bytes[index] != UInt8(ascii: "]")
            {
                index += 1
            }
            guard index > start else { return false }
            let text = bytes[start..<index]
            if text.elementsEqual("true".utf8) || text.elementsEqual("false".utf8) || text.elementsEqual("null".utf8) {
                return true
            }
            return text.allSatisfy {
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "+")
                    || $0 == UInt8(ascii: "-")
                    || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E")
            }
        }
    }
}
