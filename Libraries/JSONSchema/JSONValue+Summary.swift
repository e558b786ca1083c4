import Contracts

extension JSONValue {
    /// Compact JSON for a message, cut with `…` past about `limit` characters, so a huge value
    /// never ends up in an error.
    func summary(limit: Int = 60) -> String {
        var text = ""
        write(into: &text, limit: limit)
        guard text.count > limit else { return text }
        return String(text.prefix(max(1, limit - 1))) + "…"
    }

    /// `"a", "b", 3`, showing at most `count` values.
    static func summaryList(_ values: [JSONValue], count: Int = 10) -> String {
        let shown = values.prefix(count).map { $0.summary(limit: 40) }.joined(separator: ", ")
        return values.count > count ? shown + ", … (\(values.count - count) more)" : shown
    }

    /// `5`, `0.25`, `1e+21`: whole numbers without a trailing `.0`.
    static func numberText(_ number: Double) -> String {
        number.isWhole && abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
    }

    private func write(into text: inout String, limit: Int) {
        guard text.utf8.count <= limit else { return }
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .number(let value): text += Self.numberText(value)
        case .string(let value): Self.writeString(value.prefix(limit + 1), into: &text)
        case .array(let elements):
            text += "["
            for (index, element) in elements.enumerated() {
                guard text.utf8.count <= limit else { break }
                if index > 0 { text += "," }
                element.write(into: &text, limit: limit)
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                guard text.utf8.count <= limit else { break }
                if index > 0 { text += "," }
                Self.writeString(key.prefix(limit + 1), into: &text)
                text += ":"
                members[key]?.write(into: &text, limit: limit)
            }
            text += "}"
        }
    }

    private static func writeString(_ value: Substring, into text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\t": text += "\\t"
            case "\r": text += "\\r"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
