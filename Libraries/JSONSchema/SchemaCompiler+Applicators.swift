import Contracts

extension SchemaCompiler {
    // MARK: - Objects

    mutating func objectChecks(_ schema: Keywords, depth: Int) throws(SchemaCompileError) -> [Check] {
        var checks: [Check] = []
        if let names = try schema.strings("required"), !names.isEmpty {
            checks.append(.required(names))
        }
        let properties = try schemaMap("properties", in: schema, depth: depth) ?? []
        if !properties.isEmpty {
            checks.append(.properties(properties))
        }
        switch schema["additionalProperties"] {
        case nil, .bool(true)?: break
        case .bool(false)?:
            checks.append(.additionalProperties(known: Set(properties.map(\.name)), node: nil))
        case .some:
            let node = try subschema("additionalProperties", in: schema, depth: depth)
            checks.append(.additionalProperties(known: Set(properties.map(\.name)), node: node))
        }
        if let minimum = try schema.count("minProperties") { checks.append(.minProperties(minimum)) }
        if let maximum = try schema.count("maxProperties") { checks.append(.maxProperties(maximum)) }
        if let node = try subschema("propertyNames", in: schema, depth: depth) {
            checks.append(.propertyNames(node))
        }
        if let dependencies = try schema.object("dependentRequired") {
            var rules: [(property: String, requires: [String])] = []
            for property in dependencies.keys.sorted() {
                let pointer = JSONPointer.appending(schema.pointer("dependentRequired"), property)
                rules.append((property, try Keywords.strings(dependencies[property]!, at: pointer)))
            }
            checks.append(.dependentRequired(rules))
        }
        return checks
    }

    // MARK: - Arrays

    mutating func arrayChecks(_ schema: Keywords, depth: Int) throws(SchemaCompileError) -> [Check] {
        var checks: [Check] = []
        let prefix = try schemaList("prefixItems", in: schema, depth: depth) ?? []
        if !prefix.isEmpty {
            checks.append(.prefixItems(prefix))
        }
        switch schema["items"] {
        case nil, .bool(true)?: break
        case .bool(false)?: checks.append(.items(from: prefix.count, node: nil))
        case .array?:
            throw SchemaCompileError(
                pointer: schema.pointer("items"),
                message: "must be a schema; for tuples use `prefixItems`"
            )
        case .some:
            checks.append(.items(from: prefix.count, node: try subschema("items", in: schema, depth: depth)))
        }
        if let minimum = try schema.count("minItems") { checks.append(.minItems(minimum)) }
        if let maximum = try schema.count("maxItems") { checks.append(.maxItems(maximum)) }
        if try schema.bool("uniqueItems") == true { checks.append(.uniqueItems) }
        let minContains = try schema.count("minContains")
        let maxContains = try schema.count("maxContains")
        if let node = try subschema("contains", in: schema, depth: depth) {
            checks.append(.contains(node: node, min: minContains ?? 1, max: maxContains))
        }
        return checks
    }

    // MARK: - Combinators

    mutating func combinatorChecks(_ schema: Keywords, depth: Int) throws(SchemaCompileError) -> [Check] {
        var checks: [Check] = []
        let allOf = try schemaList("allOf", in: schema, depth: depth)
        let anyOf = try schemaList("anyOf", in: schema, depth: depth)
        let oneOf = try schemaList("oneOf", in: schema, depth: depth)
        let not = try subschema("not", in: schema, depth: depth)
        let condition = try subschema("if", in: schema, depth: depth)
        let then = try subschema("then", in: schema, depth: depth)
        let otherwise = try subschema("else", in: schema, depth: depth)

        if let allOf { checks.append(.allOf(allOf)) }
        var discriminated: String?
        if schema["discriminator"] != nil {
            guard let (combinator, branches) = oneOf.map({ ("oneOf", $0) }) ?? anyOf.map({ ("anyOf", $0) }) else {
                throw SchemaCompileError(
                    pointer: schema.pointer("discriminator"),
                    message: "needs `oneOf` or `anyOf` next to it"
                )
            }
            checks.append(.discriminated(try discriminator(schema, combinator: combinator, branches: branches)))
            discriminated = combinator
        }
        if let anyOf, discriminated != "anyOf" { checks.append(.anyOf(anyOf)) }
        if let oneOf, discriminated != "oneOf" { checks.append(.oneOf(oneOf)) }
        if let not { checks.append(.not(not)) }
        if let condition, then != nil || otherwise != nil {
            checks.append(.conditional(if: condition, then: then, else: otherwise))
        }
        return checks
    }
}
