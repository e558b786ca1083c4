import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// `GET /console`: the admin web console, a single page of plain ES modules (`Console/assets`)
/// that calls this API like any client; and `/console/session`, where a console user's refresh
/// token lives in an HttpOnly, `SameSite=Strict` cookie instead of in the page (see docs/console.md).
///
/// Every file is read once at start-up and served from memory with a strict
/// `Content-Security-Policy`; nothing of the console runs on the model APIs' path.
struct ConsoleController: Sendable {
    let assets: StaticFiles
    let auth: AuthController
    let refreshLifetime: Duration

    static let cookie = "strongbox_console"
    static let cookiePath = "/console/session"

    /// The console's files: `Console/assets` from the gateway's resource bundle, and Chart.js from
    /// the path `CONSOLE_CHART_JS` names (Debian's `libjs-chart.js` by default).
    static func assets(chartJS: String, logger: Logger) -> StaticFiles {
        var files = StaticFiles.bundled("assets")
        if let chart = FileManager.default.contents(atPath: chartJS) {
            files["chart.js"] = chart
        } else {
            logger.warning(
                "Chart.js not found: the console shows its figures without charts (install libjs-chart.js)",
                metadata: ["path": "\(chartJS)"])
        }
        if files["index.html"] == nil { logger.error("the console's files are missing from the gateway's bundle") }
        return StaticFiles(files, headers: StaticFiles.securityHeaders())
    }

    func register(on api: API) {
        let tag = "Console"
        api.add(
            Operation(
                method: .get, path: "/console", tag: tag, summary: "The admin web console", access: .infrastructure,
                success: .init(
                    status: 200, description: "The console's page", schema: .string(), contentType: "text/html")
            )
        ) { request, _ in try assets.response(for: "index.html", request: request) }
        api.add(
            Operation(
                method: .get, path: "/console/assets/{file}", tag: tag,
                summary: "A script, style sheet or image of the console (Chart.js included)", access: .infrastructure,
                success: .init(status: 200, description: "The file", schema: .string(), contentType: "*/*"),
                errors: [304: "Not modified (the ETag matched)"])
        ) { request, context in
            try assets.response(for: try context.parameters.require("file"), request: request)
        }
        api.add(
            Operation(
                method: .post, path: "/console/session", tag: tag,
                summary: "Sign a tenant user in to the console (the refresh token goes into an HttpOnly cookie)",
                access: .anonymous,
                body: .object(
                    [
                        ("identifier", .string(description: "Email or username")), ("password", .string()),
                        ("tenant", .string(description: "The tenant's slug")),
                    ], required: ["identifier", "password", "tenant"]),
                success: .init(status: 200, description: "Signed in", schema: .ref("ConsoleSession")),
                errors: [401: "Wrong identifier, password or tenant", 403: "The tenant's users module is disabled"]),
            signIn)
        api.add(
            Operation(
                method: .post, path: "/console/session/refresh", tag: tag,
                summary: "A new access token for the console's cookie (the cookie's refresh token rotates)",
                access: .anonymous,
                success: .init(status: 200, description: "New access token", schema: .ref("ConsoleSession")),
                errors: [
                    401: "No cookie, or its session is expired or revoked",
                    403: "Sent from another site (Sec-Fetch-Site)",
                ]), refresh)
        api.add(
            Operation(
                method: .delete, path: "/console/session", tag: tag,
                summary: "Sign out of the console: revokes the cookie's session and clears the cookie",
                access: .anonymous, success: .init(status: 204, description: "Signed out"),
                errors: [403: "Sent from another site (Sec-Fetch-Site)"]), signOut)
    }

    /// What the page gets: never the refresh token.
    struct Session: Encodable {
        var user: User
        var accessToken: String
        var tokenType = "Bearer"
        var expiresIn: Int

        init(_ tokens: AuthController.SessionTokens) {
            user = tokens.user
            accessToken = tokens.accessToken
            expiresIn = tokens.expiresIn
        }
    }

    @Sendable func signIn(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        try Self.requireSameSite(request)
        let tokens = try await auth.signIn(try await request.decodeBody(AuthController.Login.self, context: context))
        return try answer(tokens, request: request)
    }

    @Sendable func refresh(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        try Self.requireSameSite(request)
        guard let token = request.cookies[Self.cookie]?.value, !token.isEmpty else {
            throw Problem.unauthorized("not signed in to the console")
        }
        do {
            return try answer(try await auth.rotate(token), request: request)
        } catch let problem as Problem where problem.status == .unauthorized || problem.status == .forbidden {
            var response = problem.response(requestID: context.requestID)
            response.setCookie(cookie("", maxAge: 0, request: request))
            return response
        }
    }

    @Sendable func signOut(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        try Self.requireSameSite(request)
        if let token = request.cookies[Self.cookie]?.value, !token.isEmpty {
            // Already ended elsewhere (a reset password, a reused token): signed out all the same.
            try? await auth.signOut(token)
        }
        var response = Response.noContent()
        response.setCookie(cookie("", maxAge: 0, request: request))
        return response
    }

    private func answer(_ tokens: AuthController.SessionTokens, request: Request) throws -> Response {
        var response = try Response.json(Session(tokens), headers: [.cacheControl: "no-store"])
        response.setCookie(
            cookie(tokens.refreshToken, maxAge: Int(refreshLifetime.components.seconds), request: request))
        return response
    }

    /// `HttpOnly; SameSite=Strict`, scoped to `/console/session`, and `Secure` unless the console is
    /// served over plain HTTP on loopback (development), where browsers would drop a secure cookie.
    private func cookie(_ value: String, maxAge: Int, request: Request) -> Cookie {
        Cookie(
            name: Self.cookie, value: value, maxAge: maxAge, path: Self.cookiePath,
            secure: !Self.isLoopbackHTTP(request), httpOnly: true, sameSite: .strict)
    }

    static func isLoopbackHTTP(_ request: Request) -> Bool {
        if request.headers[HTTPField.Name("x-forwarded-proto")!] == "https" { return false }
        guard let authority = request.head.authority else { return false }
        let host =
            authority.hasPrefix("[")
            ? String(authority.prefix { $0 != "]" }) + "]" : String(authority.prefix { $0 != ":" })
        return host == "localhost" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// The cookie is `SameSite=Strict` already; a browser that says the request came from another
    /// site is refused as well (older browsers ignore `SameSite`).
    static func requireSameSite(_ request: Request) throws {
        if let site = request.headers[HTTPField.Name("sec-fetch-site")!], site != "same-origin", site != "none" {
            throw Problem.forbidden("the console's session routes answer the console's own page only")
        }
    }
}
