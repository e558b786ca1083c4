import Contracts

extension Evaluator {
    mutating func checkCombinator(_ check: Check, _ value: JSONValue) -> Bool {
        switch check {
        case .allOf(let nodes):
            return checkAll(nodes) { $0.evaluate($1, value) }
        case .anyOf(let nodes):
            return anyOf(nodes, value)
        case .oneOf(let nodes):
            return oneOf(nodes, value)
        case .not(let node):
            return !probe(node, value) || fail("not", "must not match the `not` schema")
        case .conditional(let condition, let then, let otherwise):
            guard let branch = probe(condition, value) ? then : otherwise else { return true }
            return evaluate(branch, value)
        case .discriminated(let discriminator):
            return discriminated(discriminator, value)
        default:
            return true
        }
    }

    private mutating func anyOf(_ nodes: [Int], _ value: JSONValue) -> Bool {
        for node in nodes where probe(node, value) {
            return true
        }
        return collecting ? explainNoMatch(nodes, value, keyword: "anyOf") : false
    }

    private mutating func oneOf(_ nodes: [Int], _ value: JSONValue) -> Bool {
        var matched: [Int] = []
        for (index, node) in nodes.enumerated() where probe(node, value) {
            matched.append(index)
            if matched.count > 1 && !collecting { return false }
        }
        switch matched.count {
        case 1:
            return true
        case 0:
            return collecting ? explainNoMatch(nodes, value, keyword: "oneOf") : false
        default:
            let indices = matched.map(String.init).joined(separator: ", ")
            return fail(
                "oneOf", "must match exactly one of \(nodes.count) schemas but matches \(matched.count) (\(indices))")
        }
    }

    private mutating func discriminated(_ discriminator: Discriminator, _ value: JSONValue) -> Bool {
        guard case .object(let members) = value else {
            // Not an object: no property to read, so fall back to plain oneOf/anyOf.
            return discriminator.exclusive
                ? oneOf(discriminator.branches, value) : anyOf(discriminator.branches, value)
        }
        let property = PathComponent.key(discriminator.property)
        let allowed = JSONValue.summaryList(discriminator.values)
        guard let tag = members[discriminator.property] else {
            // Reported where the property is missing, like `required`.
            let name = JSONValue.string(discriminator.property).summary()
            return fail("discriminator", "missing required property \(name) (the discriminator: one of \(allowed))")
        }
        guard let branch = discriminator.branchByValue[tag] else {
            return fail("discriminator", "must be one of \(allowed), not \(tag.summary(limit: 40))", at: property)
        }
        return evaluate(branch, value)
    }

    /// Reports why no branch matched: the violations of the closest branch, or, when every branch
    /// already fails on the kind of value (its type, const or enum), one summary violation.
    private mutating func explainNoMatch(_ nodes: [Int], _ value: JSONValue, keyword: String) -> Bool {
        let here = pointer()
        var best: (rank: (Int, Int, Int), violations: [SchemaViolation])?
        var kindMessages: [String] = []
        for node in nodes {
            let saved = violations
            violations = []
            _ = evaluate(node, value)
            let found = violations
            violations = saved
            let kindMismatch = found.first { $0.pointer == here && Self.kindKeywords.contains($0.keyword) }
            if let kindMismatch { kindMessages.append(kindMismatch.message) }
            let valueMismatches = found.count { Self.kindKeywords.contains($0.keyword) }
            let rank = (kindMismatch == nil ? 0 : 1, valueMismatches, found.count)
            if best.map({ rank < $0.rank }) ?? true {
                best = (rank, found)
            }
        }
        guard let best, best.rank.0 == 0, !best.violations.isEmpty else {
            var alternatives = kindMessages.joined(separator: "; ")
            if alternatives.count > 200 { alternatives = String(alternatives.prefix(199)) + "…" }
            return fail(keyword, "must match one of \(nodes.count) schemas (\(alternatives))")
        }
        for violation in best.violations where violations.count < limit {
            violations.append(violation)
        }
        return false
    }

    private static let kindKeywords: Set<String> = ["type", "const", "enum", "false", "discriminator"]
}
