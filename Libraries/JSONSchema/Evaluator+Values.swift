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
            return pattern.matches(text)
                || fail("pattern", "must match pattern \(JSONValue.string(pattern.source).summary(limit: 80))")
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
            return Self.isMultiple(number, of: divisor)
                || fail("multipleOf", "must be a multiple of \(JSONValue.numberText(divisor))")
        default:
            return true
        }
    }

    /// Multiple-of with a relative tolerance, so `0.3` is a multiple of `0.1` despite binary floating point.
    private static func isMultiple(_ number: Double, of divisor: Double) -> Bool {
        let quotient = number / divisor
        guard quotient.isFinite else { return false }
        return abs(quotient - quotient.rounded()) <= 1e-9 * max(1, abs(quotient))
    }

    static func plural(_ count: Int, _ noun: String, _ plural: String? = nil) -> String {
        "\(count) \(count == 1 ? noun : plural ?? noun + "s")"
    }
}
