/// Writes the Responses API's `response.*` events: the response created, each output item added,
/// its deltas and done events, and the response completed with every item and the usage. Events
/// are numbered (`sequence_number`) from 0.
struct OpenAIResponsesStreamEncoder: ChatStreamEncoder {
    enum Open: Equatable {
        case reasoning, message
        case call(Int)
    }

    let request: ChatRequest
    private var id = ""
    private var model = ""
    private var sequence = 0
    private var started = false
    private var ended = false
    /// An item being written: its kind, index in `output`, id and what it said so far.
    typealias Item = (kind: Open, index: Int, itemID: String, text: String)

    private var open: Item?
    private var calls: [Int: ToolCall] = [:]
    private var output: [JSON] = []
    private var finish: FinishReason?
    private var usage: ChatUsage?

    init(request: ChatRequest) {
        self.request = request
    }

    mutating func encode(_ event: ChatStreamEvent) -> [UInt8] {
        guard !ended else { return [] }
        var out: [UInt8] = []
        switch event {
        case .start(let id, let model, let usage):
            self.id = id
            self.model = model
            self.usage = usage
            start(to: &out)
        case .reasoning(let text):
            ensure(.reasoning, to: &out)
            open!.text += text
            write(
                "response.reasoning_summary_text.delta", about: open!, ["summary_index": 0, "delta": .string(text)],
                to: &out)
        case .text(let text):
            ensure(.message, to: &out)
            open!.text += text
            write("response.output_text.delta", about: open!, ["content_index": 0, "delta": .string(text)], to: &out)
        case .toolCallStart(let index, let callID, let name):
            start(to: &out)
            close(to: &out)
            calls[index] = ToolCall(id: callID, name: name, arguments: "")
            open = (.call(index), output.count, "fc_" + callID, "")
            write(
                "response.output_item.added",
                ["output_index": .int(open!.index), "item": ResponseOutput.call(calls[index]!, status: "in_progress")],
                to: &out)
        case .toolArguments(let index, let fragment):
            guard open?.kind == .call(index) else { return out }
            open!.text += fragment
            write("response.function_call_arguments.delta", about: open!, ["delta": .string(fragment)], to: &out)
        case .finish(let reason, _):
            finish = reason
        case .usage(let usage):
            self.usage = usage
        case .failure(let failure):
            start(to: &out)
            ended = true
            write(
                "error",
                [
                    "code": .string(OpenAIChat().encodeFailure(failure)["error"]?["type"]?.string ?? "server_error"),
                    "message": .string(failure.message), "param": .null,
                ], to: &out)
        case .end:
            start(to: &out)
            close(to: &out)
            ended = true
            let status = OpenAIResponses.status(finish)
            write(
                status.status == "completed" ? "response.completed" : "response.incomplete",
                ["response": response(status: status, output: output)], to: &out)
        }
        return out
    }

    private func response(status: (status: String, reason: String?), output: [JSON]) -> JSON {
        OpenAIResponses.response(
            id: id, model: model, created: nil, status: status, output: output,
            usage: status.status == "in_progress" ? nil : usage,
            request: request)
    }

    private mutating func start(to out: inout [UInt8]) {
        guard !started else { return }
        started = true
        let created = response(status: ("in_progress", nil), output: [])
        write("response.created", ["response": created], to: &out)
        write("response.in_progress", ["response": created], to: &out)
    }

    /// Opens an item of `kind` unless one is open.
    private mutating func ensure(_ kind: Open, to out: inout [UInt8]) {
        start(to: &out)
        if open?.kind == kind { return }
        close(to: &out)
        let index = output.count
        switch kind {
        case .reasoning:
            open = (kind, index, "rs_" + id, "")
            write(
                "response.output_item.added",
                ["output_index": .int(index), "item": ResponseOutput.reasoning(id: "rs_" + id, text: nil)], to: &out)
            write(
                "response.reasoning_summary_part.added", about: open!,
                ["summary_index": 0, "part": ["type": "summary_text", "text": ""]], to: &out)
        case .message:
            let itemID = "msg_" + id + (index == 0 ? "" : "_\(index)")
            open = (kind, index, itemID, "")
            write(
                "response.output_item.added",
                [
                    "output_index": .int(index),
                    "item": ResponseOutput.message(id: itemID, text: nil, status: "in_progress"),
                ], to: &out)
            write(
                "response.content_part.added", about: open!, ["content_index": 0, "part": ResponseOutput.textPart("")],
                to: &out)
        case .call:
            return
        }
    }

    /// Ends the open item: its done events, and the item as it is now in `output`.
    private mutating func close(to out: inout [UInt8]) {
        guard let current = open else { return }
        open = nil
        let item: JSON
        let text = JSON.string(current.text)
        switch current.kind {
        case .reasoning:
            write("response.reasoning_summary_text.done", about: current, ["summary_index": 0, "text": text], to: &out)
            write(
                "response.reasoning_summary_part.done", about: current,
                ["summary_index": 0, "part": ["type": "summary_text", "text": text]], to: &out)
            item = ResponseOutput.reasoning(id: current.itemID, text: current.text)
        case .message:
            write("response.output_text.done", about: current, ["content_index": 0, "text": text], to: &out)
            write(
                "response.content_part.done", about: current,
                ["content_index": 0, "part": ResponseOutput.textPart(current.text)], to: &out)
            item = ResponseOutput.message(id: current.itemID, text: current.text, status: "completed")
        case .call(let index):
            var call = calls[index]!
            call.arguments = current.text
            write("response.function_call_arguments.done", about: current, ["arguments": text], to: &out)
            item = ResponseOutput.call(call, status: "completed")
        }
        output.append(item)
        write("response.output_item.done", ["output_index": .int(current.index), "item": item], to: &out)
    }

    /// An event about an item: its `item_id` and `output_index`, then `data`.
    private mutating func write(
        _ type: String, about item: Item, _ data: JSON, to out: inout [UInt8]
    ) {
        let members = [
            JSONObject.Member(key: "item_id", value: .string(item.itemID)),
            .init(key: "output_index", value: .int(item.index)),
        ]
        write(type, .object(JSONObject(members + (data.object?.members ?? []))), to: &out)
    }

    private mutating func write(_ type: String, _ data: JSON, to out: inout [UInt8]) {
        var object = JSONObject([.init(key: "type", value: .string(type))])
        for member in data.object?.members ?? [] { object[member.key] = member.value }
        object["sequence_number"] = .int(sequence)
        sequence += 1
        ServerSentEvent.write(name: type, data: .object(object), to: &out)
    }
}
