import Contracts
import Foundation
import Hummingbird
import Logging

/// `GET /openapi.json` (the document built from the registered routes) and `GET /docs` (Swagger UI,
/// every file of it served by the gateway: the product runs in closed networks).
struct DocsController: Sendable {
    let files: StaticFiles

    /// The page and its script from the gateway's bundle (`API/docs`), Swagger UI's files from
    /// `SWAGGER_UI_DIR`.
    static func files(swaggerUI: String, logger: Logger) -> StaticFiles {
        var files = StaticFiles.bundled("docs")
        let swagger = StaticFiles.files(in: swaggerUI, named: ["swagger-ui-bundle.js", "swagger-ui.css"])
        if swagger.count < 2 {
            logger.warning(
                "Swagger UI not found: /docs links to /openapi.json instead (run scripts/swagger-ui.sh)",
                metadata: ["path": "\(swaggerUI)"])
        }
        files.merge(swagger) { $1 }
        // Swagger UI sets inline styles and shows inline SVG images; it runs no inline script.
        return StaticFiles(files, headers: StaticFiles.securityHeaders(inlineStyles: true))
    }

    func register(on api: API) {
        let document = api.encodedDocument
        api.add(
            Operation(
                method: .get, path: "/openapi.json", tag: "Operations", summary: "This API's OpenAPI 3.1 document",
                access: .infrastructure,
                success: .init(status: 200, description: "The document", schema: .anyObject))
        ) { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: document.bytes)))
        }
        api.add(
            Operation(
                method: .get, path: "/docs", tag: "Operations", summary: "Swagger UI for this API",
                access: .infrastructure,
                success: .init(status: 200, description: "An HTML page", schema: .string(), contentType: "text/html"))
        ) { request, _ in try files.response(for: "index.html", request: request) }
        api.add(
            Operation(
                method: .get, path: "/docs/assets/{file}", tag: "Operations",
                summary: "A script or style sheet of /docs (Swagger UI's, served by the gateway)",
                access: .infrastructure,
                success: .init(status: 200, description: "The file", schema: .string(), contentType: "*/*"),
                errors: [304: "Not modified (the ETag matched)"])
        ) { request, context in
            try files.response(for: try context.parameters.require("file"), request: request)
        }
    }
}
