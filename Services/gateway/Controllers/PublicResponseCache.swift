import Crypto
import Foundation
import ServiceKit

/// Answers of the public routes (published, public content; public scenes), kept per tenant and
/// URL so a popular page costs no NATS round trip. The content service announces every change
/// to what these routes serve (``ContentEvents/publicChanged``) and every gateway drops the
/// tenant's entries; the lifetime is the backstop if an announcement is lost.
final class PublicResponseCache: Sendable {
    struct Key: Hashable, Sendable {
        var tenant: UUID
        /// Path and query, as the client sent them.
        var target: String
    }

    struct Entry: Sendable {
        var status: Int
        var contentType: String
        var body: [UInt8]
        /// A strong validator: a digest of the body.
        var etag: String
    }

    let entries: InvalidatingCache<Key, Entry>
    /// Seconds clients may keep an answer (`Cache-Control: public, max-age=`).
    let maxAge: Int

    init(maxAge: Int) {
        self.maxAge = maxAge
        entries = InvalidatingCache(lifetime: .seconds(maxAge), capacity: 20_000)
    }

    func evictTenant(_ id: UUID) {
        entries.evictAll { key, _ in key.tenant == id }
    }

    static func etag(_ body: [UInt8]) -> String {
        let digest = SHA256.hash(data: body)
        return "\"" + digest.prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
    }

    /// Whether an `If-None-Match` header value names `etag` (weak comparison, as RFC 9110 asks for GET).
    static func matches(_ ifNoneMatch: String, _ etag: String) -> Bool {
        ifNoneMatch.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == etag
        }
    }
}
