import Contracts
import Hummingbird

/// `/flows`, `/flows/mutations` and `/flow-node-types` (module `flows`). Users of any role read and
/// edit the tenant's charts (the content service lets only a chart's author, moderators and admins
/// delete one); node types are created and deleted by admins; readonly keys read.
struct FlowsController: Sendable {
    let client: ContentClient

    func register(on api: API) {
        let access = Access.tenant(module: .flows, users: .user)
        let admin = Access.tenant(module: .flows, users: .admin)
        let tag = "Flows"
        let chartBody: [(String, Schema)] = [
            ("name", .string(description: "1-200 characters")),
            ("nodes", .array(.ref("FlowNode"))),
            ("edges", .array(.ref("FlowEdge"))),
        ]
        let invalid = "An edge joins a node that is not in the chart, or a node has an unknown type"
        api.add(
            Operation(
                method: .post, path: "/flows", tag: tag, summary: "Create a chart with its nodes and edges",
                access: access, body: .object(chartBody, required: ["name"]),
                success: .init(status: 201, description: "Created", schema: .ref("FlowChart")),
                errors: [422: invalid])
        ) { request, context in
            try await client.forward(ContentSubjects.flowsCreate, request, context, body: true)
        }
        api.add(
            Operation(
                method: .get, path: "/flows", tag: tag, summary: "List the tenant's charts, newest first",
                access: access, query: TenantsController.pageParameters,
                success: .init(status: 200, description: "A page of charts", schema: .ref("FlowChartPage")))
        ) { request, context in
            try await client.forward(ContentSubjects.flowsList, request, context)
        }
        api.add(
            Operation(
                method: .get, path: "/flows/{id}", tag: tag, summary: "Get a chart with its nodes and edges",
                access: access, success: .init(status: 200, description: "The chart", schema: .ref("FlowChart")))
        ) { request, context in
            try await client.forward(ContentSubjects.flowsGet, request, context, id: true)
        }
        api.add(
            Operation(
                method: .patch, path: "/flows/{id}", tag: tag,
                summary:
                    "Replace a chart's name, nodes and/or edges (nodes left out are removed with their edges)",
                access: access, body: .object(chartBody + [("expectedVersion", .integer(minimum: 1))]),
                success: .init(status: 200, description: "Changed", schema: .ref("FlowChart")),
                errors: [409: "Not at expectedVersion", 422: invalid])
        ) { request, context in
            try await client.forward(ContentSubjects.flowsUpdate, request, context, id: true, body: true)
        }
        api.add(
            Operation(
                method: .delete, path: "/flows/{id}", tag: tag,
                summary: "Delete a chart with its nodes and edges (its author, moderators and admins)",
                access: access, success: .init(status: 204, description: "Deleted"))
        ) { request, context in
            try await client.forward(ContentSubjects.flowsDelete, request, context, id: true)
        }
        api.add(
            Operation(
                method: .post, path: "/flows/mutations", tag: tag,
                summary: "Apply a batch of inserts, updates and removals in one transaction, all or nothing",
                access: access, body: .array(.ref("FlowMutation")),
                success: .init(status: 200, description: "Applied", schema: .ref("FlowMutationResults")),
                errors: [
                    404: "A mutation names a chart, node, edge or node type the tenant does not have",
                    409: "A mutation inserts an id that exists", 422: invalid,
                ])
        ) { request, context in
            try await client.forward(ContentSubjects.flowsMutations, request, context, body: true)
        }
        api.add(
            Operation(
                method: .get, path: "/flow-node-types", tag: tag, summary: "List the tenant's own node types",
                access: access, query: TenantsController.pageParameters,
                success: .init(status: 200, description: "A page of node types", schema: .ref("FlowNodeTypePage")))
        ) { request, context in
            try await client.forward(ContentSubjects.flowNodeTypesList, request, context)
        }
        api.add(
            Operation(
                method: .post, path: "/flow-node-types", tag: tag, summary: "Create a node type (admins)",
                access: admin,
                body: .object(
                    [
                        ("name", .string(description: "A letter, then letters, digits, _ or -; at most 64")),
                        ("label", .string()), ("description", .string()),
                    ], required: ["name"]),
                success: .init(status: 201, description: "Created", schema: .ref("FlowNodeType")),
                errors: [409: "A node type of this name exists, or the name is a built-in type"])
        ) { request, context in
            try await client.forward(ContentSubjects.flowNodeTypesCreate, request, context, body: true)
        }
        api.add(
            Operation(
                method: .delete, path: "/flow-node-types/{id}", tag: tag,
                summary: "Delete a node type no node uses (admins)", access: admin,
                success: .init(status: 204, description: "Deleted"), errors: [409: "Nodes still have this type"])
        ) { request, context in
            try await client.forward(ContentSubjects.flowNodeTypesDelete, request, context, id: true)
        }
    }
}
