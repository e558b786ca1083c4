import Contracts

// MARK: - Objects

extension Evaluator {
    mutating func checkObject(_ check: Check, _ members: [String: JSONValue]) -> Bool {
        switch check {
        case .required(let names):
            return checkAll(names.lazy.filter { members[$0] == nil }) { evaluator, name in
                evaluator.fail("required", "missing required property \(JSONValue.string(name).summary())")
            }
        case .properties(let properties):
            return checkAll(properties) { evaluator, property in
                guard let member = members[property.name] else { return true }
                return evaluator.descend(into: .key(property.name), property.node, member)
            }
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
            let missing = rules.lazy.filter { members[$0.property] != nil }
                .flatMap { rule in rule.requires.lazy.filter { members[$0] == nil }.map { (rule.property, $0) } }
            return checkAll(missing) { evaluator, pair in
                evaluator.fail(
                    "dependentRequired",
                    "missing property \(JSONValue.string(pair.1).summary()) "
                        + "(required when \(JSONValue.string(pair.0).summary()) is present)"
                )
            }
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
        let keys = members.keys.filter(filter)
        return checkAll(collecting ? keys.sorted() : keys) { body(&$0, $1, members[$1]!) }
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
        guard start < min(end, elements.count) else { return true }
        return checkAll(start..<min(end, elements.count)) {
            $0.descend(into: .index($1), nodeAt($1), elements[$1])
        }
    }
}
