import Contracts
import JSONSchema
import Testing

@Suite struct TypeKeywordTests {
    @Test func integerIsANumberWithoutFraction() throws {
        #expect(try violations(#"{"type": "integer"}"#, "1.0") == [])
        #expect(try violations(#"{"type": "integer"}"#, "-7") == [])
        #expect(try violations(#"{"type": "integer"}"#, "1.5") == [violation("", "type", "must be an integer")])
        #expect(try violations(#"{"type": "integer"}"#, #""1""#) == [violation("", "type", "must be an integer")])
        #expect(try violations(#"{"type": "number"}"#, "1.5") == [])
    }

    @Test func eachTypeAcceptsOnlyItsValues() throws {
        let cases: [(type: String, good: String, bad: String, message: String)] = [
            ("null", "null", "false", "must be null"),
            ("boolean", "true", "0", "must be a boolean"),
            ("object", "{}", "[]", "must be an object"),
            ("array", "[]", "{}", "must be an array"),
            ("number", "2.5", #""2.5""#, "must be a number"),
            ("string", #""x""#, "null", "must be a string"),
        ]
        for (type, good, bad, message) in cases {
            let schema = #"{"type": "\#(type)"}"#
            #expect(try violations(schema, good) == [], "\(type) accepts \(good)")
            #expect(try violations(schema, bad) == [violation("", "type", message)], "\(type) refuses \(bad)")
        }
    }

    @Test func typeArrayNamesEveryAlternative() throws {
        #expect(try violations(#"{"type": ["string", "null"]}"#, "null") == [])
        #expect(
            try violations(#"{"type": ["string", "null"]}"#, "3") == [violation("", "type", "must be a string or null")]
        )
        #expect(
            try violations(#"{"type": ["null", "integer", "array"]}"#, "true")
                == [violation("", "type", "must be an array, an integer or null")]
        )
    }
}

@Suite struct ConstAndEnumTests {
    @Test func constUsesJSONEquality() throws {
        #expect(try violations(#"{"const": 1}"#, "1.0") == [])
        #expect(try violations(#"{"const": {"a": [1, "x"]}}"#, #"{"a": [1.0, "x"]}"#) == [])
        #expect(try violations(#"{"const": "draft"}"#, #""final""#) == [violation("", "const", #"must be "draft""#)])
        #expect(try violations(#"{"const": 1}"#, "true") == [violation("", "const", "must be 1")])
    }

    @Test func enumListsTheAllowedValues() throws {
        #expect(try violations(#"{"enum": ["a", 2, null]}"#, "2.0") == [])
        #expect(
            try violations(#"{"enum": ["a", 2, null]}"#, #""b""#) == [
                violation("", "enum", #"must be one of "a", 2, null"#)
            ])
    }

    @Test func enumComparesObjectsWithoutKeyOrder() throws {
        let schema = #"{"enum": [{"a": 1, "b": [1, 2]}, [1, "x"]]}"#
        #expect(try violations(schema, #"{"b": [1.0, 2], "a": 1}"#) == [])
        #expect(try violations(schema, #"[1.0, "x"]"#) == [])
        let refused = violation("", "enum", #"must be one of {"a":1,"b":[1,2]}, [1,"x"]"#)
        #expect(try violations(schema, #"{"a": 1}"#) == [refused])
        #expect(try violations(schema, #"{"a": 1, "b": [2, 1]}"#) == [refused])
        #expect(try violations(schema, #"["x", 1]"#) == [refused])
    }

    @Test func longValuesAreTruncatedInMessages() throws {
        let long = String(repeating: "x", count: 500)
        let found = try violations(#"{"const": "\#(long)"}"#, #""y""#)
        #expect(found.count == 1)
        #expect(found[0].message.count < 80)
        #expect(found[0].message.hasSuffix("…"))
        let manyValues = (0..<30).map(String.init).joined(separator: ",")
        let listed = try violations(#"{"enum": [\#(manyValues)]}"#, "99")
        #expect(listed == [violation("", "enum", "must be one of 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … (20 more)")])
    }
}

@Suite struct StringKeywordTests {
    @Test func lengthBounds() throws {
        let schema = #"{"minLength": 2, "maxLength": 3}"#
        #expect(try violations(schema, #""ab""#) == [])
        #expect(try violations(schema, #""abc""#) == [])
        #expect(try violations(schema, #""a""#) == [violation("", "minLength", "must be at least 2 characters")])
        #expect(try violations(schema, #""abcd""#) == [violation("", "maxLength", "must be at most 3 characters")])
        #expect(
            try violations(#"{"maxLength": 1}"#, #""ab""#) == [
                violation("", "maxLength", "must be at most 1 character")
            ])
        #expect(try violations(schema, "12345") == [], "length keywords ignore non-strings")
    }

    @Test func lengthCountsCodePointsNotBytes() throws {
        // "héllo" is 6 UTF-8 bytes, "😀😀" is 8 bytes and 4 UTF-16 units, but 5 and 2 code points.
        #expect(try violations(#"{"maxLength": 5}"#, #""héllo""#) == [])
        #expect(try violations(#"{"maxLength": 2, "minLength": 2}"#, #""😀😀""#) == [])
        #expect(
            try violations(#"{"maxLength": 1}"#, #""😀😀""#) == [
                violation("", "maxLength", "must be at most 1 character")
            ])
    }

    @Test func lengthCountsCodePointsNotGraphemes() throws {
        // "e" plus a combining acute accent shows as one character but is two code points.
        #expect(
            try violations(#"{"maxLength": 1}"#, #""e\u0301""#) == [
                violation("", "maxLength", "must be at most 1 character")
            ])
    }

    @Test func patternShorthandClassesAreASCIIAsInECMA262() throws {
        // ICU alone would let `\d` match Arabic-Indic digits and `\w` match "é".
        #expect(try violations(#"{"pattern": "^\\d+$"}"#, #""123""#) == [])
        #expect(
            try violations(#"{"pattern": "^\\d+$"}"#, #""١٢٣""#) == [
                violation("", "pattern", #"must match pattern "^\\d+$""#)
            ])
        #expect(
            try violations(#"{"pattern": "^[\\w-]+$"}"#, #""café""#) == [
                violation("", "pattern", #"must match pattern "^[\\w-]+$""#)
            ])
        #expect(try violations(#"{"pattern": "^\\D\\W$"}"#, #""a-""#) == [])
        #expect(try violations(#"{"pattern": "^\\\\d$"}"#, #""\\d""#) == [], "an escaped backslash stays literal")
    }

    @Test func catastrophicPatternIsCutShortAsAViolation() throws {
        let schema = try JSONSchema(json(#"{"items": {"pattern": "^(a+)+$"}}"#))
        let hostile = JSONValue.string(String(repeating: "a", count: 40) + "!")
        let started = ContinuousClock.now
        let found = schema.validate(.array([hostile, hostile, "aaa"]))
        #expect(ContinuousClock.now - started < .seconds(2))
        let message = #"could not be checked against pattern "^(a+)+$" in time"#
        // The budget is per validation: once spent, later searches are not even started, so even
        // "aaa" is reported (fail closed); a fresh validation has a fresh budget.
        #expect(found == ["/0", "/1", "/2"].map { violation($0, "pattern", message) })
        #expect(schema.validate(.array(["aaa"])) == [])
    }

    @Test func patternSearchesUnanchored() throws {
        #expect(try violations(#"{"pattern": "b+"}"#, #""abbc""#) == [])
        #expect(
            try violations(#"{"pattern": "^b+$"}"#, #""abbc""#) == [
                violation("", "pattern", #"must match pattern "^b+$""#)
            ])
        #expect(try violations(#"{"pattern": "^\\p{L}+$"}"#, #""Grüße""#) == [])
    }
}

@Suite struct NumberKeywordTests {
    @Test func inclusiveAndExclusiveBounds() throws {
        let schema = #"{"minimum": 1, "maximum": 10}"#
        #expect(try violations(schema, "1") == [])
        #expect(try violations(schema, "10") == [])
        #expect(try violations(schema, "0.5") == [violation("", "minimum", "must be >= 1")])
        #expect(try violations(schema, "10.5") == [violation("", "maximum", "must be <= 10")])
        let exclusive = #"{"exclusiveMinimum": 0, "exclusiveMaximum": 2.5}"#
        #expect(try violations(exclusive, "0.001") == [])
        #expect(try violations(exclusive, "0") == [violation("", "exclusiveMinimum", "must be > 0")])
        #expect(try violations(exclusive, "2.5") == [violation("", "exclusiveMaximum", "must be < 2.5")])
        #expect(try violations(schema, #""100""#) == [], "number keywords ignore non-numbers")
    }

    @Test func multipleOfToleratesBinaryFloatingPoint() throws {
        #expect(try violations(#"{"multipleOf": 0.1}"#, "0.3") == [])
        #expect(try violations(#"{"multipleOf": 0.01}"#, "19.99") == [])
        #expect(try violations(#"{"multipleOf": 3}"#, "-9") == [])
        #expect(
            try violations(#"{"multipleOf": 0.1}"#, "0.35") == [
                violation("", "multipleOf", "must be a multiple of 0.1")
            ])
        #expect(try violations(#"{"multipleOf": 3}"#, "10") == [violation("", "multipleOf", "must be a multiple of 3")])
    }

    @Test func multipleOfIsExactForDecimals() throws {
        #expect(try violations(#"{"multipleOf": 0.0001}"#, "0.0075") == [])
        #expect(try violations(#"{"multipleOf": 1e-8}"#, "1e-7") == [])
        #expect(try violations(#"{"multipleOf": 0.1}"#, "12345678.9") == [])
        #expect(try violations(#"{"multipleOf": 0.01}"#, "0") == [])
        // A relative tolerance would accept these: the fraction is tiny next to the quotient.
        #expect(
            try violations(#"{"multipleOf": 1}"#, "1000000000.5") == [
                violation("", "multipleOf", "must be a multiple of 1")
            ])
        #expect(
            try violations(#"{"multipleOf": 0.01}"#, "123456789.001") == [
                violation("", "multipleOf", "must be a multiple of 0.01")
            ])
        #expect(
            try violations(#"{"multipleOf": 0.123456789}"#, "1e308") == [
                violation("", "multipleOf", "must be a multiple of 0.123456789")
            ])
        #expect(try violations(#"{"multipleOf": 0.5}"#, "1e308") == [])
    }
}

