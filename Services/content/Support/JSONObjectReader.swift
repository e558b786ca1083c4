import Contracts
import Foundation
import Messaging

/// Reads a JSON object of a request field by field, refusing unknown fields and naming the full
/// path of anything wrong (`nodes[3].position.x`), for nested shapes a `JSONBody` cannot check.
/// `null` reads as absent.
struct JSONObjectReader {
    let fields: [String: JSONValue]
    /// Where the object is, e.g. `nodes[3]`; empty at the top.
    let path: String

    init(_ value: JSONValue, path: String, allowed: Set<String>) throws {
        guard case .object(let fields) = value else { throw ServiceError.badRequest("`\(path)` must be an object") }
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ServiceError.badRequest("unknown field `\(Self.join(path, unknown))`")
        }
        self.fields = fields
        self.path = path
    }

    /// The path of a field, for messages.
    func path(_ name: String) -> String { Self.join(path, name) }

    func has(_ name: String) -> Bool { value(name) != nil }

    /// The field's value; nil when absent or null.
    func value(_ name: String) -> JSONValue? {
        guard let value = fields[name], value != .null else { return nil }
        return value
    }

    func string(_ name: String) throws -> String? {
        guard let value = value(name) else { return nil }
        guard case .string(let text) = value else { throw ServiceError.badRequest("`\(path(name))` must be a string") }
        return text
    }

    func requiredString(_ name: String) throws -> String {
        guard let text = try string(name) else { throw ServiceError.badRequest("missing field `\(path(name))`") }
        return text
    }

    /// A finite number.
    func number(_ name: String) throws -> Double? {
        guard let value = value(name) else { return nil }
        guard case .number(let number) = value, number.isFinite else {
            throw ServiceError.badRequest("`\(path(name))` must be a number")
        }
        return number
    }

    func requiredNumber(_ name: String) throws -> Double {
        guard let number = try number(name) else { throw ServiceError.badRequest("missing field `\(path(name))`") }
        return number
    }

    func bool(_ name: String) throws -> Bool? {
        guard let value = value(name) else { return nil }
        guard case .bool(let flag) = value else { throw ServiceError.badRequest("`\(path(name))` must be a boolean") }
        return flag
    }

    /// An array of exactly `count` finite numbers.
    func numbers(_ name: String, count: Int) throws -> [Double]? {
        guard let value = value(name) else { return nil }
        guard case .array(let items) = value, items.count == count else {
            throw ServiceError.badRequest("`\(path(name))` must be an array of \(count) numbers")
        }
        return try items.map { item in
            guard case .number(let number) = item, number.isFinite else {
                throw ServiceError.badRequest("`\(path(name))` must be an array of \(count) numbers")
            }
            return number
        }
    }

    func object(_ name: String, allowed: Set<String>) throws -> JSONObjectReader? {
        guard let value = value(name) else { return nil }
        return try JSONObjectReader(value, path: path(name), allowed: allowed)
    }

    /// A free-form JSON object of at most `maxBytes` bytes once encoded.
    func freeObject(_ name: String, maxBytes: Int) throws -> JSONValue? {
        guard let value = value(name) else { return nil }
        guard case .object = value else { throw ServiceError.badRequest("`\(path(name))` must be an object") }
        let size = (try? JSONEncoder().encode(value).count) ?? Int.max
        guard size <= maxBytes else {
            throw ServiceError.badRequest("`\(path(name))` must be at most \(maxBytes) bytes of JSON")
        }
        return value
    }

    private static func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
}

/// Identifiers chosen by clients (React Flow node and edge ids, handles, scene node ids).
enum ClientID {
    /// 1–128 of `A-Z a-z 0-9 _ - . :`: what React Flow and most editors generate.
    static func check(_ id: String, field: String) throws {
        let bytes = id.utf8
        guard (1...128).contains(bytes.count),
            bytes.allSatisfy({ byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                    || byte == UInt8(ascii: ":")
            })
        else {
            throw ServiceError.badRequest("`\(field)` must be 1-128 letters, digits, `_`, `-`, `.` or `:`")
        }
    }

    /// A display name: 1–`max` characters, no control characters.
    static func checkName(_ name: String, field: String, max: Int = 200) throws {
        guard (1...max).contains(name.count),
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw ServiceError.badRequest("`\(field)` must be 1-\(max) characters without control characters") }
    }
}

extension JSONObjectReader {
    /// The elements of a body's list `field` (`nodes`, `edges`): at most `limit`, each read by
    /// `read` with its path (`nodes[3]`), ids unique; a 400 names the list or the element at fault.
    static func uniqueList<Element>(
        _ values: [JSONValue], field: String, noun: String, limit: Int, id: (Element) -> String,
        read: (JSONValue, String) throws -> Element
    ) throws -> [Element] {
        guard values.count <= limit else {
            throw ServiceError.badRequest("`\(field)` must hold at most \(limit) \(noun)s")
        }
        var seen = Set<String>()
        return try values.enumerated().map { index, value in
            let element = try read(value, "\(field)[\(index)]")
            guard seen.insert(id(element)).inserted else {
                throw ServiceError.badRequest("`\(field)[\(index)].id`: another \(noun) has the id `\(id(element))`")
            }
            return element
        }
    }
}
