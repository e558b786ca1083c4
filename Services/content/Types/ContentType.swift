import Contracts
import Foundation
import JSONSchema
import Messaging

/// A content type: a name unique in the tenant, the JSON Schema its items' `data` must satisfy,
/// and the lowest user role that may create items of it.
struct ContentType: Codable, Sendable {
    var id: UUID
    var name: String
    var description: String?
    var schema: JSONValue
    /// The lowest user role that may create items of this type (API keys of role admin always may).
    var accessLevel: UserRole
    /// `comment` and `reaction`: every tenant has them; they cannot be changed or deleted.
    var builtin: Bool
    var version: Int
    var createdAt: Date
    var updatedAt: Date
}

/// `POST /content-types`.
struct NewContentType: JSONBody {
    static let fields: Set<String> = ["name", "description", "schema", "accessLevel"]
    var name: String
    var description: String?
    var schema: JSONValue
    var accessLevel: UserRole?
}

/// `PATCH /content-types/{id}`.
struct ContentTypeChanges: JSONBody {
    static let fields: Set<String> = ["name", "description", "schema", "accessLevel", "expectedVersion"]
    var name: String?
    var description: String?
    var schema: JSONValue?
    var accessLevel: UserRole?
    var expectedVersion: Int?
}

extension ContentType {
    /// Lowercase letters, digits, `-` and `_`, starting with a letter, at most 64 characters: a
    /// name appears in public URLs.
    static func checkName(_ name: String) throws {
        let scalars = name.unicodeScalars
        guard (1...64).contains(scalars.count), let first = scalars.first, ("a"..."z").contains(first),
            scalars.allSatisfy({
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
            })
        else {
            throw ServiceError.badRequest(
                "`name` must be 1-64 lowercase letters, digits, `-` or `_`, starting with a letter")
        }
    }

    /// The schema compiled, or 422 naming where in the schema the problem is.
    static func compile(_ schema: JSONValue) throws -> JSONSchema {
        do {
            return try JSONSchema(schema)
        } catch {
            throw ServiceError.unprocessable("`schema` cannot be used: \(error)")
        }
    }

    static let builtinNames: Set<String> = ["comment", "reaction"]

    /// The built-in types' schemas.
    static let builtinSchemas: [String: JSONValue] = [
        "comment": [
            "type": "object",
            "required": ["kind"],
            "properties": [
                "kind": ["enum": ["text", "image", "embed"]],
                "text": ["type": "string", "minLength": 1, "maxLength": 10_000],
                "imageUrl": ["type": "string", "format": "uri", "maxLength": 2048],
                "embedUrl": ["type": "string", "format": "uri", "maxLength": 2048],
            ],
            "additionalProperties": false,
            "oneOf": [
                ["properties": ["kind": ["const": "text"]], "required": ["text"]],
                ["properties": ["kind": ["const": "image"]], "required": ["imageUrl"]],
                ["properties": ["kind": ["const": "embed"]], "required": ["embedUrl"]],
            ],
            "discriminator": ["propertyName": "kind"],
        ],
        "reaction": [
            "type": "object",
            "required": ["kind"],
            "properties": [
                "kind": ["enum": ["upvote", "downvote", "emoji"]],
                "emoji": ["type": "string", "minLength": 1, "maxLength": 32],
            ],
            "additionalProperties": false,
            "oneOf": [
                ["properties": ["kind": ["const": "upvote"]], "not": ["required": ["emoji"]]],
                ["properties": ["kind": ["const": "downvote"]], "not": ["required": ["emoji"]]],
                ["properties": ["kind": ["const": "emoji"]], "required": ["emoji"]],
            ],
            "discriminator": ["propertyName": "kind"],
        ],
    ]
}
