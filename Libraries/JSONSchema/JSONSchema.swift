import Contracts

/// A compiled JSON Schema (a draft 2020-12 subset; see README.md in this directory).
///
/// Compiling parses every keyword, compiles every `pattern` and resolves every `$ref` once, so
/// `validate` only walks a flat table of checks.
public struct JSONSchema: Sendable {
    /// How many violations `validate` reports at most by default.
    public static let defaultViolationLimit = 20
    /// How deep subschemas may nest inside the schema document.
    public static let maxSchemaDepth = 64
    /// How deep validation descends into an instance before reporting a violation instead.
    public static let maxInstanceDepth = 128
    /// How long one `validate` or `isValid` call may spend in `pattern` searches in total; a
    /// search cut short is a violation, so a backtracking pattern cannot stall validation.
    public static let patternTimeBudget: Duration = .milliseconds(100)
    /// How many (sub)schema evaluations one `validate` or `isValid` call may make: combinators over
    /// nested data multiply (an `anyOf` of 10 branches at each of 6 levels is a million), so the
    /// work is counted and a run past the limit fails with one violation (keyword `budget`).
    public static let maxEvaluations = 200_000
    /// The most subschemas a schema may apply to one value through `$ref`, `allOf`, `anyOf`,
    /// `oneOf`, `not` and `if`/`then`/`else`, counted with repeats: `allOf` of two refs to a
    /// definition that does the same, 40 levels deep, is 2^40 and refused when compiled.
    public static let maxInPlaceExpansion = 10_000

    private let nodes: [SchemaNode]

    /// Compiles `schema`; throws for anything invalid or unsupported, naming where in the schema.
    public init(_ schema: JSONValue) throws(SchemaCompileError) {
        nodes = try SchemaCompiler.compile(schema)
    }

    /// Every violation of `instance` (at most `limit`), in document order; empty when it is valid.
    /// A run that needs more than `maxEvaluations` evaluations reports that alone, at the root.
    public func validate(
        _ instance: JSONValue, limit: Int = defaultViolationLimit, maxEvaluations: Int = Self.maxEvaluations
    ) -> [SchemaViolation] {
        var evaluator = Evaluator(nodes: nodes, collecting: true, limit: max(1, limit), evaluations: maxEvaluations)
        _ = evaluator.evaluate(SchemaNode.rootID, instance)
        guard !evaluator.isExhausted else { return [.budgetExceeded(maxEvaluations)] }
        return evaluator.violations
    }

    /// Whether `instance` is valid; stops at the first violation and builds no messages.
    public func isValid(_ instance: JSONValue, maxEvaluations: Int = Self.maxEvaluations) -> Bool {
        var evaluator = Evaluator(nodes: nodes, collecting: false, limit: 1, evaluations: maxEvaluations)
        return evaluator.evaluate(SchemaNode.rootID, instance) && !evaluator.isExhausted
    }
}
