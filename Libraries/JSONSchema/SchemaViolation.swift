/// One way an instance fails its schema: where (an RFC 6901 pointer into the instance), which
/// keyword, and a message safe to show to API users.
public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
    /// RFC 6901 pointer into the instance: `""` for the root, `~0` and `~1` escaped.
    public var pointer: String
    /// The schema keyword that failed, such as `required` or `maxLength`.
    public var keyword: String
    /// What is wrong, without the pointer: `must be at least 5 characters`.
    public var message: String

    public init(pointer: String, keyword: String, message: String) {
        self.pointer = pointer
        self.keyword = keyword
        self.message = message
    }

    /// `/address/zip: must be at least 5 characters`; the root shows as `/`.
    public var description: String { "\(pointer.isEmpty ? "/" : pointer): \(message)" }
}

extension SchemaViolation {
    /// The run needed more evaluations than allowed (`JSONSchema.maxEvaluations`).
    static func budgetExceeded(_ evaluations: Int) -> SchemaViolation {
        SchemaViolation(
            pointer: "", keyword: "budget",
            message:
                "needs more than \(evaluations) schema evaluations to validate; simplify the data or its type's schema")
    }
}
