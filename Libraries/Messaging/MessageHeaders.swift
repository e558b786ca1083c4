/// NATS message headers: ordered, multi-valued, names compared case-insensitively on lookup.
public struct MessageHeaders: Sendable, Equatable, ExpressibleByDictionaryLiteral, Sequence {
    public private(set) var fields: [(name: String, value: String)]

    public init() { fields = [] }

    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    public var isEmpty: Bool { fields.isEmpty }

    /// The first value of `name`, if any.
    public subscript(name: String) -> String? {
        get { fields.first { $0.name.caseInsensitiveEquals(name) }?.value }
        set {
            fields.removeAll { $0.name.caseInsensitiveEquals(name) }
            if let newValue { fields.append((name: name, value: newValue)) }
        }
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }

    /// Appends a value, keeping existing ones.
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    public mutating func reserveCapacity(_ count: Int) {
        fields.reserveCapacity(count)
    }

    /// Replaces the value of the last field (a folded header line continuing it).
    mutating func replaceLastValue(_ value: String) {
        fields[fields.count - 1].value = value
    }

    /// Appends another set's fields (names this one does not have: nothing is looked up or replaced).
    public mutating func add(contentsOf other: MessageHeaders) {
        fields += other.fields
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    public static func == (lhs: MessageHeaders, rhs: MessageHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        // Names are almost always looked up as they were sent: equal small strings compare as two words.
        self == other
            || utf8.count == other.utf8.count
                && zip(utf8, other.utf8).allSatisfy { a, b in
                    a == b || (a | 0x20 == b | 0x20 && (a | 0x20) >= 0x61 && (a | 0x20) <= 0x7A)
                }
    }
}
