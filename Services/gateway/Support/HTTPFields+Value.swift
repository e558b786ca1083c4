import HTTPTypes

extension HTTPFields {
    /// The same as `self[name]`, without its cost when the field appears once (most requests):
    /// HTTPTypes' getter joins the values through a lazy sequence, ~0.3 µs a lookup, and a
    /// proxied call reads about ten. A field that appears more than once is joined as it would be.
    func value(_ name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            if found != nil { return self[name] }
            found = field.value
        }
        return found
    }
}
