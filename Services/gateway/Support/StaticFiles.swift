import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Files served from memory (the console's, Swagger UI's): read once at start-up, each sent with
/// its type, the given security headers and an `ETag`. The browser revalidates each time
/// (`no-cache`), so a new gateway's files are used at once.
struct StaticFiles: Sendable {
    struct File: Sendable {
        var bytes: ByteBuffer
        var contentType: String
        var etag: String
    }

    let files: [String: File]
    let headers: HTTPFields

    init(_ files: [String: Data], headers: HTTPFields) {
        var built: [String: File] = [:]
        for (name, data) in files {
            let digest = SHA256.hash(data: data).prefix(12).map { String(format: "%02x", $0) }.joined()
            built[name] = File(
                bytes: ByteBuffer(bytes: data), contentType: Self.contentType(name), etag: "\"\(digest)\"")
        }
        self.files = built
        self.headers = headers
    }

    /// The files of a folder of the gateway's resource bundle, by name.
    static func bundled(_ folder: String) -> [String: Data] {
        guard let directory = Bundle.module.url(forResource: folder, withExtension: nil) else { return [:] }
        return files(in: directory.path)
    }

    /// The files of a folder on disk (not its subfolders), by name.
    static func files(in directory: String, named names: [String]? = nil) -> [String: Data] {
        let names = names ?? (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var files: [String: Data] = [:]
        for name in names {
            if let data = FileManager.default.contents(atPath: "\(directory)/\(name)") { files[name] = data }
        }
        return files
    }

    /// A page's security headers: its `Content-Security-Policy` lets it load only from this origin,
    /// run no inline script and never be framed; `inlineStyles` allows `style` attributes (Swagger
    /// UI sets them).
    static func securityHeaders(inlineStyles: Bool = false) -> HTTPFields {
        let policy = [
            "default-src 'self'", "script-src 'self'",
            inlineStyles ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
            "img-src 'self' data:", "connect-src 'self'", "font-src 'self'", "object-src 'none'", "base-uri 'none'",
            "form-action 'self'", "frame-ancestors 'none'",
        ]
        return [
            HTTPField.Name("content-security-policy")!: policy.joined(separator: "; "),
            HTTPField.Name("x-frame-options")!: "DENY",
            HTTPField.Name("x-content-type-options")!: "nosniff",
            HTTPField.Name("referrer-policy")!: "no-referrer",
            HTTPField.Name("cross-origin-opener-policy")!: "same-origin",
        ]
    }

    static func contentType(_ name: String) -> String {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "woff2": "font/woff2"
        default: "text/plain; charset=utf-8"
        }
    }

    /// The file, or 304 when the browser's copy is current; 404 for a name it does not have.
    func response(for name: String, request: Request) throws -> Response {
        guard let file = files[name] else { throw Problem.notFound("no such file") }
        var headers = headers
        headers[.eTag] = file.etag
        headers[.cacheControl] = "no-cache"
        if request.headers[.ifNoneMatch] == file.etag { return Response(status: .notModified, headers: headers) }
        headers[.contentType] = file.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.bytes))
    }
}
