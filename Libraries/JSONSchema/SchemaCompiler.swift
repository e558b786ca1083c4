import Contracts

/// Compiles a schema document into a flat node table.
///
/// Structural subschemas compile recursively (bounded by `JSONSchema.maxSchemaDepth`); a `$ref`
/// reserves its target's node by pointer, so every location compiles once and recursion is data.
struct SchemaCompiler {
    let document: JSONValue
    var nodes: [SchemaNode] = []
    private var idByPointer: [String: Int] = [:]
    private var isCompiled: [Bool] = []
    /// Ref targets reserved before any structural visit reached them.
    private var pendingTargets: [(pointer: String, value: JSONValue)] = []

    static func compile(_ document: JSONValue) throws(SchemaCompileError) -> [SchemaNode] {
        var compiler = SchemaCompiler(document: document)
        _ = try compiler.compileSchema(document, at: "", depth: 0)
        while let target = compiler.pendingTargets.popLast() {
            // Still uncompiled: the target is not a structural subschema (say, it sits in an `x-` annotation).
            _ = try compiler.compileSchema(target.value, at: target.pointer, depth: 0)
        }
        try compiler.rejectCyclesWithoutProgress()
        try compiler.rejectExpansions()
        return compiler.nodes
    }

    /// Compiles the schema at `pointer` unless it already was, returning its node.
    mutating func compileSchema(_ schema: JSONValue, at pointer: String, depth: Int) throws(SchemaCompileError)
        -> Int
    {
        let id = reserve(pointer)
        guard !isCompiled[id] else { return id }
        isCompiled[id] = true
        guard depth <= JSONSchema.maxSchemaDepth else { throw .tooDeep(at: pointer) }
        switch schema {
        case .bool(true): break
        case .bool(false): nodes[id].checks = [.never]
        case .object(let keywords): nodes[id].checks = try compileKeywords(keywords, at: pointer, depth: depth)
        default: throw .invalidValue(at: pointer, "a schema (an object or a boolean)")
        }
        return id
    }

    private mutating func reserve(_ pointer: String) -> Int {
        if let id = idByPointer[pointer] { return id }
        let id = nodes.count
        nodes.append(SchemaNode(pointer: pointer, checks: []))
        isCompiled.append(false)
        idByPointer[pointer] = id
        return id
    }

    // MARK: - References

    /// The node a `$ref` (found at `pointer`) names, reserved now and compiled when reached.
    mutating func resolveRef(_ reference: String, at pointer: String) throws(SchemaCompileError) -> Int {
        let (targetPointer, value) = try locate(reference, at: pointer)
        if idByPointer[targetPointer] == nil {
            pendingTargets.append((targetPointer, value))
        }
        return reserve(targetPointer)
    }

    /// The pointer and value a `$ref` names; throws unless it is `#` or `#/…` naming something in this document.
    func locate(_ reference: String, at pointer: String) throws(SchemaCompileError) -> (String, JSONValue) {
        let shown = JSONValue.string(reference).summary(limit: 80)
        guard reference.hasPrefix("#") else {
            throw SchemaCompileError(
                pointer: pointer,
                message: "only refs within the document are supported (`#/...`), not \(shown)"
            )
        }
        guard let fragment = JSONPointer.percentDecoded(reference.dropFirst()) else {
            throw SchemaCompileError(pointer: pointer, message: "malformed percent-encoding in \(shown)")
        }
        guard let tokens = JSONPointer.tokens(fragment) else {
            throw SchemaCompileError(
                pointer: pointer,
                message:
                    "must be `#` or a JSON pointer such as `#/$defs/name` (anchors are not supported), not \(shown)"
            )
        }
        var value = document
        for token in tokens {
            if case .object(let members) = value, let member = members[token] {
                value = member
            } else if case .array(let elements) = value, let index = Self.arrayIndex(token), index < elements.count {
                value = elements[index]
            } else {
                throw SchemaCompileError(pointer: pointer, message: "$ref target \(shown) does not exist")
            }
        }
        return (tokens.map { "/" + JSONPointer.escape($0) }.joined(), value)
    }

    /// An RFC 6901 array index: digits without a leading zero.
    private static func arrayIndex(_ token: String) -> Int? {
        guard let first = token.first, first.isASCII, first.isNumber, first != "0" || token.count == 1 else {
            return nil
        }
        return token.allSatisfy { $0.isASCII && $0.isNumber } ? Int(token) : nil
    }
}
