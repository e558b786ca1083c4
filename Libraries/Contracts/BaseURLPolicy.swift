import Foundation
import Synchronization

/// Which upstream base URLs a credential may name: the operator's allow-list
/// (`PROXY_ALLOWED_BASE_URLS`) plus each provider's official hosts. Keeps credentials from
/// pointing the proxy into the cluster or at cloud metadata endpoints (SSRF).
public struct BaseURLPolicy: Sendable {
    struct Prefix: Sendable, Equatable {
        var scheme: String
        var host: String
        var port: Int
        var path: String
    }

    let prefixes: [Prefix]
    /// Verdicts given already: a credential's base URL is checked on every call it serves, and
    /// parsing it (`URLComponents`) is not free. Forgotten all at once past 1,024 URLs.
    private let verdicts = Verdicts()

    /// Parses the comma-separated prefixes `scheme://host[:port][/path]`; nil entry → the error text.
    public init(allowList: [String]) throws(BaseURLError) {
        prefixes = try allowList.map { entry throws(BaseURLError) in
            guard let prefix = Self.parse(entry), prefix.path.isEmpty || prefix.path.hasPrefix("/"),
                URLPathRules.escapeProblem(prefix.path) == nil
            else {
                throw BaseURLError("\"\(entry)\" is not a URL prefix like https://llm.internal:8443/v1")
            }
            return prefix
        }
    }

    /// Nil when `url` is allowed for `provider`, else why not.
    public func rejection(of url: String, for provider: ProviderID) -> String? {
        let key = Verdicts.Key(url: url, provider: provider)
        if let known = verdicts.state.withLock({ $0[key] }) { return known }
        let verdict = check(url, for: provider)
        verdicts.state.withLock { known in
            if known.count >= 1024 { known.removeAll() }
            known[key] = verdict
        }
        return verdict
    }

    private func check(_ url: String, for provider: ProviderID) -> String? {
        guard let candidate = Self.parse(url) else {
            return "must be an absolute http(s) URL without query or fragment"
        }
        if let problem = URLPathRules.escapeProblem(candidate.path) { return problem }
        if candidate.scheme == "https", candidate.port == 443,
            provider.facts.officialHosts.contains(where: { Self.host(candidate.host, matches: $0) })
        {
            return nil
        }
        for prefix in prefixes
        where prefix.scheme == candidate.scheme && prefix.host == candidate.host && prefix.port == candidate.port
            && Self.path(candidate.path, isUnder: prefix.path)
        {
            return nil
        }
        return "is not an official \(provider.service) endpoint and not in PROXY_ALLOWED_BASE_URLS"
    }

    static func parse(_ text: String) -> Prefix? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host?.lowercased(), !host.isEmpty,
            components.query == nil, components.fragment == nil, components.user == nil, components.password == nil
        else { return nil }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        return Prefix(scheme: scheme, host: host, port: components.port ?? (scheme == "https" ? 443 : 80), path: path)
    }

    static func host(_ host: String, matches pattern: String) -> Bool {
        if pattern.hasPrefix("*.") {
            let suffix = String(pattern.dropFirst(1))
            return host.hasSuffix(suffix) && host.count > suffix.count
        }
        return host == pattern
    }

    /// `/v1/x` is under `/v1` and under `` but not under `/v`.
    static func path(_ path: String, isUnder prefix: String) -> Bool {
        prefix.isEmpty || path == prefix || path.hasPrefix(prefix + "/")
    }
}

/// ``BaseURLPolicy``'s verdicts by URL and provider (nil inside: allowed).
private final class Verdicts: Sendable {
    struct Key: Hashable {
        var url: String
        var provider: ProviderID
    }

    let state = Mutex<[Key: String?]>([:])
}

public struct BaseURLError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
