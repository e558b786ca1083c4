import Contracts
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Messaging
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

    /// A 200 answer (errors are not cached).
    struct Entry: Sendable {
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

/// What the content-backed controllers share: forwarding that drops this instance's cached
/// public answers after a change, and serving public answers from the cache with ETag,
/// `If-None-Match` → 304 and `Cache-Control`.
struct PublicContent: Sendable {
    let client: ContentClient
    let authenticator: Authenticator
    let cache: PublicResponseCache

    /// Forwards; a change that succeeded drops this instance's public answers of the tenant at
    /// once (the others hear of it from the content service), so a writer reads its own write.
    func forward(
        _ subject: String, _ request: Request, _ context: GatewayRequestContext, id: Bool = false,
        key: String? = nil, body: Bool = false
    ) async throws -> Response {
        let response = try await client.forward(subject, request, context, id: id, key: key, body: body)
        if request.method != .get, response.status.kind == .successful, let tenant = try? context.tenant {
            cache.evictTenant(tenant.id)
        }
        return response
    }

    /// A public answer (no key) of the tenant named by `{tenantSlug}`, from the cache or the
    /// content service; `key` goes to the service as `Resource-Key`.
    func serve(
        _ request: Request, _ context: GatewayRequestContext, module: Module, subject: String, key: String
    ) async throws -> Response {
        let tenant = try await authenticator.publicTenant(context, module: module)
        let cacheKey = PublicResponseCache.Key(tenant: tenant.id, target: request.uri.description)
        let entry = try await cache.entries.value(cacheKey) {
            let reply = try await client.public(subject, request, context, tenant: tenant, key: key)
            return PublicResponseCache.Entry(
                contentType: try ContentClient.head(reply).contentType,
                body: reply.payload, etag: PublicResponseCache.etag(reply.payload))
        }
        guard let entry else { throw Problem.notFound() }
        var headers: HTTPFields = [
            .eTag: entry.etag, .cacheControl: "public, max-age=\(cache.maxAge)", .contentType: entry.contentType,
        ]
        if let ifNoneMatch = request.headers[.ifNoneMatch], PublicResponseCache.matches(ifNoneMatch, entry.etag) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: entry.body)))
    }
}