@Suite struct FormatTests {
    private func check(_ format: String, valid: [String], invalid: [String], message: String) throws {
        let schema = try JSONSchema(json(#"{"format": "\#(format)"}"#))
        for text in valid {
            #expect(schema.validate(.string(text)) == [], "\(format) accepts \(text)")
        }
        for text in invalid {
            #expect(schema.validate(.string(text)) == [violation("", "format", message)], "\(format) refuses \(text)")
        }
    }

    @Test func email() throws {
        try check(
            "email",
            valid: ["joe@example.com", "first.last+tag@sub.example.co", "\"joe bloggs\"@example.com", "a@[192.0.2.1]"],
            invalid: [
                "joe", "@example.com", "joe@", ".joe@example.com", "jo..e@example.com", "joe@-ex.com", "jo e@x.com",
            ],
            message: "must be a valid email address"
        )
    }

    @Test func uri() throws {
        try check(
            "uri",
            valid: [
                "https://example.com/a?b=c#d", "urn:isbn:0451450523", "mailto:joe@example.com",
                "http://[2001:db8::1]:8080/", "https://example.com/%20x",
            ],
            invalid: [
                "/relative/path", "//example.com", "example.com", "https://exa mple.com", "http://x/%zz", "1http://x",
            ],
            message: "must be a valid absolute URI"
        )
    }

    @Test func dateTime() throws {
        try check(
            "date-time",
            valid: [
                "2024-05-01T12:00:00Z", "2024-05-01t12:00:00.123456z", "2024-02-29T23:59:59+05:30",
                "1998-12-31T23:59:60Z", "1998-12-31T15:59:60-08:00",
            ],
            invalid: [
                "2024-05-01", "2024-05-01T12:00:00", "2024-05-01 12:00:00Z", "2023-02-29T12:00:00Z",
                "2024-13-01T12:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:00:00+0530", "1998-12-31T23:58:60Z",
                "2024-05-01T12:00:00.Z",
            ],
            message: "must be a valid RFC 3339 date-time (e.g. 2024-05-01T12:00:00Z)"
        )
    }

    @Test func date() throws {
        try check(
            "date",
            valid: ["2024-02-29", "2000-02-29", "1999-12-31"],
            invalid: ["1900-02-29", "2024-04-31", "2024-4-01", "2024-05-01T00:00:00Z", "20240501"],
            message: "must be a valid date (YYYY-MM-DD)"
        )
    }

    @Test func uuid() throws {
        try check(
            "uuid",
            valid: ["123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000"],
            invalid: ["123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g", "{123e4567-e89b}"],
            message: "must be a valid UUID"
        )
    }

    @Test func unknownFormatsAreAnnotations() throws {
        #expect(try violations(#"{"format": "hostname"}"#, #""not a hostname!""#) == [])
        #expect(try violations(#"{"format": "email"}"#, "42") == [], "formats ignore non-strings")
    }
}
