import Contracts
import Foundation
import Hummingbird

/// `GET /openapi.json` (the document built from the registered routes) and `GET /docs` (Swagger UI).
struct DocsController: Sendable {
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
        ) { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: Self.page)))
        }
    }

    /// Swagger UI from its CDN, pointed at `/openapi.json`.
    static let page = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>Strongbox API</title>
          <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
        </head>
        <body>
          <div id="swagger-ui"></div>
          <script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
          <script>
            window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
          </script>
        </body>
        </html>
        """
}
