/// Why a schema was refused: where in the schema (an RFC 6901 pointer) and what is wrong.
public struct SchemaCompileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// RFC 6901 pointer into the schema document: `""` for the root.
    public var pointer: String
    /// What is wrong, safe to show to the schema's author.
    public var message: String

    public init(pointer: String, message: String) {
        self.pointer = pointer
        self.message = message
    }

    /// `/properties/zip/minLength: must be a non-negative integer`; the root shows as `/`.
    public var description: String { "\(pointer.isEmpty ? "/" : pointer): \(message)" }
}

extension SchemaCompileError {
    static func unsupportedKeyword(_ keyword: String, at pointer: String) -> Self {
        Self(pointer: pointer, message: "unsupported keyword `\(keyword)`")
    }

    static func invalidValue(at pointer: String, _ expectation: String) -> Self {
        Self(pointer: pointer, message: "must be \(expectation)")
    }

    static func tooDeep(at pointer: String) -> Self {
        Self(pointer: pointer, message: "subschemas nest more than \(JSONSchema.maxSchemaDepth) levels deep")
    }
}
