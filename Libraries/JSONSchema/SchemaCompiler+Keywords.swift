import Contracts

// MARK: - Keyword sets

extension SchemaCompiler {
    /// Keywords that only annotate: type-checked where the spec gives a type, otherwise ignored.
    static let annotationKeywords: Set<String> = [
        "$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly",
        "writeOnly", "contentMediaType", "contentEncoding", "$defs", "definitions",
    ]

    /// Keywords that validate. Anything else (bar `x-…`) is refused, so a schema never checks less
    /// than its author thinks.
    static let assertionKeywords: Set<String> = [
        "$ref", "type", "const", "enum", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "required", "properties", "additionalProperties",
        "minProperties", "maxProperties", "propertyNames", "dependentRequired", "prefixItems", "items", "minItems",
        "maxItems", "uniqueItems", "contains", "minContains", "maxContains", "allOf", "anyOf", "oneOf", "not", "if",
        "then", "else", "discriminator",
    ]

    /// `$schema` values accepted, without scheme and trailing `#`.
    static let dialects: Set<String> = ["json-schema.org/draft/2020-12/schema", "json-schema.org/draft-07/schema"]
}

// MARK: - Compiling one schema object

extension SchemaCompiler {
    /// The checks of one schema object, in reporting order: type and values first, then the
    /// keywords of each type, then the combinators.
    mutating func compileKeywords(_ values: [String: JSONValue], at pointer: String, depth: Int)
        throws(SchemaCompileError) -> [Check]
    {
        for key in values.keys.sorted()
        where !key.hasPrefix("x-") && !Self.annotationKeywords.contains(key) && !Self.assertionKeywords.contains(key) {
            throw .unsupportedKeyword(key, at: JSONPointer.appending(pointer, key))
        }
        let schema = Keywords(values: values, pointer: pointer)
        try checkAnnotations(schema)
        _ = try schemaMap("$defs", in: schema, depth: depth)
        _ = try schemaMap("definitions", in: schema, depth: depth)

        var checks: [Check] = []
        if let reference = try schema.string("$ref") {
            checks.append(.ref(try resolveRef(reference, at: schema.pointer("$ref"))))
        }
        if let type = schema["type"] {
            checks.append(.type(try Self.types(type, at: schema.pointer("type"))))
        }
        if let constant = schema["const"] {
            checks.append(.constant(constant))
        }
        if let values = try schema.array("enum") {
            checks.append(.enumeration(Set(values), listed: values))
        }
        checks += try Self.stringChecks(schema)
        checks += try Self.numberChecks(schema)
        checks += try objectChecks(schema, depth: depth)
        checks += try arrayChecks(schema, depth: depth)
        checks += try combinatorChecks(schema, depth: depth)
        return checks
    }

    private func checkAnnotations(_ schema: Keywords) throws(SchemaCompileError) {
        if let dialect = try schema.string("$schema") {
            var bare = Substring(dialect)
            for scheme in ["https://", "http://"] where bare.hasPrefix(scheme) {
                bare = bare.dropFirst(scheme.count)
            }
            if bare.hasSuffix("#") { bare = bare.dropLast() }
            guard Self.dialects.contains(String(bare)) else {
                throw SchemaCompileError(
                    pointer: schema.pointer("$schema"),
                    message: "unsupported dialect \(JSONValue.string(dialect).summary()); use "
                        + "https://json-schema.org/draft/2020-12/schema or http://json-schema.org/draft-07/schema#"
                )
            }
        }
        if try schema.string("$id") != nil, !schema.pointer.isEmpty {
            throw SchemaCompileError(
                pointer: schema.pointer("$id"),
                message: "`$id` is supported only at the root (refs resolve against the whole document)"
            )
        }
        for key in ["$comment", "title", "description", "contentMediaType", "contentEncoding"] {
            _ = try schema.string(key)
        }
        for key in ["deprecated", "readOnly", "writeOnly"] {
            _ = try schema.bool(key)
        }
        _ = try schema.array("examples", allowEmpty: true)
    }

    // MARK: - Subschemas

