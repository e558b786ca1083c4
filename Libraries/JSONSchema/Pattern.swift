import Foundation

/// A `pattern`, compiled once. `NSRegularExpression` is immutable and documented thread-safe;
/// Foundation declares it `Sendable`, so no unchecked conformance is needed.
///
/// ICU (behind `NSRegularExpression`) is not ECMA-262: its `\d` and `\w` also match non-ASCII
/// digits and letters, so they are rewritten to the ASCII classes ECMA-262 means.
struct Pattern: Sendable {
    var source: String
    var regex: NSRegularExpression

    init?(_ source: String) {
        guard let regex = try? NSRegularExpression(pattern: Self.asciiClasses(source)) else { return nil }
        self.source = source
        self.regex = regex
    }

    /// Unanchored search, as JSON Schema specifies: `^` and `$` anchor only when written.
    ///
    /// Returns nil when the search runs out of `budget`, which is charged with the time it took,
    /// so a backtracking pattern such as `^(a+)+$` cannot hold a validation for long.
    func matches(_ text: String, budget: inout Duration) -> Bool? {
        guard budget > .zero else { return nil }
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + budget
        var matched = false
        var timedOut = false
        let range = NSRange(location: 0, length: text.utf16.count)
        // `.reportProgress` makes ICU call back periodically during a long search, so it can be stopped.
        regex.enumerateMatches(in: text, options: .reportProgress, range: range) { match, _, stop in
            if match != nil {
                matched = true
                stop.pointee = true
            } else if clock.now >= deadline {
                timedOut = true
                stop.pointee = true
            }
        }
        budget -= clock.now - start
        return timedOut ? nil : matched
    }

    /// `\d`, `\D`, `\w` and `\W` spelled as ASCII sets (ICU nests sets, so this works inside `[...]` too).
    private static func asciiClasses(_ source: String) -> String {
        guard source.contains("\\") else { return source }
        var result = ""
        var escaping = false
        for character in source {
            guard escaping else {
                if character == "\\" { escaping = true } else { result.append(character) }
                continue
            }
            escaping = false
            switch character {
            case "d": result += "[0-9]"
            case "D": result += "[^0-9]"
            case "w": result += "[A-Za-z0-9_]"
            case "W": result += "[^A-Za-z0-9_]"
            default: result += "\\" + String(character)
            }
        }
        if escaping { result += "\\" }
        return result
    }
}
