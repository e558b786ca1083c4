/// What a path a client or a credential names may hold before the proxy puts it in an upstream
/// URL: nothing that moves the request off the path it seems to name. Dot segments (`.`, `..`)
/// and encoded dots, slashes and backslashes (`%2e`, `%2f`, `%5c`, any case) would let
/// `https://allowed.host/openai/../admin` or `path: "/%2e%2e/admin"` leave an allow-listed path.
public enum URLPathRules {
    /// The longest `path` a proxied call may name.
    public static let maximumPathLength = 512

    /// Nil when a percent-encoded URL path has no dot segment and no encoded `.`, `/` or `\`;
    /// else what it has.
    public static func escapeProblem(_ path: some StringProtocol) -> String? {
        if path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." }) {
            return "must not contain `.` or `..` segments"
        }
        let lowered = path.lowercased()
        if ["%2e", "%2f", "%5c"].contains(where: { lowered.contains($0) }) || path.contains("\\") {
            return "must not contain `\\`, or `.`, `/` or `\\` percent-encoded"
        }
        return nil
    }

    /// Whether `text` can stand as one path segment or query value it did not write itself (an
    /// Azure deployment, an API version): 1 to 128 letters, digits, `.`, `_` or `-`, and not `.` or
    /// `..`. Anything else could add segments, a query or a fragment to the upstream URL.
    public static func isPlainSegment(_ text: some StringProtocol) -> Bool {
        (1...128).contains(text.utf8.count) && text != "." && text != ".."
            && text.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }

    /// Nil when `path` may name a provider endpoint (`/proxy/{service}`'s `path`), else what is
    /// wrong: `/`-rooted, at most 512 printable ASCII characters (no spaces, no CR or LF), no scheme
    /// or authority, and no escape from the path (``escapeProblem(_:)``) before its query.
    public static func providerPathProblem(_ path: String) -> String? {
        guard path.hasPrefix("/"), !path.hasPrefix("//") else {
            return "must be an absolute path like /v1/chat/completions"
        }
        guard path.utf8.count <= maximumPathLength else { return "must be at most \(maximumPathLength) characters" }
        guard path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return "must be printable ASCII without spaces or line breaks"
        }
        guard !path.contains("@"), !path.contains("://"), !path.contains("#") else {
            return "must be a path, without a scheme, an authority or a fragment"
        }
        return escapeProblem(path.prefix { $0 != "?" })
    }
}
