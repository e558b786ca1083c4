import Contracts

/// One schema object's keywords, read with type checks that throw at the keyword's own pointer.
struct Keywords {
    let values: [String: JSONValue]
    /// Where the schema object sits in the document.
    let pointer: String

    subscript(_ key: String) -> JSONValue? { values[key] }

    func pointer(_ key: String) -> String { JSONPointer.appending(pointer, key) }

    func string(_ key: String) throws(SchemaCompileError) -> String? {
        guard let value = values[key] else { return nil }
        guard case .string(let text) = value else { throw .invalidValue(at: pointer(key), "a string") }
        return text
    }

    func bool(_ key: String) throws(SchemaCompileError) -> Bool? {
        guard let value = values[key] else { return nil }
        guard case .bool(let flag) = value else { throw .invalidValue(at: pointer(key), "a boolean") }
        return flag
    }

    func number(_ key: String) throws(SchemaCompileError) -> Double? {
        guard let value = values[key] else { return nil }
        guard case .number(let number) = value, number.isFinite else {
            throw .invalidValue(at: pointer(key), "a number")
        }
        return number
    }

    /// A non-negative integer such as `minLength` (`5.0` counts as `5`).
    func count(_ key: String) throws(SchemaCompileError) -> Int? {
        guard let value = values[key] else { return nil }
        guard case .number(let number) = value, number.isWhole, number >= 0, number < 9_007_199_254_740_992 else {
            throw .invalidValue(at: pointer(key), "a non-negative integer")
        }
        return Int(number)
    }

    func array(_ key: String, allowEmpty: Bool = false) throws(SchemaCompileError) -> [JSONValue]? {
        guard let value = values[key] else { return nil }
        guard case .array(let elements) = value, allowEmpty || !elements.isEmpty else {
            throw .invalidValue(at: pointer(key), allowEmpty ? "an array" : "a non-empty array")
        }
        return elements
    }

    func object(_ key: String) throws(SchemaCompileError) -> [String: JSONValue]? {
        guard let value = values[key] else { return nil }
        guard case .object(let members) = value else { throw .invalidValue(at: pointer(key), "an object") }
        return members
    }

    /// An array of distinct strings, such as `required`.
    func strings(_ key: String) throws(SchemaCompileError) -> [String]? {
        guard let value = values[key] else { return nil }
        return try Self.strings(value, at: pointer(key))
    }

    static func strings(_ value: JSONValue, at pointer: String) throws(SchemaCompileError) -> [String] {
        guard case .array(let elements) = value else { throw .invalidValue(at: pointer, "an array of strings") }
        var strings: [String] = []
        var seen: Set<String> = []
        for (index, element) in elements.enumerated() {
            let elementPointer = JSONPointer.appending(pointer, String(index))
            guard case .string(let text) = element else { throw .invalidValue(at: elementPointer, "a string") }
            guard seen.insert(text).inserted else {
                throw SchemaCompileError(pointer: elementPointer, message: "duplicates \(element.summary())")
            }
            strings.append(text)
        }
        return strings
    }
}
