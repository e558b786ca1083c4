import Contracts
import Foundation
import Messaging
import Synchronization
import TestSupport
import Testing

/// Collects what arrives on a subject (core NATS; the operator may read everything).
final class EventTap: Sendable {
    private final class Inbox: Sendable {
        let payloads = Mutex<[[UInt8]]>([])
    }

    private let inbox = Inbox()
    private let connection: NatsConnection
    private let subscription: InlineSubscription

    init(_ connection: NatsConnection, _ subject: String) throws {
        self.connection = connection
        let inbox = inbox
        subscription = try connection.subscribe(subject) { message in
            inbox.payloads.withLock { $0.append(message.payload) }
        }
    }

    var all: [[String: Any]] {
        inbox.payloads.withLock { $0 }.map {
            (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any] ?? [:]
        }
    }

    /// Waits until `count` events arrived (or 10 seconds passed); returns them.
    func wait(for count: Int) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + .seconds(10)
        while all.count < count && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return all
    }
}

@Suite("Contact form and mailing list")
struct FormsTests {
    @Test("contact: stored and announced, honeypot dropped, rate-limited per address, moderators' workflow")
    func contact() async throws {
        try await TestGateway.run { gateway in
            _ = try await gateway.launch("content", overrides: ["CONTACT_RATE_LIMIT_PER_MINUTE": "3"])
            let tenant = try await gateway.createTenant()
            let http = gateway.http
            let operator_ = try await gateway.cluster.connect(as: "operator")
            let events = try EventTap(operator_, ContactEvents.allReceived)
            let form = "/public/\(tenant.slug)/contact"

            let sent = try await http.post(
                form,
                json: [
                    "name": "Ann", "email": " Ann@Example.com ", "subject": "Hello", "message": "Do you ship to Oslo?",
                    "category": "sales", "metadata": ["page": "/pricing"],
                ])
            #expect(sent.status == 202, "\(sent.text)")
            #expect(sent.json["status"] as? String == "received")
            let event = try await events.wait(for: 1).first ?? [:]
            #expect(event["tenantId"] as? String == tenant.id)
            #expect(event["email"] as? String == "ann@example.com")
            #expect(event["message"] as? String == "Do you ship to Oslo?")

            // The honeypot: the same answer, nothing kept, nothing announced.
            let bot = try await http.post(
                form, json: ["name": "Bot", "email": "bot@example.com", "message": "buy", "website": "http://spam"])
            #expect(bot.status == 202)
            #expect(bot.text == sent.text)

            // Bad input is a 400 naming the field; neither counts towards the limit.
            let missing = try await http.post(form, json: ["name": "Ann", "message": "hi"])
            #expect(missing.status == 400)
            #expect((missing.json["detail"] as? String ?? "").contains("email"), "\(missing.text)")
            let badEmail = try await http.post(form, json: ["name": "Ann", "email": "ann", "message": "hi"])
            #expect(badEmail.status == 400)
            let unknown = try await http.post(
                form, json: ["name": "Ann", "email": "a@example.com", "message": "hi", "phone": "1"])
            #expect(unknown.status == 400)
            #expect((unknown.json["detail"] as? String ?? "").contains("phone"))

            // Three a minute from one address: the fourth gets 429 with Retry-After; another tenant is apart.
            for index in 0..<2 {
                let more = try await http.post(
                    form, json: ["name": "Ann", "email": "ann@example.com", "message": "again \(index)"])
                #expect(more.status == 202)
            }
            let limited = try await http.post(
                form, json: ["name": "Ann", "email": "ann@example.com", "message": "one too many"])
            #expect(limited.status == 429)
            let retryAfter = Int(limited.header("retry-after") ?? "") ?? 0
            #expect((1...60).contains(retryAfter), "\(limited.headers)")
            let other = try await gateway.createTenant("Elsewhere")
            let elsewhere = try await http.post(
                "/public/\(other.slug)/contact", json: ["name": "Ann", "email": "ann@example.com", "message": "hi"])
            #expect(elsewhere.status == 202)
            #expect(try await gateway.count("SELECT count(*) FROM content.contact_messages") == 4)
            #expect(try await events.wait(for: 4).count == 4, "the honeypot announced nothing")

            // The inbox: moderators and admin keys; users are refused; newest first; forward-only workflow.
            let admin = ["x-api-key": tenant.key]
            let inbox = try await http.get("/contact", headers: admin)
            #expect(inbox.status == 200)
            #expect(inbox.jsonArray.count == 3)
            #expect(inbox.jsonArray.first?["message"] as? String == "again 1")
            let firstID = inbox.jsonArray.last?["id"] as? String ?? ""
            let read = try await http.patch("/contact/\(firstID)", json: ["status": "read"], headers: admin)
            #expect(read.status == 200)
            #expect(read.json["status"] as? String == "read")
            #expect(
                try await http.patch("/contact/\(firstID)", json: ["status": "archived"], headers: admin).status == 200)
            let back = try await http.patch("/contact/\(firstID)", json: ["status": "new"], headers: admin)
            #expect(back.status == 409)
            #expect(
                try await http.patch("/contact/\(firstID)", json: ["status": "done"], headers: admin).status == 400)
            let archived = try await http.get("/contact?status=archived", headers: admin)
            #expect(archived.jsonArray.compactMap { $0["id"] as? String } == [firstID])
            #expect(try await http.get("/contact?category=sales", headers: admin).jsonArray.count == 1)
            #expect(try await http.get("/contact?status=bogus", headers: admin).status == 400)

