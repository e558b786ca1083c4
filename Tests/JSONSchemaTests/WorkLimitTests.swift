import Contracts
import Foundation
import JSONSchema
import Testing

/// Schemas whose validation work explodes: refused when compiled where the schema alone tells,
/// cut off by the evaluation budget where it takes the data too.
@Suite struct WorkLimitTests {
    /// `d0` is a string; `d<n>` is `allOf` of two refs to `d<n-1>`: 2^n evaluations for one value.
    static func doubling(_ levels: Int) -> JSONValue {
        var definitions: [String: JSONValue] = ["d0": ["type": "string"]]
        for level in 1...levels {
            let previous = JSONValue.string("#/$defs/d\(level - 1)")
            definitions["d\(level)"] = ["allOf": [["$ref": previous], ["$ref": previous]]]
        }
        return ["$ref": .string("#/$defs/d\(levels)"), "$defs": .object(definitions)]
    }

    /// `anyOf` of `branches` alike branches, each descending into `a` with the whole schema: every
    /// branch fails only at the innermost value, so an instance nested `depth` deep takes
    /// branches^depth evaluations.
    static func fanOut(_ branches: Int) -> JSONValue {
        [
            "anyOf": .array(
                (0..<branches).map { _ in ["type": "object", "properties": ["a": ["$ref": "#"]]] })
        ]
    }

    static func nested(_ depth: Int) -> JSONValue {
        (0..<depth).reduce(JSONValue.number(1)) { inner, _ in ["a": inner] }
    }

    @Test("allOf of two refs to a definition that does the same, 40 levels deep: refused when compiled, at once")
    func exponentialSchemaIsRefused() throws {
        let started = ContinuousClock.now
        let error = #expect(throws: SchemaCompileError.self) { try JSONSchema(Self.doubling(40)) }
        #expect(ContinuousClock.now - started < .seconds(2), "not 2^40 of anything")
        #expect(
            error?.message.contains("applies more than 10000 subschemas to one value") == true,
            "\(String(describing: error))")
        #expect(error?.pointer.hasPrefix("/$defs/d") == true)
        // 10 levels (each an allOf node and two ref nodes) is about 4,000 evaluations a value:
        // allowed, and it validates.
        let allowed = try JSONSchema(Self.doubling(10))
        #expect(allowed.isValid("text"))
        #expect(!allowed.validate(5).isEmpty)
    }

    @Test("data that multiplies a schema's work past the budget gets one violation, quickly")
    func budgetStopsExplosions() throws {
        let schema = try JSONSchema(Self.fanOut(10))
        #expect(schema.isValid(Self.nested(3).replacingInnermost()), "a valid instance still validates")
        let started = ContinuousClock.now
        let violations = schema.validate(Self.nested(12))
        let elapsed = ContinuousClock.now - started
        #expect(violations.map(\.keyword) == ["budget"])
        #expect(violations.first?.pointer == "")
        #expect(violations.first?.message.contains("needs more than \(JSONSchema.maxEvaluations)") == true)
        #expect(!schema.isValid(Self.nested(12)))
        #expect(elapsed < .seconds(2), "validation stops at the budget: \(elapsed)")
        // A smaller instance of the same shape fits the budget and gets its real violations.
        #expect(schema.validate(Self.nested(2)).map(\.keyword) != ["budget"])
    }
}

extension JSONValue {
    /// The instance with its innermost number replaced by an empty object (valid for `fanOut`).
    fileprivate func replacingInnermost() -> JSONValue {
        guard case .object(let members) = self, let inner = members["a"] else { return [:] }
        return ["a": inner.replacingInnermost()]
    }
}
