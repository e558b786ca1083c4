import Contracts

// MARK: - Objects

extension Evaluator {
    mutating func checkObject(_ check: Check, _ members: [String: JSONValue]) -> Bool {
        switch check {
        case .required(let names):
            var valid = true
            for name in names where members[name] == nil {
                valid = fail("required", "missing required property \(JSONValue.string(name).summary())")
                if shouldStop { return false }
            }
            return valid
        case .properties(let properties):
            var valid = true
            for (name, node) in properties {
                guard let member = members[name], !descend(into: .key(name), node, member) else { continue }
                valid = false
                if shouldStop { return false }
            }
            return valid
        case .additionalProperties(let known, let node):
            return checkEachKey(of: members, where: { !known.contains($0) }) { evaluator, key, member in
                guard let node else {
                    return evaluator.fail("additionalProperties", "property not allowed", at: .key(key))
                }
                return evaluator.descend(into: .key(key), node, member)
            }
        case .minProperties(let minimum):
            return members.count >= minimum
                || fail("minProperties", "must have at least \(Self.plural(minimum, "property", "properties"))")
        case .maxProperties(let maximum):
            return members.count <= maximum
                || fail("maxProperties", "must have at most \(Self.plural(maximum, "property", "properties"))")
        case .propertyNames(let node):
            return checkEachKey(of: members, where: { _ in true }) { evaluator, key, _ in
                evaluator.descend(into: .key(key), node, .string(key))
            }
        case .dependentRequired(let rules):
            var valid = true
            for (property, requires) in rules where members[property] != nil {
                for name in requires where members[name] == nil {
                    valid = fail(
                        "dependentRequired",
                        "missing property \(JSONValue.string(name).summary()) "
                            + "(required when \(JSONValue.string(property).summary()) is present)"
                    )
                    if shouldStop { return false }
                }
            }
            return valid
        default:
            return true
        }
    }

    /// Runs `body` on the members whose key passes `filter`: in key order when collecting (so
    /// reports are stable), in storage order when probing.
    private mutating func checkEachKey(
        of members: [String: JSONValue],
        where filter: (String) -> Bool,
        _ body: (inout Evaluator, String, JSONValue) -> Bool
    ) -> Bool {
        var valid = true
        if collecting {
            for key in members.keys.filter(filter).sorted() where !body(&self, key, members[key]!) {
                valid = false
                if shouldStop { return false }
            }
        } else {
            for (key, member) in members where filter(key) {
                if !body(&self, key, member) { return false }
            }
        }
        return valid
    }
}

// MARK: - Arrays

extension Evaluator {
    mutating func checkArray(_ check: Check, _ elements: [JSONValue]) -> Bool {
        switch check {
        case .prefixItems(let nodes):
            return checkItems(elements, from: 0, count: nodes.count) { nodes[$0] }
        case .items(let start, let node?):
            return checkItems(elements, from: start, count: elements.count) { _ in node }
        case .items(let start, nil):
            return elements.count <= start
                || fail("items", "must have at most \(Self.plural(start, "item")) (no further items allowed)")
        case .minItems(let minimum):
            return elements.count >= minimum || fail("minItems", "must have at least \(Self.plural(minimum, "item"))")
        case .maxItems(let maximum):
            return elements.count <= maximum || fail("maxItems", "must have at most \(Self.plural(maximum, "item"))")
        case .uniqueItems:
            var firstIndex: [JSONValue: Int] = [:]
            for (index, element) in elements.enumerated() {
                if let first = firstIndex.updateValue(index, forKey: element) {
                    return fail("uniqueItems", "duplicates item \(first) (items must be unique)", at: .index(index))
                }
            }
            return true
        case .contains(let node, let minimum, let maximum):
            var matches = 0
            for element in elements where probe(node, element) {
                matches += 1
            }
            if matches < minimum {
                return fail("contains", "must contain at least \(Self.plural(minimum, "item")) matching `contains`")
            }
            if let maximum, matches > maximum {
                return fail("maxContains", "must contain at most \(Self.plural(maximum, "item")) matching `contains`")
            }
            return true
        default:
            return true
        }
    }

    /// Validates items `start..<min(end, count)` against the node `nodeAt(index)`.
    private mutating func checkItems(_ elements: [JSONValue], from start: Int, count end: Int, _ nodeAt: (Int) -> Int)
        -> Bool
    {
        var valid = true
        var index = start
        while index < min(end, elements.count) {
            if !descend(into: .index(index), nodeAt(index), elements[index]) {
                valid = false
                if shouldStop { return false }
            }
            index += 1
        }
        return valid
    }
}
