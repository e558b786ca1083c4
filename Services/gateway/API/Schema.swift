import Contracts

/// A JSON Schema (OpenAPI 3.1 dialect), built in code next to the routes it documents.
indirect enum Schema: Sendable {
    case ref(String)
    case string(format: String? = nil, enumeration: [String]? = nil, description: String? = nil)
    case integer(minimum: Int? = nil, maximum: Int? = nil)
    case number
    case boolean
    case array(Schema)
    case object([(String, Schema)], required: [String] = [], additional: Bool = false, description: String? = nil)
    /// Any JSON object (free-form).
    case anyObject
    case nullable(Schema)

    static let uuid = Schema.string(format: "uuid")
    static let dateTime = Schema.string(format: "date-time")

    var json: JSONValue {
        switch self {
        case .ref(let name):
            return .object(["$ref": .string("#/components/schemas/\(name)")])
        case .string(let format, let enumeration, let description):
            var object: [String: JSONValue] = ["type": "string"]
            if let format { object["format"] = .string(format) }
            if let enumeration { object["enum"] = .array(enumeration.map(JSONValue.string)) }
            if let description { object["description"] = .string(description) }
            return .object(object)
        case .integer(let minimum, let maximum):
            var object: [String: JSONValue] = ["type": "integer"]
            if let minimum { object["minimum"] = .number(Double(minimum)) }
            if let maximum { object["maximum"] = .number(Double(maximum)) }
            return .object(object)
        case .number:
            return ["type": "number"]
        case .boolean:
            return ["type": "boolean"]
        case .array(let items):
            return .object(["type": "array", "items": items.json])
        case .object(let properties, let required, let additional, let description):
            var object: [String: JSONValue] = [
                "type": "object",
                "properties": .object(Dictionary(uniqueKeysWithValues: properties.map { ($0.0, $0.1.json) })),
                "additionalProperties": .bool(additional),
            ]
            if !required.isEmpty { object["required"] = .array(required.map(JSONValue.string)) }
            if let description { object["description"] = .string(description) }
            return .object(object)
        case .anyObject:
            return ["type": "object", "additionalProperties": true]
        case .nullable(let schema):
            return .object(["oneOf": .array([schema.json, ["type": "null"]])])
        }
    }
}
