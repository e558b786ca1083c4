import Contracts
import Foundation
import Hummingbird
import Messaging

/// The public forms: the contact form with the moderators' inbox, and the mailing list with its
/// double opt-in and the admins' list and export. The content service keeps both.
struct FormsController: Sendable {
    let client: ContentClient
    let authenticator: Authenticator

    func register(on api: API) {
        registerContact(on: api)
        registerMailingList(on: api)
    }

    private func registerContact(on api: API) {
        let tag = "Contact"
        let inbox = Access.tenant(module: .contact, users: .moderator)
        api.add(
            Operation(
                method: .post, path: "/public/{tenantSlug}/contact", tag: tag,
                summary: "Send a message to the tenant (no key; rate-limited per client address)",
                access: .anonymous,
                body: .object(
                    [
                        ("name", .string()), ("email", .string(format: "email")), ("subject", .string()),
                        ("message", .string()), ("category", .string()),
                        ("metadata", .object([], additional: true)),
                        ("website", .string(description: "Leave empty (a field people do not see; bots fill it in)")),
                    ], required: ["name", "email", "message"]),
                success: .init(status: 202, description: "Received", schema: .anyObject),
                errors: [403: "The tenant's contact module is off", 429: "Too many messages from this address"])
        ) { request, context in
            let tenant = try await authenticator.publicTenant(context, module: .contact)
            return try ContentClient.response(
                try await client.public(ContentSubjects.contactSubmit, request, context, tenant: tenant, body: true))
        }
        api.add(
            Operation(
                method: .get, path: "/contact", tag: tag, summary: "The contact inbox, newest first (moderator+)",
                access: inbox,
                query: TenantsController.pageParameters + [
                    .init(
                        name: "status", schema: .string(enumeration: ["new", "read", "replied", "archived"]),
                        description: ""),
                    .init(name: "category", schema: .string(), description: ""),
                ],
                success: .init(status: 200, description: "A page of messages", schema: .ref("ContactMessagePage")))
        ) { request, context in
            try await client.forward(ContentSubjects.contactList, request, context)
        }
        api.add(
            Operation(
                method: .get, path: "/contact/{id}", tag: tag, summary: "A contact message", access: inbox,
                success: .init(status: 200, description: "The message", schema: .ref("ContactMessage")))
        ) { request, context in
            try await client.forward(ContentSubjects.contactGet, request, context, id: true)
        }
        api.add(
            Operation(
                method: .patch, path: "/contact/{id}", tag: tag,
                summary: "Move a message forward: new → read → replied → archived", access: inbox,
                body: .object(
                    [("status", .string(enumeration: ["new", "read", "replied", "archived"]))], required: ["status"]),
                success: .init(status: 200, description: "Updated", schema: .ref("ContactMessage")),
                errors: [409: "A step back in the workflow"])
        ) { request, context in
            try await client.forward(ContentSubjects.contactUpdate, request, context, id: true, body: true)
        }
    }

    private func registerMailingList(on api: API) {
        let tag = "Mailing list"
        let admin = Access.tenant(module: .mailingList, users: .admin)
        let token = [
            Operation.Parameter(name: "token", schema: .string(), description: "From the mail", required: true)
        ]
        api.add(
            Operation(
                method: .post, path: "/public/{tenantSlug}/mailing-list/subscribe", tag: tag,
                summary: "Ask to subscribe (double opt-in: a confirmation mail event goes out)", access: .anonymous,
                body: .object(
                    [
                        ("email", .string(format: "email")), ("source", .string()),
                        ("metadata", .object([], additional: true)),
                    ], required: ["email"]),
                success: .init(
                    status: 202, description: "Accepted (the same answer for every address)", schema: .anyObject),
                errors: [403: "The tenant's mailing_list module is off", 429: "Too many sign-ups from this address"])
        ) { request, context in
            let tenant = try await authenticator.publicTenant(context, module: .mailingList)
            return try ContentClient.response(
                try await client.public(
                    ContentSubjects.mailingListSubscribe, request, context, tenant: tenant, body: true))
        }
        for (verb, subject, summary) in [
            ("confirm", ContentSubjects.mailingListConfirm, "Confirm a subscription (the link in the mail)"),
            ("unsubscribe", ContentSubjects.mailingListUnsubscribe, "Unsubscribe (the link in every mail)"),
        ] {
            api.add(
                Operation(
                    method: .get, path: "/public/{tenantSlug}/mailing-list/\(verb)", tag: tag, summary: summary,
                    access: .anonymous, query: token,
                    success: .init(status: 200, description: "Done", schema: .anyObject),
                    errors: [400: "The link is invalid, of another tenant, or expired"])
            ) { request, context in
                let tenant = try await authenticator.publicTenant(context, module: .mailingList)
                return try ContentClient.response(try await client.public(subject, request, context, tenant: tenant))
            }
        }
        let status = Operation.Parameter(
            name: "status", schema: .string(enumeration: ["pending", "subscribed", "unsubscribed"]), description: "")
        api.add(
            Operation(
                method: .get, path: "/mailing-list", tag: tag, summary: "Subscribers, oldest first (admin)",
                access: admin, query: TenantsController.pageParameters + [status],
                success: .init(status: 200, description: "A page of subscribers", schema: .ref("SubscriberPage")))
        ) { request, context in
            try await client.forward(ContentSubjects.mailingListList, request, context)
        }
        api.add(
            Operation(
                method: .get, path: "/mailing-list/export.csv", tag: tag, summary: "Every subscriber as CSV (admin)",
                access: admin, query: [status],
                success: .init(status: 200, description: "CSV", schema: .string(), contentType: "text/csv"))
        ) { request, context in
            try await export(request, context)
        }
    }

    private func export(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let status = request.uri.queryParameters["status"].map(String.init)
        @Sendable func page(_ cursor: String?) async throws -> NatsMessage {
            var query: [String] = []
            if let status {
                query.append("status=\(status.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
            }
            if let cursor { query.append("cursor=\(cursor)") }
            return try await client.call(
                ContentSubjects.mailingListExport, context, query: query.joined(separator: "&"))
        }
        return csvExport(filename: "mailing-list.csv", first: try await page(nil), next: page)
    }
}
