import Foundation
import Messaging
import PostgresNIO
import TestSupport
import Testing

@Suite("Users and sessions")
struct SessionTests {
    @Test("register, log in by email or username, /auth/me")
    func registerAndLogin() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant("Shop")
            let session = try await gateway.register("bob", key: tenant.key)
            let user = try #require(session["user"] as? [String: Any])
            #expect(user["role"] as? String == "user")
            #expect(user["email"] as? String == "bob@example.com")
            #expect(session["tokenType"] as? String == "Bearer")
            #expect(session["expiresIn"] as? Int == 900)

            for identifier in ["bob", "BOB@example.com"] {
                let login = try await gateway.http.post(
                    "/auth/login",
                    json: ["identifier": identifier, "password": "correct horse battery", "tenant": "shop"])
                #expect(login.status == 200, "\(identifier)")
                let token = try #require(login.json["accessToken"] as? String)
                let me = try await gateway.http.get("/auth/me", headers: ["Authorization": "Bearer \(token)"])
                #expect((me.json["user"] as? [String: Any])?["username"] as? String == "bob")
                #expect((me.json["tenant"] as? [String: Any])?["slug"] as? String == "shop")
            }
            for (identifier, password, tenantSlug) in [
                ("bob", "wrong password", "shop"), ("nobody", "correct horse battery", "shop"),
                ("bob", "correct horse battery", "other-shop"),
            ] {
                let login = try await gateway.http.post(
                    "/auth/login", json: ["identifier": identifier, "password": password, "tenant": tenantSlug])
                #expect(login.status == 401)
                #expect(
                    login.json["detail"] as? String == "wrong identifier, password or tenant",
                    "the same answer every time")
            }
        }
    }

    @Test("registration: the tenant comes from the key; duplicates and weak input refused")
    func registrationRules() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant()
            let proxy = try await gateway.createKey("proxy", adminKey: tenant.key)
            let readonly = try await gateway.createKey("readonly", adminKey: tenant.key)
            _ = try await gateway.register("carol", key: proxy.key)
            let cases: [([String: Any], Int)] = [
                (["email": "carol@example.com", "username": "carol2", "password": "long enough"], 409),
                (["email": "c3@example.com", "username": "carol", "password": "long enough"], 409),
                (["email": "not-an-email", "username": "dave", "password": "long enough"], 400),
                (["email": "d@example.com", "username": "d", "password": "long enough"], 400),
                (["email": "d@example.com", "username": "dave", "password": "short"], 400),
                (["email": "d@example.com", "username": "dave", "password": String(repeating: "x", count: 73)], 400),
                (["email": "d@example.com", "username": "dave", "password": "long enough", "tenant": "x"], 400),
                (["email": "d@example.com", "username": "dave", "password": "long enough", "role": "admin"], 400),
            ]
            for (body, status) in cases {
                let response = try await gateway.http.post(
                    "/auth/register", json: body, headers: ["x-api-key": tenant.key])
                #expect(response.status == status, "\(body): \(response.text)")
            }
            let byReadonly = try await gateway.http.post(
                "/auth/register", json: ["email": "e@example.com", "username": "erin", "password": "long enough"],
                headers: ["x-api-key": readonly.key])
            #expect(byReadonly.status == 403)
        }
    }

    @Test("refresh rotates; reusing a rotated token revokes the whole session family")
    func refreshRotation() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant()
            let session = try await gateway.register("frank", key: tenant.key)
            let first = try #require(session["refreshToken"] as? String)

            let rotated = try await gateway.http.post("/auth/refresh", json: ["refreshToken": first])
            #expect(rotated.status == 200)
            let second = try #require(rotated.json["refreshToken"] as? String)
            #expect(second != first)
            let secondRotation = try await gateway.http.post("/auth/refresh", json: ["refreshToken": second])
            let third = try #require(secondRotation.json["refreshToken"] as? String)

            // An attacker replays the first token: refused, and the family dies with it.
            let replay = try await gateway.http.post("/auth/refresh", json: ["refreshToken": first])
            #expect(replay.status == 401)
            #expect((replay.json["detail"] as? String)?.contains("already used") == true)
            #expect(try await gateway.http.post("/auth/refresh", json: ["refreshToken": third]).status == 401)

            // Another session of the same user is untouched.
            let login = try await gateway.http.post(
                "/auth/login",
                json: ["identifier": "frank", "password": "correct horse battery", "tenant": tenant.slug])
            let other = try #require(login.json["refreshToken"] as? String)
            #expect(try await gateway.http.post("/auth/refresh", json: ["refreshToken": other]).status == 200)
            #expect(try await gateway.http.post("/auth/refresh", json: ["refreshToken": "rt_unknown"]).status == 401)
        }
    }

    @Test("logout ends the session's refresh tokens")
    func logout() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant()
            let session = try await gateway.register("gina", key: tenant.key)
            let refresh = try #require(session["refreshToken"] as? String)
            #expect(try await gateway.http.post("/auth/logout", json: ["refreshToken": refresh]).status == 204)
            #expect(try await gateway.http.post("/auth/refresh", json: ["refreshToken": refresh]).status == 401)
            #expect(try await gateway.http.post("/auth/logout", json: ["refreshToken": "rt_nope"]).status == 401)
        }
    }

    @Test("password reset: 202 either way, a single-use token in a MAIL event, all sessions end")
    func passwordReset() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant()
            let session = try await gateway.register("hank", key: tenant.key)
            let oldRefresh = try #require(session["refreshToken"] as? String)
            let mailer = try await gateway.cluster.connect(as: "operator")
            try await mailer.jetStream.ensureConsumer(stream: "MAIL", ConsumerConfig(durableName: "mailer"))
            let consumer = try await mailer.jetStream.pullConsumer(
                stream: "MAIL", durable: "mailer", subject: "mail.events.>")

            let unknown = try await gateway.http.post(
                "/auth/reset-password/request", json: ["identifier": "nobody", "tenant": tenant.slug])
            #expect(unknown.status == 202)
            let known = try await gateway.http.post(
                "/auth/reset-password/request", json: ["identifier": "hank@example.com", "tenant": tenant.slug])
            #expect(known.status == 202)
            #expect(known.text == unknown.text, "no user enumeration")

            // The mail goes out in the background: wait for it (a loaded machine may take seconds),
            // then make sure no second one follows.
            var events: [JetStreamMessage] = []
            for _ in 0..<20 where events.isEmpty { events = try await consumer.fetch(batch: 10, timeout: .seconds(1)) }
            events += try await consumer.fetch(batch: 10, timeout: .milliseconds(500))
            #expect(events.count == 1, "one event, for the user who exists")
            let first = try #require(events.first)
            let event = try #require(try JSONSerialization.jsonObject(with: Data(first.payload)) as? [String: Any])
            #expect(event["type"] as? String == "password-reset")
            #expect(event["email"] as? String == "hank@example.com")
            let token = try #require(event["token"] as? String)

            let weak = try await gateway.http.post(
                "/auth/reset-password/confirm", json: ["token": token, "password": "short"])
            #expect(weak.status == 400)
            let confirmed = try await gateway.http.post(
                "/auth/reset-password/confirm", json: ["token": token, "password": "a brand new secret"])
            #expect(confirmed.status == 204)
            let again = try await gateway.http.post(
                "/auth/reset-password/confirm", json: ["token": token, "password": "another new secret"])
            #expect(again.status == 400, "single use")
            #expect(try await gateway.http.post("/auth/refresh", json: ["refreshToken": oldRefresh]).status == 401)
            let old = try await gateway.http.post(
                "/auth/login", json: ["identifier": "hank", "password": "correct horse battery", "tenant": tenant.slug])
            #expect(old.status == 401)
            let new = try await gateway.http.post(
                "/auth/login", json: ["identifier": "hank", "password": "a brand new secret", "tenant": tenant.slug])
            #expect(new.status == 200)
        }
    }

    @Test(
        "a role or module change, a deletion or the users module switched off ends a user's sessions at once on the gateway that made it, and within moments on every other"
    )
    func sessionsEndWithChanges() async throws {
        try await TestGateway.run(instances: 2) { gateway in
            let tenant = try await gateway.createTenant()
            let admin = ["x-api-key": tenant.key]
            func signIn(_ name: String) async throws -> (id: String, bearer: [String: String], refresh: String) {
                let session = try await gateway.register(name, key: tenant.key)
                return (
                    try #require((session["user"] as? [String: Any])?["id"] as? String),
                    ["Authorization": "Bearer \(try #require(session["accessToken"] as? String))"],
                    try #require(session["refreshToken"] as? String)
                )
            }
            // Warm both gateways' caches with each session first.
            func works(_ bearer: [String: String]) async throws -> [Int] {
                var statuses: [Int] = []
                for instance in gateway.instances {
                    statuses.append(try await instance.get("/user/settings", headers: bearer).status)
                }
                return statuses
            }
            // The other instance hears of a change by a NATS event (CacheInvalidator): look again
            // until it has (counted looks, 2 s at most on an idle machine; it takes milliseconds).
            func settled(_ bearer: [String: String], _ expected: [Int]) async throws -> [Int] {
                var statuses = try await works(bearer)
                for _ in 0..<100 where statuses != expected {
                    try await Task.sleep(for: .milliseconds(20))
                    statuses = try await works(bearer)
                }
                return statuses
            }
            let moderator = try await signIn("mod")
            #expect(
                try await gateway.http.patch("/users/\(moderator.id)", json: ["role": "moderator"], headers: admin)
                    .status == 200)
            let promoted = try await gateway.http.post(
                "/auth/login", json: ["identifier": "mod", "password": "correct horse battery", "tenant": tenant.slug])
            let moderatorBearer = ["Authorization": "Bearer \(try #require(promoted.json["accessToken"] as? String))"]
            #expect(try await gateway.instances[1].get("/users", headers: moderatorBearer).status == 200)
            let narrowed = try await signIn("narrow")
            let doomed = try await signIn("doomed")
            for bearer in [moderatorBearer, narrowed.bearer, doomed.bearer] {
                #expect(try await works(bearer) == [200, 200])
            }

            // Demoted (through the first gateway): it refuses the token at once, the second as soon
            // as it hears.
            #expect(
                try await gateway.http.patch("/users/\(moderator.id)", json: ["role": "user"], headers: admin).status
                    == 200)
            #expect(try await gateway.http.get("/users", headers: moderatorBearer).status == 401)
            var demoted = try await gateway.instances[1].get("/users", headers: moderatorBearer)
            for _ in 0..<100 where demoted.status != 401 {
                try await Task.sleep(for: .milliseconds(20))
                demoted = try await gateway.instances[1].get("/users", headers: moderatorBearer)
            }
            #expect(demoted.status == 401, "\(demoted.text)")
            #expect(demoted.json["detail"] as? String == "the session has ended; sign in again")
            // The user's own modules narrowed; deleted.
            #expect(
                try await gateway.http.patch("/users/\(narrowed.id)", json: ["modules": ["content"]], headers: admin)
                    .status == 200)
            #expect(try await gateway.http.delete("/users/\(doomed.id)", headers: admin).status == 204)
            for bearer in [narrowed.bearer, doomed.bearer] {
                #expect(try await settled(bearer, [401, 401]) == [401, 401])
            }
            #expect(
                try await gateway.http.post("/auth/refresh", json: ["refreshToken": narrowed.refresh]).status == 401)
            // A PATCH that changes neither role nor modules ends nothing.
            let kept = try await signIn("kept")
            #expect(
                try await gateway.http.patch(
                    "/users/\(kept.id)", json: ["bio": "still here", "role": "user"], headers: admin
                ).status == 200)
            #expect(try await works(kept.bearer) == [200, 200])

            // The tenant switches its users module off: tokens and refresh stop working.
            let modules = ["content", "flows", "scenes", "contact", "mailing_list", "ai_proxy"]
            #expect(
                try await gateway.http.patch(
                    "/tenants/\(tenant.id)", json: ["modules": modules], headers: gateway.adminHeaders
                ).status == 200)
            #expect(try await settled(kept.bearer, [403, 403]) == [403, 403])
            let refresh = try await gateway.http.post("/auth/refresh", json: ["refreshToken": kept.refresh])
            #expect(refresh.status == 403, "\(refresh.text)")
        }
    }

    @Test(
        "password resets: a new one voids the earlier ones, a completed one all others; the request answers the same way, at once, whether or not the account exists"
    )
    func resetTokens() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant()
            _ = try await gateway.register("rita", key: tenant.key)
            let mailer = try await gateway.cluster.connect(as: "operator")
            try await mailer.jetStream.ensureConsumer(stream: "MAIL", ConsumerConfig(durableName: "resets"))
            let consumer = try await mailer.jetStream.pullConsumer(
                stream: "MAIL", durable: "resets", subject: "mail.events.>")
            func nextToken() async throws -> String {
                for _ in 0..<20 {
                    if let message = try await consumer.fetch(batch: 1, timeout: .milliseconds(500)).first {
                        try message.ack()
                        let event = try JSONSerialization.jsonObject(with: Data(message.payload)) as? [String: Any]
                        return try #require(event?["token"] as? String)
                    }
                }
                throw TestInfrastructureError("no reset mail")
            }
            func request(_ identifier: String) async throws -> HTTPTestClient.Response {
                try await gateway.http.post(
                    "/auth/reset-password/request", json: ["identifier": identifier, "tenant": tenant.slug])
            }
            func confirm(_ token: String) async throws -> Int {
                try await gateway.http.post(
                    "/auth/reset-password/confirm",
                    json: ["token": token, "password": "a new password \(token.suffix(4))"]
                ).status
            }
            #expect(try await request("rita").status == 202)
            let first = try await nextToken()
            #expect(try await request("rita").status == 202)
            let second = try await nextToken()
            #expect(try await request("rita").status == 202)
            let third = try await nextToken()
            #expect(try await confirm(first) == 400, "a newer request voided it")
            #expect(try await confirm(third) == 204)
            #expect(try await confirm(second) == 400)

            // The request does the same work for an account that exists and one that does not: with
            // the reset table locked, both still answer at once (the lookup and the token come after).
            try await gateway.database.withTransaction(logger: gateway.logs.logger(label: "lock")) { connection in
                try await connection.query("LOCK TABLE gateway.password_resets IN ACCESS EXCLUSIVE MODE")
                for identifier in ["rita", "nobody-at-all"] {
                    let started = ContinuousClock.now
                    let answer = try await request(identifier)
                    #expect(answer.status == 202)
                    #expect(
                        ContinuousClock.now - started < .seconds(5),
                        "\(identifier) answered without waiting for the table")
                }
            }
            #expect(try await confirm(try await nextToken()) == 204, "the mail went out once the table was free")
        }
    }

    @Test("user admin and self-service settings")
    func usersAndSettings() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant()
            let admin = ["x-api-key": tenant.key]
            let session = try await gateway.register("ivy", key: tenant.key)
            let id = try #require((session["user"] as? [String: Any])?["id"] as? String)
            let firstToken = try #require(session["accessToken"] as? String)
            for name in ["jack", "kim", "lee"] { _ = try await gateway.register(name, key: tenant.key) }

            let patched = try await gateway.http.patch(
                "/users/\(id)",
                json: ["name": "Ivy", "bio": "hi", "avatarUrl": "https://example.com/a.png", "role": "elevated"],
                headers: admin)
            #expect(patched.status == 200)
            #expect(patched.json["name"] as? String == "Ivy")
            #expect(patched.json["role"] as? String == "elevated")
            // The role changed: the old token (which carries the old role) ends; a new sign-in gets the new one.
            #expect(
                try await gateway.http.get("/user/settings", headers: ["Authorization": "Bearer \(firstToken)"]).status
                    == 401)
            let login = try await gateway.http.post(
                "/auth/login", json: ["identifier": "ivy", "password": "correct horse battery", "tenant": tenant.slug])
            let accessToken = try #require(login.json["accessToken"] as? String)
            let bearer = ["Authorization": "Bearer \(accessToken)"]
            let cleared = try await gateway.http.patch("/users/\(id)", json: ["bio": NSNull()], headers: admin)
            #expect(cleared.json["bio"] == nil, "null clears a field")
            #expect(cleared.json["name"] as? String == "Ivy", "absent fields stay")
            for body: [String: Any] in [
                ["avatarUrl": "javascript:alert(1)"], ["role": "god"], ["modules": ["nope"]], ["email": "x@y.z"],
            ] {
                #expect(
                    try await gateway.http.patch("/users/\(id)", json: body, headers: admin).status == 400, "\(body)")
            }

            let elevated = try await gateway.http.get("/users?role=elevated", headers: admin)
            #expect(elevated.jsonArray.map { $0["username"] as? String } == ["ivy"])
            #expect(try await gateway.http.get("/users?role=boss", headers: admin).status == 400)
            #expect(try await gateway.http.get("/users?limit=2", headers: admin).jsonArray.count == 2)

            let settings = try await gateway.http.patch(
                "/user/settings", json: ["bio": "mine", "preferences": ["theme": "dark", "pageSize": 25]],
                headers: bearer)
            #expect(settings.status == 200)
            #expect(settings.json["bio"] as? String == "mine")
            #expect((settings.json["preferences"] as? [String: Any])?["theme"] as? String == "dark")
            let read = try await gateway.http.get("/user/settings", headers: bearer)
            #expect((read.json["preferences"] as? [String: Any])?["pageSize"] as? Int == 25)
            #expect(
                try await gateway.http.patch("/user/settings", json: ["role": "admin"], headers: bearer).status == 400)

            #expect(try await gateway.http.delete("/users/\(id)", headers: admin).status == 204)
            #expect(try await gateway.http.get("/users/\(id)", headers: admin).status == 404)
            #expect(
                try await gateway.http.get("/auth/me", headers: bearer).status == 401, "a deleted user's token is dead")
        }
    }
}
