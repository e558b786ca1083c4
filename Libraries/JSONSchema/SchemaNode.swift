import Contracts

/// One compiled (sub)schema: the checks its keywords make, in the order they report.
///
/// Nodes live in one flat array and refer to each other by index, which makes recursive
/// schemas plain data: no boxes, no reference cycles, and `Sendable` without exceptions.
struct SchemaNode: Sendable {
    static let rootID = 0

    /// Where the schema sits in the document, for compile errors.
    var pointer: String
    var checks: [Check]
}

/// A compiled keyword. Subschemas are indices into the node table.
enum Check: Sendable {
    case never
    case ref(Int)
    case type(JSONTypes)
    case constant(JSONValue)
    case enumeration(Set<JSONValue>, listed: [JSONValue])

    case minLength(Int)
    case maxLength(Int)
    case pattern(Pattern)
    case format(StringFormat)

    case minimum(Double)
    case maximum(Double)
    case exclusiveMinimum(Double)
    case exclusiveMaximum(Double)
    case multipleOf(Double)

    case required([String])
    case properties([(name: String, node: Int)])
    /// Properties not in `known`; a nil node means `false`: they are not allowed at all.
    case additionalProperties(known: Set<String>, node: Int?)
    case minProperties(Int)
    case maxProperties(Int)
    case propertyNames(Int)
    case dependentRequired([(property: String, requires: [String])])

    case prefixItems([Int])
    /// Items from index `from` on; a nil node means `false`: there may be no more items.
    case items(from: Int, node: Int?)
    case minItems(Int)
    case maxItems(Int)
    case uniqueItems
    case contains(node: Int, min: Int, max: Int?)

    case allOf([Int])
    case anyOf([Int])
    case oneOf([Int])
    case not(Int)
    case conditional(if: Int, then: Int?, else: Int?)
    case discriminated(Discriminator)

    /// The subschemas this check applies to the same instance location (not to a child).
    var inPlaceSubschemas: [Int] {
        switch self {
        case .ref(let node), .not(let node): [node]
        case .allOf(let nodes), .anyOf(let nodes), .oneOf(let nodes): nodes
        case .conditional(let condition, let then, let otherwise): [condition] + [then, otherwise].compactMap { $0 }
        case .discriminated(let discriminator): discriminator.branches
        default: []
        }
    }
}

/// The `type` keyword: a set of JSON types, where `integer` is a number without a fractional part.
struct JSONTypes: OptionSet, Sendable {
    let rawValue: UInt8

    static let null = Self(rawValue: 1 << 0)
    static let boolean = Self(rawValue: 1 << 1)
    static let object = Self(rawValue: 1 << 2)
    static let array = Self(rawValue: 1 << 3)
    static let number = Self(rawValue: 1 << 4)
    static let string = Self(rawValue: 1 << 5)
    static let integer = Self(rawValue: 1 << 6)

    /// The names `type` accepts, with the phrase a message uses for each, in message order.
    static let named: [(name: String, type: Self, phrase: String)] = [
        ("object", .object, "an object"), ("array", .array, "an array"), ("string", .string, "a string"),
        ("integer", .integer, "an integer"), ("number", .number, "a number"), ("boolean", .boolean, "a boolean"),
        ("null", .null, "null"),
    ]

    func matches(_ value: JSONValue) -> Bool {
        switch value {
        case .null: contains(.null)
        case .bool: contains(.boolean)
        case .object: contains(.object)
        case .array: contains(.array)
        case .string: contains(.string)
        case .number(let number): contains(.number) || (contains(.integer) && number.isWhole)
        }
    }

    /// `an integer`, `a string or null`, `an object, an array or null`.
    var phrase: String {
        let phrases = Self.named.filter { contains($0.type) && !($0.type == .integer && contains(.number)) }
            .map(\.phrase)
        guard phrases.count > 1 else { return phrases.first ?? "nothing" }
        return phrases.dropLast().joined(separator: ", ") + " or " + phrases[phrases.count - 1]
    }
}

/// An OpenAPI `discriminator`: the value of `property` picks the one branch to validate.
struct Discriminator: Sendable {
    var property: String
    var branchByValue: [JSONValue: Int]
    /// The accepted values, in branch order, for messages.
    var values: [JSONValue]
    var branches: [Int]
    /// `oneOf` (true) or `anyOf` (false), used when the instance is not an object.
    var exclusive: Bool
}
