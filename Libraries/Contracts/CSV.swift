import Foundation

/// CSV exports (usage, mailing list): RFC 4180 lines that a spreadsheet opens safely.
public enum CSV {
    /// One line: the fields escaped, joined by commas, ended by CRLF.
    public static func line(_ fields: [String]) -> String {
        fields.map(escape).joined(separator: ",") + "\r\n"
    }

    /// RFC 4180 quoting; a field a spreadsheet would run as a formula (a leading `=`, `+`, `-`, `@`,
    /// tab or carriage return, other than a number) gets a leading `'`.
    public static func escape(_ field: String) -> String {
        var field = field
        if let first = field.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(field) == nil {
            field = "'" + field
        }
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
