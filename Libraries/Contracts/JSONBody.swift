import Foundation

/// A JSON request body whose fields are known: unknown ones are refused, so a typo is an error
/// rather than a silently ignored field.
public protocol JSONBody: Decodable, Sendable {
    static var fields: Set<String> { get }
}

/// Why a body was refused; the message names the field and is safe to show.
public struct BodyError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum JSONBodyDecoder {
    /// Decodes a JSON object, refusing anything else and any field not in `Body.fields`.
    public static func decode<Body: JSONBody>(_ type: Body.Type, from data: Data) throws(BodyError) -> Body {
        guard !data.isEmpty else { throw BodyError("a JSON body is required") }
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw BodyError("the body is not valid JSON")
        }
        guard let fields = object as? [String: Any] else { throw BodyError("the body must be a JSON object") }
        if let unknown = fields.keys.sorted().first(where: { !Body.fields.contains($0) }) {
            throw BodyError("unknown field `\(unknown)`")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Body.self, from: data)
        } catch let error as DecodingError {
            throw BodyError(error.fieldDescription)
        } catch {
            throw BodyError("the body could not be read")
        }
    }
}

extension DecodingError {
    /// Names the offending field: "missing field `name`", "field `modules[1]` must be a string".
    public var fieldDescription: String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let joined = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return joined.hasPrefix(".") ? String(joined.dropFirst()) : joined
        }
        func describe(_ type: Any.Type) -> String {
            switch type {
            case is String.Type: "a string"
            case is Int.Type, is Int64.Type: "an integer"
            case is Double.Type: "a number"
            case is Bool.Type: "a boolean"
            default: "\(type)".hasPrefix("Array") ? "an array" : "an object"
            }
        }
        switch self {
        case .keyNotFound(let key, let context):
            return "missing field `\(path(context.codingPath + [key]))`"
        case .typeMismatch(let type, let context):
            return "field `\(path(context.codingPath))` must be \(describe(type))"
        case .valueNotFound(let type, let context):
            return "field `\(path(context.codingPath))` must be \(describe(type)), not null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "the body is not valid JSON" : "field `\(path(context.codingPath))` has an invalid value"
        @unknown default:
            return "the body could not be read"
        }
    }
}
