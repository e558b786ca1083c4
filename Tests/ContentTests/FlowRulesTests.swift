import Contracts
import Foundation
import Messaging
import Testing

@testable import Content

@Suite("Flow rules")
struct FlowRulesTests {
    static func json(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test("a node in React Flow's shape reads whole; type and data have defaults")
    func node() throws {
        let node = try FlowRules.node(
            Self.json(#"{"id":"n-1","position":{"x":10,"y":-2.5},"width":120,"data":{"label":"Start"}}"#),
            path: "nodes[0]")
        #expect(
            node
                == FlowNode(
                    id: "n-1", type: "default", position: .init(x: 10, y: -2.5), width: 120, height: nil,
                    data: .object(["label": .string("Start")])))
        let bare = try FlowRules.node(Self.json(#"{"id":"b","type":"input","position":{"x":0,"y":0}}"#), path: "n")
        #expect(bare.type == "input" && bare.data == .object([:]))
    }

    @Test(
        "a bad node is a 400 naming the field",
        arguments: [
            (#"{"id":"n","position":{"x":0}}"#, "`nodes[3].position.y`"),
            (#"{"id":"n"}"#, "missing field `nodes[3].position`"),
            (#"{"id":"has space","position":{"x":0,"y":0}}"#, "`nodes[3].id` must be"),
            (#"{"id":"n","position":{"x":2e9,"y":0}}"#, "`nodes[3].position.x` must be within ±1e9"),
            (#"{"id":"n","position":{"x":0,"y":0},"type":"9lives"}"#, "`nodes[3].type` must be"),
            (#"{"id":"n","position":{"x":0,"y":0},"width":-1}"#, "`nodes[3].width` must be 0 to 1e6"),
            (#"{"id":"n","position":{"x":0,"y":0},"colour":"red"}"#, "colour"),
        ])
    func badNode(text: String, named: String) throws {
        let value = try Self.json(text)
        let error = #expect(throws: ServiceError.self) { try FlowRules.node(value, path: "nodes[3]") }
        #expect(error?.code == .badRequest)
        #expect(error?.message.contains(named) == true, "\(String(describing: error?.message))")
    }

    @Test("edges join nodes of their own chart; ids are unique")
    func edges() throws {
        let edges = try FlowRules.edges(
            [Self.json(#"{"id":"e1","source":"a","target":"b","label":"go","animated":true}"#)], nodeIDs: ["a", "b"])
        #expect(edges == [FlowEdge(id: "e1", source: "a", target: "b", label: "go", animated: true)])
        let stray = #expect(throws: ServiceError.self) {
            try FlowRules.edges([Self.json(#"{"id":"e1","source":"a","target":"zz"}"#)], nodeIDs: ["a", "b"])
        }
        #expect(stray?.code == .unprocessable && stray?.message.hasPrefix("`edges[0].target`: `zz`") == true)
        let twice = #expect(throws: ServiceError.self) {
            try FlowRules.edges(
                [
                    Self.json(#"{"id":"e","source":"a","target":"b"}"#),
                    Self.json(#"{"id":"e","source":"b","target":"a"}"#),
                ],
                nodeIDs: nil)
        }
        #expect(twice?.code == .badRequest)
    }
}

@Suite("Content requests")
struct ContentRequestTests {
    @Test("a query string: decoded, the first of a repeated name kept, empty values present")
    func query() {
        #expect(
            ContentRequestHeaders(queryString: "type=post&q=hello+world&tag=a%2Fb&tag=c&empty=&flag").query
                == ["type": "post", "q": "hello world", "tag": "a/b", "empty": "", "flag": ""])
        #expect(ContentRequestHeaders(queryString: "").query == [:])
        #expect(ContentRequestHeaders().query == [:])
    }

    @Test("who sees and manages what: API keys and moderators are privileged; authors manage their own")
    func callers() {
        let me = UUID()
        let mine = Author(kind: .user, id: me)
        #expect(Caller.apiKey(id: UUID(), role: .readonly).isPrivileged)
        #expect(!Caller.user(id: me, role: .elevated).isPrivileged)
        #expect(Caller.user(id: UUID(), role: .moderator).isPrivileged)
        #expect(Caller.user(id: me, role: .user).mayManage(mine))
        #expect(!Caller.user(id: UUID(), role: .user).mayManage(mine))
        #expect(!Caller.anonymous.isPrivileged && Caller.anonymous.author == nil)
        #expect(!Caller.platformAdmin.isPrivileged && !Caller.platformAdmin.isAdmin, "no tenant's content is its own")
        #expect(Caller.apiKey(id: me, role: .admin).isAdmin && !Caller.apiKey(id: me, role: .proxy).isAdmin)
    }
}
