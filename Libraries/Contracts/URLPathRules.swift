/// What a path a client or a credential names may hold before the proxy puts it in an upstream
/// URL: nothing that moves the request off the path it seems to name. Dot segments (`.`, `..`)
/// and encoded dots, slashes and backslashes (`%2e`, `%2f`, `%5c`, any case) would let
/// `https://allowed.host/openai/../admin` or `path: "/%2e%2e/admin"` leave an allow-listed path.
public enum URLPathRules {
    /// The longest `path` a proxied call may name.
    public static let maximumPathLength = 512

    /// Nil when a percent-encoded URL path has no dot segment and no encoded `.`, `/` or `\`;
    /// else what it has. One pass over the bytes (it runs on every proxied call).
    public static func escapeProblem(_ path: some StringProtocol) -> String? {
        let bytes = Array(path.utf8)
        var segmentStart = 0
        for index in 0...bytes.count {
            if index == bytes.count || bytes[index] == UInt8(ascii: "/") {
                let length = index - segmentStart
                if (1...2).contains(length) && bytes[segmentStart..<index].allSatisfy({ $0 == UInt8(ascii: ".") }) {
                    return "must not contain `.` or `..` segments"
                }
                segmentStart = index + 1
                continue
            }
            switch bytes[index] {
            case UInt8(ascii: "\\"):
                return encodedProblem
            case UInt8(ascii: "%") where index + 2 < bytes.count:
                let high = bytes[index + 1]
                let low = bytes[index + 2] | 0x20  // lowercase
                if (high == UInt8(ascii: "2") && (low == UInt8(ascii: "e") || low == UInt8(ascii: "f")))
                    || (high == UInt8(ascii: "5") && low == UInt8(ascii: "c"))
                {
                    return encodedProblem
                }
            default:
                break
            }
        }
        return nil
    }

    private static let encodedProblem = "must not contain `\\`, or `.`, `/` or `\\` percent-encoded"

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
        let bytes = path.utf8
        guard bytes.first == UInt8(ascii: "/"), bytes.dropFirst().first != UInt8(ascii: "/") else {
            return "must be an absolute path like /v1/chat/completions"
        }
        guard bytes.count <= maximumPathLength else { return "must be at most \(maximumPathLength) characters" }
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return "must be printable ASCII without spaces or line breaks"
        }
        // A byte search: matching `://` at every index took ~1.5 µs of each proxied call.
        guard !bytes.contains(UInt8(ascii: "@")), !bytes.contains(UInt8(ascii: "#")), !bytes.contains(utf8: "://")
        else {
            return "must be a path, without a scheme, an authority or a fragment"
        }
        let query = path.firstIndex(of: "?") ?? path.endIndex
        return escapeProblem(path[..<query])
    }
}
