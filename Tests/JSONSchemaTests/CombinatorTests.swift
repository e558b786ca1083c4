import Contracts
import JSONSchema
import Testing

@Suite struct CombinatorTests {
    @Test func allOfReportsEveryFailingBranch() throws {
        let schema = #"{"allOf": [{"minLength": 2}, {"pattern": "^a"}]}"#
        #expect(try violations(schema, #""ab""#) == [])
        #expect(
            try violations(schema, #""b""#) == [
                violation("", "minLength", "must be at least 2 characters"),
                violation("", "pattern", #"must match pattern "^a""#),
            ]
        )
    }

    @Test func anyOfReportsTheClosestBranch() throws {
        let schema = #"""
            {"anyOf": [
              {"type": "string"},
              {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
            ]}
            """#
        #expect(try violations(schema, #""s""#) == [])
        #expect(try violations(schema, #"{"id": 3}"#) == [])
        #expect(try violations(schema, #"{"id": "3"}"#) == [violation("/id", "type", "must be an integer")])
    }

    @Test func anyOfWhereEveryBranchHasTheWrongTypeSummarises() throws {
        #expect(
            try violations(#"{"anyOf": [{"type": "string"}, {"type": "integer"}]}"#, "true")
                == [violation("", "anyOf", "must match one of 2 schemas (must be a string; must be an integer)")]
        )
    }

    @Test func oneOfMatchingTwoBranchesNamesThem() throws {
        let schema = #"{"oneOf": [{"type": "integer"}, {"minimum": 0}, {"type": "string"}]}"#
        #expect(try violations(schema, "-1") == [])
        #expect(try violations(schema, "0.5") == [])
        #expect(
            try violations(schema, "5")
                == [violation("", "oneOf", "must match exactly one of 3 schemas but matches 2 (0, 1)")]
        )
    }

    @Test func oneOfWithoutMatchPrefersTheBranchWhoseConstFits() throws {
        let schema = #"""
            {"oneOf": [
              {"properties": {"kind": {"const": "a"}, "x": {"type": "string"}}, "required": ["kind", "x"]},
              {"properties": {"kind": {"const": "b"}, "y": {"type": "string"}}, "required": ["kind", "y"]}
            ]}
            """#
        #expect(try violations(schema, #"{"kind": "b", "y": 1}"#) == [violation("/y", "type", "must be a string")])
    }

    @Test func notRefusesWhatItMatches() throws {
        #expect(try violations(#"{"not": {"type": "null"}}"#, "1") == [])
        #expect(
            try violations(#"{"not": {"type": "null"}}"#, "null") == [
                violation("", "not", "must not match the `not` schema")
            ])
    }

    @Test func ifThenElse() throws {
        let schema = #"""
            {"if": {"properties": {"country": {"const": "US"}}},
             "then": {"properties": {"zip": {"pattern": "^[0-9]{5}$"}}},
             "else": {"properties": {"zip": {"type": "string"}}}}
            """#
        #expect(try violations(schema, #"{"country": "US", "zip": "12345"}"#) == [])
        #expect(try violations(schema, #"{"country": "CA", "zip": "K1A 0B1"}"#) == [])
        #expect(
            try violations(schema, #"{"country": "US", "zip": "K1A"}"#)
                == [violation("/zip", "pattern", #"must match pattern "^[0-9]{5}$""#)]
        )
        #expect(
            try violations(schema, #"{"country": "CA", "zip": 5}"#) == [violation("/zip", "type", "must be a string")])
    }

    @Test func booleanSchemas() throws {
        #expect(try violations("true", #"{"anything": [1]}"#) == [])
        #expect(try violations("false", "null") == [violation("", "false", "is not allowed")])
        #expect(
            try violations(#"{"properties": {"gone": false}}"#, #"{"gone": 1}"#) == [
                violation("/gone", "false", "is not allowed")
            ])
    }
}

@Suite struct DiscriminatorTests {
    let schema: JSONSchema

    init() throws {
        schema = try JSONSchema(
            json(
                #"""
                {
                  "type": "object",
                  "discriminator": {"propertyName": "kind"},
                  "oneOf": [{"$ref": "#/$defs/cat"}, {"$ref": "#/$defs/dog"}],
                  "$defs": {
                    "cat": {"properties": {"kind": {"const": "cat"}, "lives": {"type": "integer"}}, "required": ["lives"]},
                    "dog": {
                      "allOf": [{"properties": {"kind": {"enum": ["dog"]}}}],
                      "properties": {"good": {"type": "boolean"}}, "required": ["good"]
                    }
                  }
                }
                """#
            )
        )
    }

    @Test func selectsTheBranchNamedByTheProperty() throws {
        #expect(schema.validate(try json(#"{"kind": "cat", "lives": 9}"#)) == [])
        #expect(schema.validate(try json(#"{"kind": "dog", "good": true}"#)) == [])
        // Only the chosen branch reports: no noise from the cat branch.
        #expect(
            schema.validate(try json(#"{"kind": "dog", "good": "yes"}"#)) == [
                violation("/good", "type", "must be a boolean")
            ]
        )
        #expect(
            schema.validate(try json(#"{"kind": "cat"}"#)) == [
                violation("", "required", #"missing required property "lives""#)
            ]
        )
    }

    @Test func missingDiscriminatorIsReportedOnTheObjectLikeRequired() throws {
        #expect(
            schema.validate(try json(#"{"lives": 9}"#)) == [
                violation(
                    "",
                    "discriminator",
                    #"missing required property "kind" (the discriminator: one of "cat", "dog")"#
                )
            ]
        )
    }

    @Test func unknownDiscriminatorListsTheAllowedValues() throws {
        #expect(
            schema.validate(try json(#"{"kind": "cow"}"#))
                == [violation("/kind", "discriminator", #"must be one of "cat", "dog", not "cow""#)]
        )
    }

    @Test func mappingNamesBranchesWithoutConst() throws {
        let mapped = try JSONSchema(
            json(
                #"""
                {
                  "discriminator": {"propertyName": "type", "mapping": {"img": "#/$defs/image", "vid": "#/anyOf/1"}},
                  "anyOf": [
                    {"$ref": "#/$defs/image"},
                    {"properties": {"seconds": {"type": "number"}}, "required": ["seconds"]}
                  ],
                  "$defs": {"image": {"properties": {"width": {"type": "integer"}}, "required": ["width"]}}
                }
                """#
            )
        )
        #expect(mapped.validate(try json(#"{"type": "img", "width": 3}"#)) == [])
        #expect(mapped.validate(try json(#"{"type": "vid", "seconds": 1.5}"#)) == [])
        #expect(
            mapped.validate(try json(#"{"type": "vid", "width": 3}"#)) == [
                violation("", "required", #"missing required property "seconds""#)
            ]
        )
        #expect(
            mapped.validate(try json(#"{"type": "gif"}"#)) == [
                violation("/type", "discriminator", #"must be one of "img", "vid", not "gif""#)
            ]
        )
    }

    @Test func discriminatorCompileErrors() throws {
        let branches = ##""oneOf": [{"$ref": "#/$defs/a"}, {"$ref": "#/$defs/b"}]"##
        let defs = #""$defs": {"a": {"properties": {"k": {"const": "x"}}}, "b": {"properties": {"k": {"const": "x"}}}}"#
        #expect(
            try compileError(#"{"discriminator": {"propertyName": "k"}, \#(branches), \#(defs)}"#)
                == SchemaCompileError(
                    pointer: "/oneOf/1", message: #"discriminator value "x" is also used by oneOf branch 0"#)
        )
        #expect(
            try compileError(#"{"discriminator": {"propertyName": "k"}, "oneOf": [{"type": "object"}]}"#)
                == SchemaCompileError(
                    pointer: "/oneOf/0",
                    message:
                        #"must pin discriminator property "k" with `const` under `properties`, or be named in `mapping`"#
                )
        )
        #expect(
            try compileError(
                ##"{"discriminator": {"propertyName": "k", "mapping": {"x": "#/$defs/c"}}, \##(branches), "$defs": {"a": {}, "b": {}, "c": {}}}"##
            )
                == SchemaCompileError(
                    pointer: "/discriminator/mapping/x", message: ##""#/$defs/c" is not one of the `oneOf` branches"##)
        )
        #expect(
            try compileError(#"{"discriminator": {"propertyName": "k"}, "allOf": [{}]}"#)
                == SchemaCompileError(pointer: "/discriminator", message: "needs `oneOf` or `anyOf` next to it")
        )
        #expect(
            try compileError(#"{"discriminator": {"propertyName": "k", "default": "a"}, "oneOf": [{}]}"#)
                == SchemaCompileError(pointer: "/discriminator/default", message: "unsupported keyword `default`")
        )
    }

    @Test func nonObjectsFailTheSchemaType() throws {
        #expect(schema.validate(.string("cat")).first == violation("", "type", "must be an object"))
    }
}
