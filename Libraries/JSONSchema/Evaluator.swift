import Contracts

/// One validation run over the node table.
///
/// In collecting mode it records violations (up to `limit`) with their instance pointers; in
/// fast mode it builds no messages and stops at the first failure, which is how combinators
/// probe their branches.
struct Evaluator {
    /// Bounds recursion through in-place applicators as well as instance depth.
    static let maxEvaluationDepth = 512

    enum PathComponent {
        case key(String)
        case index(Int)
    }

    let nodes: [SchemaNode]
    var collecting: Bool
    let limit: Int
    var path: [PathComponent] = []
    var violations: [SchemaViolation] = []
    /// Time left for `pattern` searches in this run; see `JSONSchema.patternTimeBudget`.
    var patternBudget = JSONSchema.patternTimeBudget
    /// Subschema evaluations left in this run; see `JSONSchema.maxEvaluations`.
    private(set) var evaluationsLeft: Int
    private var depth = 0

    init(nodes: [SchemaNode], collecting: Bool, limit: Int, evaluations: Int = JSONSchema.maxEvaluations) {
        self.nodes = nodes
        self.collecting = collecting
        self.limit = limit
        evaluationsLeft = evaluations
    }

    /// Whether the run used up its evaluations: every later evaluation fails at once, so what is
    /// left of the run (combinators trying their other branches) costs next to nothing.
    var isExhausted: Bool { evaluationsLeft < 0 }

    /// Whether to stop after a failure: always when probing, and once enough violations are recorded.
    var shouldStop: Bool { !collecting || violations.count >= limit || isExhausted }

    /// Whether `value` (at `path`) is valid against the node `id`.
    mutating func evaluate(_ id: Int, _ value: JSONValue) -> Bool {
        evaluationsLeft -= 1
        guard evaluationsLeft >= 0 else { return false }
        guard depth < Self.maxEvaluationDepth else {
            return fail("depth", "is too deeply nested to validate")
        }
        depth += 1
        defer { depth -= 1 }
        return checkAll(nodes[id].checks) { $0.apply($1, to: value) }
    }

    /// Whether `body` holds for every element; it runs on all of them (to collect every violation)
    /// unless the run should stop.
    mutating func checkAll<Elements: Sequence>(
        _ elements: Elements,
        _ body: (inout Evaluator, Elements.Element) -> Bool
    ) -> Bool {
        var valid = true
        for element in elements where !body(&self, element) {
            valid = false
            if shouldStop { return false }
        }
        return valid
    }

    /// Evaluates a child of the current value (a property or an item), extending the path.
    mutating func descend(into component: PathComponent, _ id: Int, _ value: JSONValue) -> Bool {
        guard path.count < JSONSchema.maxInstanceDepth else {
            return fail("depth", "is nested more than \(JSONSchema.maxInstanceDepth) levels deep", at: component)
        }
        path.append(component)
        defer { path.removeLast() }
        return evaluate(id, value)
    }

    /// Whether `value` is valid, without recording anything.
    mutating func probe(_ id: Int, _ value: JSONValue) -> Bool {
        let wasCollecting = collecting
        collecting = false
        defer { collecting = wasCollecting }
        return evaluate(id, value)
    }

    /// Records a violation at the current path (or its child) when collecting; always returns false.
    mutating func fail(_ keyword: String, _ message: @autoclosure () -> String, at child: PathComponent? = nil)
        -> Bool
    {
        if collecting && violations.count < limit {
            violations.append(SchemaViolation(pointer: pointer(child), keyword: keyword, message: message()))
        }
        return false
    }

    /// The RFC 6901 pointer of the current path, plus `child` when given.
    func pointer(_ child: PathComponent? = nil) -> String {
        var pointer = ""
        for component in path + (child.map { [$0] } ?? []) {
            switch component {
            case .key(let key): pointer += "/" + JSONPointer.escape(key)
            case .index(let index): pointer += "/" + String(index)
            }
        }
        return pointer
    }

    // MARK: - Dispatch

    private mutating func apply(_ check: Check, to value: JSONValue) -> Bool {
        switch check {
        case .never: return fail("false", "is not allowed")
        case .ref(let node): return evaluate(node, value)
        case .type(let types): return types.matches(value) || fail("type", "must be \(types.phrase)")
        case .constant(let constant):
            return value == constant || fail("const", "must be \(constant.summary())")
        case .enumeration(let allowed, let listed):
            return allowed.contains(value) || fail("enum", "must be one of \(JSONValue.summaryList(listed))")
        case .minLength, .maxLength, .pattern, .format:
            guard case .string(let text) = value else { return true }
            return checkString(check, text)
        case .minimum, .maximum, .exclusiveMinimum, .exclusiveMaximum, .multipleOf:
            guard case .number(let number) = value else { return true }
            return checkNumber(check, number)
        case .required, .properties, .additionalProperties, .minProperties, .maxProperties, .propertyNames,
            .dependentRequired:
            guard case .object(let members) = value else { return true }
            return checkObject(check, members)
        case .prefixItems, .items, .minItems, .maxItems, .uniqueItems, .contains:
            guard case .array(let elements) = value else { return true }
            return checkArray(check, elements)
        case .allOf, .anyOf, .oneOf, .not, .conditional, .discriminated:
            return checkCombinator(check, value)
        }
    }
}
