/// Reads one JSON object of a request, checking each member's type and naming it by its path
/// (`messages[2].content`) when it is wrong.
struct FieldReader {
    let object: JSONObject
    let path: String

    init(_ object: JSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    /// Reads `value` as an object (a 400 naming `path` otherwise).
    init(_ value: JSON, path: String) throws(TranslationError) {
        guard case .object(let object) = value else { throw .invalid(path, "must be an object, not \(value.kind)") }
        self.init(object, path: path)
    }

    func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The member, nil when absent or `null`.
    func value(_ key: String) -> JSON? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    func string(_ key: String) throws(TranslationError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw .invalid(path(key), "must be a string, not \(value.kind)") }
        return text
    }

    func requiredString(_ key: String) throws(TranslationError) -> String {
        guard let text = try string(key) else { throw .invalid(path(key), "is required") }
        return text
    }

    func int(_ key: String) throws(TranslationError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let number = value.int else { throw .invalid(path(key), "must be an integer, not \(value.kind)") }
        return number
    }

    /// A number's literal text.
    func number(_ key: String) throws(TranslationError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .number(let text) = value else { throw .invalid(path(key), "must be a number, not \(value.kind)") }
        return text
    }

    func bool(_ key: String) throws(TranslationError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else { throw .invalid(path(key), "must be a boolean, not \(value.kind)") }
        return flag
    }

    func array(_ key: String) throws(TranslationError) -> [JSON]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw .invalid(path(key), "must be an array, not \(value.kind)") }
        return items
    }

    /// An array of strings (or, when `single` allows it, one string).
    func strings(_ key: String, single: Bool = false) throws(TranslationError) -> [String] {
        guard let value = value(key) else { return [] }
        if single, case .string(let text) = value { return [text] }
        guard case .array(let items) = value else {
            throw .invalid(path(key), "must be \(single ? "a string or " : "")an array of strings, not \(value.kind)")
        }
        var texts: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else { throw .invalid("\(path(key))[\(index)]", "must be a string") }
            texts.append(text)
        }
        return texts
    }

    func object(_ key: String) throws(TranslationError) -> FieldReader? {
        guard let value = value(key) else { return nil }
        return try FieldReader(value, path: path(key))
    }

    /// Each item of the array `key` as an object.
    func objects(_ key: String) throws(TranslationError) -> [FieldReader] {
        guard let items = try array(key) else { return [] }
        var readers: [FieldReader] = []
        for (index, item) in items.enumerated() {
            readers.append(try FieldReader(item, path: "\(path(key))[\(index)]"))
        }
        return readers
    }

    /// Refuses every member not in `known`: a field the target cannot carry is never dropped
    /// silently. A `null` carries nothing and passes (SDKs write unset fields as `null`).
    func refuseOthers(_ known: Set<String>, target: String) throws(TranslationError) {
        if let other = object.members.first(where: { !known.contains($0.key) && $0.value != .null }) {
            throw .unsupported(path(other.key), target: target)
        }
    }
}

extension JSON {
    /// Parses a request body that must be an object.
    static func object(parsing bytes: [UInt8]) throws(TranslationError) -> JSONObject {
        let value: JSON
        do {
            value = try JSON(parsing: bytes)
        } catch {
            throw .notJSON(error)
        }
        guard case .object(let object) = value else { throw .invalid("the body", "must be a JSON object") }
        return object
    }

    /// Parses a provider's answer; nil when it is not a JSON object.
    static func answer(_ bytes: some Collection<UInt8>) -> JSONObject? {
        (try? JSON(parsing: bytes))?.object
    }
}
