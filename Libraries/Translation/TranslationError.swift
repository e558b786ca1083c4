/// A request that cannot be translated: a field the target API cannot express, or a request that
/// is not what its dialect allows. Both are the client's to fix (a 400 naming the field).
public struct TranslationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    private init(_ description: String) {
        self.description = description
    }

    /// `field` (a JSON path such as `messages[2].content[0].type`) has no equivalent in `target`.
    public static func unsupported(_ field: String, target: String, because reason: String? = nil) -> Self {
        Self("`\(field)` cannot be translated to \(target)" + (reason.map { ": \($0)" } ?? ""))
    }

    /// `field` is not what the dialect allows.
    public static func invalid(_ field: String, _ problem: String) -> Self {
        Self("`\(field)` \(problem)")
    }

    /// The body is not a JSON object.
    public static func notJSON(_ error: JSONSyntaxError) -> Self {
        Self("the body is \(error)")
    }
}