    /// Compiles the subschema under `key`, one level deeper.
    mutating func subschema(_ key: String, in schema: Keywords, depth: Int) throws(SchemaCompileError) -> Int? {
        guard let value = schema[key] else { return nil }
        return try compileSchema(value, at: schema.pointer(key), depth: depth + 1)
    }

    /// Compiles a non-empty array of subschemas, such as `allOf`.
    mutating func schemaList(_ key: String, in schema: Keywords, depth: Int) throws(SchemaCompileError) -> [Int]? {
        guard let elements = try schema.array(key) else { return nil }
        var nodes: [Int] = []
        for (index, element) in elements.enumerated() {
            let pointer = JSONPointer.appending(schema.pointer(key), String(index))
            nodes.append(try compileSchema(element, at: pointer, depth: depth + 1))
        }
        return nodes
    }

    /// Compiles an object of named subschemas, such as `properties`, sorted by name.
    mutating func schemaMap(_ key: String, in schema: Keywords, depth: Int) throws(SchemaCompileError)
        -> [(name: String, node: Int)]?
    {
        guard let members = try schema.object(key) else { return nil }
        var nodes: [(name: String, node: Int)] = []
        for name in members.keys.sorted() {
            let pointer = JSONPointer.appending(schema.pointer(key), name)
            nodes.append((name, try compileSchema(members[name]!, at: pointer, depth: depth + 1)))
        }
        return nodes
    }

    // MARK: - Types, strings, numbers

    static func types(_ value: JSONValue, at pointer: String) throws(SchemaCompileError) -> JSONTypes {
        var names: [(name: JSONValue, pointer: String)] = []
        switch value {
        case .string: names = [(value, pointer)]
        case .array(let elements) where !elements.isEmpty:
            names = elements.enumerated().map { ($0.element, JSONPointer.appending(pointer, String($0.offset))) }
        default: throw .invalidValue(at: pointer, "a type name or a non-empty array of type names")
        }
        var types: JSONTypes = []
        for (name, namePointer) in names {
            guard case .string(let text) = name, let type = JSONTypes.named.first(where: { $0.name == text })?.type
            else {
                throw SchemaCompileError(
                    pointer: namePointer,
                    message: "unknown type \(name.summary()); expected one of "
                        + "null, boolean, object, array, number, string, integer"
                )
            }
            guard types.insert(type).inserted else {
                throw SchemaCompileError(pointer: namePointer, message: "duplicates type \(name.summary())")
            }
        }
        return types
    }

    static func stringChecks(_ schema: Keywords) throws(SchemaCompileError) -> [Check] {
        var checks: [Check] = []
        if let minimum = try schema.count("minLength") { checks.append(.minLength(minimum)) }
        if let maximum = try schema.count("maxLength") { checks.append(.maxLength(maximum)) }
        if let source = try schema.string("pattern") {
            guard let pattern = Pattern(source) else {
                throw SchemaCompileError(
                    pointer: schema.pointer("pattern"),
                    message: "is not a valid regular expression: \(JSONValue.string(source).summary())"
                )
            }
            checks.append(.pattern(pattern))
        }
        // Formats this library does not assert are annotations, as the spec says.
        if let name = try schema.string("format"), let format = StringFormat(rawValue: name) {
            checks.append(.format(format))
        }
        return checks
    }

    static func numberChecks(_ schema: Keywords) throws(SchemaCompileError) -> [Check] {
        var checks: [Check] = []
        if let bound = try schema.number("minimum") { checks.append(.minimum(bound)) }
        if let bound = try schema.number("exclusiveMinimum") { checks.append(.exclusiveMinimum(bound)) }
        if let bound = try schema.number("maximum") { checks.append(.maximum(bound)) }
        if let bound = try schema.number("exclusiveMaximum") { checks.append(.exclusiveMaximum(bound)) }
        if let divisor = try schema.number("multipleOf") {
            guard divisor > 0 else { throw .invalidValue(at: schema.pointer("multipleOf"), "a number above 0") }
            checks.append(.multipleOf(divisor))
        }
        return checks
    }
}
