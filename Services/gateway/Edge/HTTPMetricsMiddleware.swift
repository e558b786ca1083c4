import Dispatch
import HTTPTypes
import Hummingbird
import Metrics
import Synchronization

/// The gateway's per-route HTTP series, as Hummingbird's `MetricsMiddleware` names them (`hb_requests`,
/// `hb_request_errors`, `http_server_request_duration`, `http_server_active_requests`),
/// without its cost on every answer: Hummingbird's middleware wraps each body in a closure to
/// time the write, which turns a whole answer (head, body and end written and flushed at once)
/// into three writes. An answer of known length is timed when it is ready; a streamed one (no
/// length) when its last byte is written, as before.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let series = HTTPSeries()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = DispatchTime.now().uptimeNanoseconds
        let active = series.active(request.method)
        active.increment()
        do {
            var response = try await next(request, context)
            let route = series.route(context.endpointPath ?? "Unknown", request.method, response.status)
            guard response.body.contentLength == nil else {
                route.record(since: start)
                active.decrement()
                return response
            }
            let body = response.body
            response.body = ResponseBody { writer in
                defer {
                    route.record(since: start)
                    active.decrement()
                }
                try await body.write(writer)
            }
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let route = series.route(context.endpointPath ?? "NotFound", request.method, status)
            route.requests.increment()
            route.errors.increment()
            active.decrement()
            throw error
        }
    }
}

/// The series, made once per method and per route, method and status.
private final class HTTPSeries: Sendable {
    struct Key: Hashable {
        var path: String
        var method: HTTPRequest.Method
        var status: Int
    }

    struct Route: Sendable {
        let requests: Counter
        let duration: Timer
        let errors: Counter

        init(_ key: Key) {
            let route = [("http.route", key.path), ("http.request.method", key.method.rawValue)]
            let dimensions = route + [("http.response.status_code", String(key.status))]
            requests = Counter(label: "hb.requests", dimensions: dimensions)
            duration = Timer(
                label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds)
            errors = Counter(label: "hb.request.errors", dimensions: route + [("error.type", String(key.status))])
        }

        func record(since start: UInt64) {
            requests.increment()
            duration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
        }
    }

    private let routes = Mutex<[Key: Route]>([:])
    private let methods = Mutex<[HTTPRequest.Method: Meter]>([:])

    func route(_ path: String, _ method: HTTPRequest.Method, _ status: HTTPResponse.Status) -> Route {
        let key = Key(path: path, method: method, status: status.code)
        return routes.withLock { routes in
            if let found = routes[key] { return found }
            let made = Route(key)
            routes[key] = made
            return made
        }
    }

    func active(_ method: HTTPRequest.Method) -> Meter {
        methods.withLock { methods in
            if let found = methods[method] { return found }
            let made = Meter(
                label: "http.server.active_requests", dimensions: [("http.request.method", method.rawValue)])
            methods[method] = made
            return made
        }
    }
}
