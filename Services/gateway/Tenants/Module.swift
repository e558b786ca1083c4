/// A tenant's feature switch: a route of a disabled module answers 403.
enum Module: String, Codable, CaseIterable, Sendable {
    case content, flows, scenes, contact
    case mailingList = "mailing_list"
    case aiProxy = "ai_proxy"
    case users

    /// Parses a list from a request, naming the first unknown entry.
    static func parse(_ names: [String], field: String) throws -> [Module] {
        var modules: [Module] = []
        for name in names {
            guard let module = Module(rawValue: name) else {
                throw Problem.badRequest(
                    "`\(field)` has an unknown module \"\(name)\"; known: \(allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            if !modules.contains(module) { modules.append(module) }
        }
        return modules
    }
}