            _ = try await gateway.register("plain", key: tenant.key)
            let login = try await http.post(
                "/auth/login",
                json: ["identifier": "plain", "password": "correct horse battery", "tenant": tenant.slug])
            let user = ["authorization": "Bearer \(login.json["accessToken"] as? String ?? "")"]
            #expect(try await http.get("/contact", headers: user).status == 403)
            #expect(try await http.get("/contact/\(firstID)", headers: ["x-api-key": other.key]).status == 404)

            let closed = try await gateway.createTenant("Closed", modules: ["content"])
            let refused = try await http.post(
                "/public/\(closed.slug)/contact", json: ["name": "A", "email": "a@example.com", "message": "hi"])
            #expect(refused.status == 403)
            #expect(try await http.post("/public/nobody-here/contact", json: [:]).status == 404)
        }
    }

    @Test("mailing list: double opt-in by signed single-purpose links, re-subscribe, admin list and CSV")
    func mailingList() async throws {
        try await TestGateway.run(environment: ["MAIL_OUTBOX_LOG": "1"]) { gateway in
            _ = try await gateway.launch("content", overrides: ["PUBLIC_BASE_URL": "https://news.example.com/"])
            let tenant = try await gateway.createTenant()
            let other = try await gateway.createTenant("Other list")
            let http = gateway.http
            let admin = ["x-api-key": tenant.key]
            let mails = try EventTap(
                try await gateway.cluster.connect(as: "operator"), Subjects.mailingListConfirmEvents)
            let base = "/public/\(tenant.slug)/mailing-list"

            func path(_ url: Any?) -> String {
                (url as? String ?? "").replacingOccurrences(of: "https://news.example.com", with: "")
            }

            let asked = try await http.post(
                "\(base)/subscribe", json: ["email": "Reader@Example.com", "source": "footer"])
            #expect(asked.status == 202, "\(asked.text)")
            let mail = try await mails.wait(for: 1).first ?? [:]
            #expect(mail["email"] as? String == "reader@example.com")
            #expect(mail["tenantSlug"] as? String == tenant.slug)
            let confirmURL = path(mail["confirmUrl"])
            // In development (MAIL_OUTBOX_LOG=1) the gateway's log shows the link to click.
            let fullURL = mail["confirmUrl"] as? String ?? "?"
            for _ in 0..<100 where !gateway.logs.text.contains(fullURL) { try await Task.sleep(for: .milliseconds(20)) }
            #expect(gateway.logs.text.contains("MAIL_OUTBOX_LOG: confirm the subscription of reader@example.com"))
            #expect(gateway.logs.text.contains(fullURL))
            let unsubscribeURL = path(mail["unsubscribeUrl"])
            #expect(confirmURL.hasPrefix("\(base)/confirm?token="), "\(confirmURL)")
            #expect(unsubscribeURL.hasPrefix("\(base)/unsubscribe?token="))

            let pending = try await http.get("/mailing-list?status=pending", headers: admin)
            #expect(pending.jsonArray.compactMap { $0["email"] as? String } == ["reader@example.com"])
            #expect(pending.jsonArray.first?["confirmedAt"] is NSNull)

            // Forged, altered, cross-purpose and cross-tenant links do nothing.
            let token = String(confirmURL.split(separator: "=", maxSplits: 1).last ?? "")
            let unsubscribeToken = String(unsubscribeURL.split(separator: "=", maxSplits: 1).last ?? "")
            let forged = String(token.dropLast(2)) + (token.hasSuffix("AA") ? "BB" : "AA")
            for bad in [
                "\(base)/confirm?token=\(forged)", "\(base)/confirm?token=\(unsubscribeToken)",
                "\(base)/unsubscribe?token=\(token)", "/public/\(other.slug)/mailing-list/confirm?token=\(token)",
                "/public/\(other.slug)/mailing-list/unsubscribe?token=\(unsubscribeToken)", "\(base)/confirm?token=",
                "\(base)/unsubscribe?token=reader@example.com",
            ] {
                let refused = try await http.get(bad)
                #expect(refused.status == 400, "\(bad): \(refused.status) \(refused.text)")
            }
            #expect(
                try await gateway.count("SELECT count(*) FROM content.subscribers WHERE status = 'pending'") == 1)

            let confirmed = try await http.get(confirmURL)
            #expect(confirmed.status == 200, "\(confirmed.text)")
            #expect(confirmed.json["status"] as? String == "subscribed")
            #expect(try await http.get(confirmURL).status == 200, "a second click is fine")
            let subscribed = try await http.get("/mailing-list?status=subscribed", headers: admin)
            #expect(subscribed.jsonArray.first?["confirmedAt"] is String)
            #expect(subscribed.jsonArray.first?["source"] as? String == "footer")

            // Asking again while subscribed: the same 202, no mail.
            let again = try await http.post("\(base)/subscribe", json: ["email": "reader@example.com"])
            #expect(again.status == 202)
            #expect(again.text == asked.text, "nobody learns who is subscribed")

            // Unsubscribe, then subscribe again: a new mail, and only the new link confirms.
            let gone = try await http.get(unsubscribeURL)
            #expect(gone.json["status"] as? String == "unsubscribed")
            #expect(try await http.get("/mailing-list?status=unsubscribed", headers: admin).jsonArray.count == 1)
            _ = try await http.post("\(base)/subscribe", json: ["email": "reader@example.com"])
            let second = try await mails.wait(for: 2)
            #expect(second.count == 2, "no mail for the ask while subscribed")
            #expect(try await http.get(confirmURL).status == 400, "the old confirmation link died")
            #expect(try await http.get(path(second.last?["confirmUrl"])).status == 200)

            // Input and roles.
            #expect(try await http.post("\(base)/subscribe", json: ["email": "nope"]).status == 400)
            #expect(try await http.post("\(base)/subscribe", json: ["mail": "a@example.com"]).status == 400)
            _ = try await http.post("\(base)/subscribe", json: ["email": "=cmd@example.com"])
            let csv = try await http.get("/mailing-list/export.csv", headers: admin)
            #expect(csv.status == 200)
            #expect(csv.header("content-type")?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\r\n")
            #expect(lines.first == "id,email,status,source,created_at,confirmed_at,unsubscribed_at")
            #expect(lines.count == 3)
            #expect(lines.contains { $0.contains(",'=cmd@example.com,pending,") }, "a formula is neutralised")
            let onlySubscribed = try await http.get("/mailing-list/export.csv?status=subscribed", headers: admin)
            #expect(onlySubscribed.text.split(separator: "\r\n").count == 2)
            #expect(try await http.get("/mailing-list", headers: ["x-api-key": other.key]).isEmptyPage)
            let readonly = try await gateway.createKey("readonly", adminKey: tenant.key)
            #expect(try await http.get("/mailing-list", headers: ["x-api-key": readonly.key]).status == 200)
            let noList = try await gateway.createTenant("No list", modules: ["content"])
            #expect(
                try await http.post("/public/\(noList.slug)/mailing-list/subscribe", json: ["email": "a@example.com"])
                    .status == 403)
        }
    }
}
