import Contracts

extension SchemaCompiler {
    /// Compiles an OpenAPI `discriminator` over the branches of `combinator` (`oneOf` or `anyOf`):
    /// each branch is named by `mapping` (value to `#/...` ref) or else must pin the property with
    /// `const` (or `enum`), found through `$ref` and `allOf`.
    func discriminator(_ schema: Keywords, combinator: String, branches: [Int]) throws(SchemaCompileError)
        -> Discriminator
    {
        let pointer = schema.pointer("discriminator")
        guard case .object(let members)? = schema["discriminator"] else {
            throw .invalidValue(at: pointer, "an object with `propertyName`")
        }
        for key in members.keys.sorted() where key != "propertyName" && key != "mapping" && !key.hasPrefix("x-") {
            throw .unsupportedKeyword(key, at: JSONPointer.appending(pointer, key))
        }
        guard case .string(let property)? = members["propertyName"] else {
            throw .invalidValue(at: JSONPointer.appending(pointer, "propertyName"), "a string")
        }
        guard case .array(let branchSchemas)? = schema[combinator] else { preconditionFailure("compiled before") }
        let branchPointers = branchSchemas.indices.map { JSONPointer.appending(schema.pointer(combinator), String($0)) }
        let mapped = try mappedValues(
            members["mapping"],
            at: JSONPointer.appending(pointer, "mapping"),
            branches: zip(branchPointers, branchSchemas).map { ($0, $1) },
            combinator: combinator
        )

        var branchByValue: [JSONValue: Int] = [:]
        var indexByValue: [JSONValue: Int] = [:]
        var values: [JSONValue] = []
        for (index, branch) in branchSchemas.enumerated() {
            let branchPointer = branchPointers[index]
            var budget = 32
            guard let tags = mapped[index] ?? taggedValues(of: branch, property: property, budget: &budget) else {
                throw SchemaCompileError(
                    pointer: branchPointer,
                    message: "must pin discriminator property \(JSONValue.string(property).summary()) "
                        + "with `const` under `properties`, or be named in `mapping`"
                )
            }
            for tag in tags {
                if let other = indexByValue[tag], other != index {
                    throw SchemaCompileError(
                        pointer: branchPointer,
                        message: "discriminator value \(tag.summary()) is also used by \(combinator) branch \(other)"
                    )
                }
                if indexByValue[tag] == nil { values.append(tag) }
                indexByValue[tag] = index
                branchByValue[tag] = branches[index]
            }
        }
        return Discriminator(
            property: property,
            branchByValue: branchByValue,
            values: values,
            branches: branches,
            exclusive: combinator == "oneOf"
        )
    }

    /// The `mapping` values naming each branch (by index): each value is a `#/...` ref to a branch,
    /// either to the branch itself or to the schema the branch is a bare `$ref` to.
    private func mappedValues(
        _ mapping: JSONValue?,
        at pointer: String,
        branches: [(pointer: String, schema: JSONValue)],
        combinator: String
    ) throws(SchemaCompileError) -> [Int: [JSONValue]] {
        guard let mapping else { return [:] }
        guard case .object(let entries) = mapping else { throw .invalidValue(at: pointer, "an object") }
        let targets = branches.map { branch -> String in
            guard case .object(let keywords) = branch.schema, keywords.count == 1,
                case .string(let reference)? = keywords["$ref"], let target = try? locate(reference, at: "").0
            else { return branch.pointer }
            return target
        }
        var valuesByBranch: [Int: [JSONValue]] = [:]
        for value in entries.keys.sorted() {
            let entryPointer = JSONPointer.appending(pointer, value)
            guard case .string(let reference)? = entries[value] else {
                throw .invalidValue(at: entryPointer, "a `#/...` ref to one of the `\(combinator)` branches")
            }
            let target = try locate(reference, at: entryPointer).0
            guard
                let index = targets.firstIndex(where: { $0 == target })
                    ?? branches.firstIndex(where: { $0.pointer == target })
            else {
                throw SchemaCompileError(
                    pointer: entryPointer,
                    message: "\(JSONValue.string(reference).summary()) is not one of the `\(combinator)` branches"
                )
            }
            valuesByBranch[index, default: []].append(.string(value))
        }
        return valuesByBranch
    }

    /// The values a branch allows for `property`; `budget` bounds the `$ref`s and `allOf`s followed.
    private func taggedValues(of schema: JSONValue, property: String, budget: inout Int) -> [JSONValue]? {
        guard budget > 0, case .object(let keywords) = schema else { return nil }
        budget -= 1
        if case .object(let properties)? = keywords["properties"], let propertySchema = properties[property],
            let values = constantValues(of: propertySchema, budget: &budget)
        {
            return values
        }
        if let target = referencedSchema(keywords),
            let values = taggedValues(of: target, property: property, budget: &budget)
        {
            return values
        }
        if case .array(let members)? = keywords["allOf"] {
            for member in members {
                if let values = taggedValues(of: member, property: property, budget: &budget) { return values }
            }
        }
        return nil
    }

    private func constantValues(of schema: JSONValue, budget: inout Int) -> [JSONValue]? {
        guard budget > 0, case .object(let keywords) = schema else { return nil }
        budget -= 1
        if let constant = keywords["const"] { return [constant] }
        if case .array(let values)? = keywords["enum"], !values.isEmpty { return values }
        if let target = referencedSchema(keywords) { return constantValues(of: target, budget: &budget) }
        return nil
    }

    private func referencedSchema(_ keywords: [String: JSONValue]) -> JSONValue? {
        guard case .string(let reference)? = keywords["$ref"] else { return nil }
        return try? locate(reference, at: "").1
    }
}
