import Contracts

// MARK: - Strings and numbers

extension Evaluator {
    mutating func checkString(_ check: Check, _ text: String) -> Bool {
        switch check {
        case .minLength(let minimum):
            return Self.length(of: text, exceeds: minimum - 1)
                || fail("minLength", "must be at least \(Self.plural(minimum, "character"))")
        case .maxLength(let maximum):
            return !Self.length(of: text, exceeds: maximum)
                || fail("maxLength", "must be at most \(Self.plural(maximum, "character"))")
        case .pattern(let pattern):
            let shown = JSONValue.string(pattern.source).summary(limit: 80)
            switch pattern.matches(text, budget: &patternBudget) {
            case true?: return true
            case false?: return fail("pattern", "must match pattern \(shown)")
            case nil: return fail("pattern", "could not be checked against pattern \(shown) in time")
            }
        case .format(let format):
            return format.accepts(text) || fail("format", "must be \(format.phrase)")
        default:
            return true
        }
    }

    /// Whether `text` has more than `count` code points (the spec's length), without counting all of a long string.
    private static func length(of text: String, exceeds count: Int) -> Bool {
        let bytes = text.utf8.count
        if bytes <= count { return false }
        // A code point takes at most four bytes in UTF-8.
        if bytes > count * 4 { return true }
        var seen = 0
        for _ in text.unicodeScalars {
            seen += 1
            if seen > count { return true }
        }
        return false
    }

    mutating func checkNumber(_ check: Check, _ number: Double) -> Bool {
        switch check {
        case .minimum(let bound):
            return number >= bound || fail("minimum", "must be >= \(JSONValue.numberText(bound))")
        case .maximum(let bound):
            return number <= bound || fail("maximum", "must be <= \(JSONValue.numberText(bound))")
        case .exclusiveMinimum(let bound):
            return number > bound || fail("exclusiveMinimum", "must be > \(JSONValue.numberText(bound))")
        case .exclusiveMaximum(let bound):
            return number < bound || fail("exclusiveMaximum", "must be < \(JSONValue.numberText(bound))")
        case .multipleOf(let divisor):
            return number.isMultiple(ofDecimal: divisor)
                || fail("multipleOf", "must be a multiple of \(JSONValue.numberText(divisor))")
        default:
            return true
        }
    }

    static func plural(_ count: Int, _ noun: String, _ plural: String? = nil) -> String {
        "\(count) \(count == 1 ? noun : plural ?? noun + "s")"
    }
}
