import Contracts

extension SchemaCompiler {
    /// Compiles an OpenAPI `discriminator` over the branches of `combinator` (`oneOf` or `anyOf`):
    /// each branch must pin the property with `const` (or `enum`), found through `$ref` and `allOf`.
    func discriminator(_ schema: Keywords, combinator: String, branches: [Int]) throws(SchemaCompileError)
        -> Discriminator
    {
        let pointer = schema.pointer("discriminator")
        guard case .object(let members)? = schema["discriminator"] else {
            throw .invalidValue(at: pointer, "an object with `propertyName`")
        }
        for key in members.keys.sorted() where key != "propertyName" && !key.hasPrefix("x-") {
            let message =
                key == "mapping"
                ? "`mapping` is not supported; give each branch a `const` for the property instead"
                : "unsupported keyword `\(key)`"
            throw SchemaCompileError(pointer: JSONPointer.appending(pointer, key), message: message)
        }
        guard case .string(let property)? = members["propertyName"] else {
            throw .invalidValue(at: JSONPointer.appending(pointer, "propertyName"), "a string")
        }
        guard case .array(let branchSchemas)? = schema[combinator] else { preconditionFailure("compiled before") }

        var branchByValue: [JSONValue: Int] = [:]
        var indexByValue: [JSONValue: Int] = [:]
        var values: [JSONValue] = []
        for (index, branch) in branchSchemas.enumerated() {
            let branchPointer = JSONPointer.appending(schema.pointer(combinator), String(index))
            var budget = 32
            guard let tags = taggedValues(of: branch, property: property, budget: &budget) else {
                throw SchemaCompileError(
                    pointer: branchPointer,
                    message: "must pin discriminator property \(JSONValue.string(property).summary()) "
                        + "with `const` under `properties`"
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
