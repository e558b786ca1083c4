import Foundation
import Testing

@testable import Translation

/// The conformance matrix of docs/translation.md: every feature, for every pair of client dialect
/// and provider API, translated and checked here. A cell is ✅ when the provider's request (or the
/// client's answer) expresses the feature, ✗ when the translator refuses it with a 400 (its message
/// listed), — when the client's API has no way to ask for it. A feature that translates but does
/// not arrive fails the test: nothing is dropped silently. The document's table is this matrix,
/// rendered; `make translation-matrix` writes it.
enum ConformanceMatrix {
    enum Client: String, CaseIterable {
        case openAIChat = "OpenAI Chat"
        case anthropic = "Anthropic Messages"
        case responses = "OpenAI Responses"

        var dialect: any ClientDialect {
            switch self {
            case .openAIChat: OpenAIChat()
            case .anthropic: AnthropicMessages()
            case .responses: OpenAIResponses()
            }
        }

        /// A request of this dialect: the user's text (or `messages`, in its own shape) and extra members.
        func request(messages: String? = nil, _ members: String = "") -> String {
            let extra = members.isEmpty ? "" : "," + members
            switch self {
            case .openAIChat:
                return #"{"model":"m","messages":\#(messages ?? #"[{"role":"user","content":"Hi"}]"#)\#(extra)}"#
            case .anthropic:
                return
                    #"{"model":"m","max_tokens":100,"messages":\#(messages ?? #"[{"role":"user","content":"Hi"}]"#)\#(extra)}"#
            case .responses:
                return #"{"model":"m","input":\#(messages ?? #"[{"role":"user","content":"Hi"}]"#)\#(extra)}"#
            }
        }
    }

    enum Provider: String, CaseIterable {
        case openAIChat = "OpenAI-compatible chat"
        case anthropic = "Anthropic Messages"
        case gemini = "Gemini"
        case cohere = "Cohere v2 chat"

        var dialect: any ProviderDialect {
            switch self {
            case .openAIChat: OpenAIChat()
            case .anthropic: AnthropicMessages()
            case .gemini: GeminiGenerateContent()
            case .cohere: CohereChat()
            }
        }
    }

    /// The pairs that are translated (a provider's own dialect passes through untouched).
    static let columns: [(Client, Provider)] = Client.allCases.flatMap { client in
        Provider.allCases.compactMap { provider in
            switch (client, provider) {
            case (.openAIChat, .openAIChat), (.anthropic, .anthropic): nil
            default: (client, provider)
            }
        }
    }

    enum Cell: Equatable {
        case translated
        case refused(String)
        case notAsked
        /// The feature was accepted and lost: a defect.
        case lost(String)
    }

    struct Feature: Sendable {
        let name: String
        let evaluate: @Sendable (Client, Provider) -> Cell
    }

    // MARK: - Request features

    /// A request feature: how each client asks (nil: it cannot), and how the provider's request shows it.
    static func request(
        _ name: String, _ ask: @escaping @Sendable (Client) -> String?,
        _ shows: @escaping @Sendable (Provider, JSON) -> Bool
    ) -> Feature {
        Feature(name: name) { client, provider in
            guard let body = ask(client) else { return .notAsked }
            let translator = Translator(client: client.dialect, provider: provider.dialect)
            do {
                let out = try JSON(parsing: try translator.request(Array(body.utf8)).body)
                return shows(provider, out) ? .translated : .lost(out.text)
            } catch let error as TranslationError where "\(error)".contains("cannot be translated") {
                return .refused("\(error)")
            } catch {
                return .lost("\(error)")
            }
        }
    }

    static func messages(_ body: JSON) -> [JSON] { (body["messages"] ?? body["contents"])?.array ?? [] }
    static func parts(_ body: JSON) -> [JSON] {
        messages(body).flatMap { message in
            (message["content"] ?? message["parts"])?.array ?? []
        }
    }

    static let userImage: @Sendable (Client, String) -> String = { client, url in
        switch client {
        case .openAIChat:
            client.request(
                messages:
                    #"[{"role":"user","content":[{"type":"text","text":"What?"},{"type":"image_url","image_url":{"url":"\#(url)"}}]}]"#
            )
        case .anthropic:
            url.hasPrefix("data:")
                ? client.request(
                    messages:
                        #"[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0K"}}]}]"#
                )
                : client.request(
                    messages: #"[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"\#(url)"}}]}]"#
                )
        case .responses:
            client.request(
                messages:
                    #"[{"role":"user","content":[{"type":"input_text","text":"What?"},{"type":"input_image","image_url":"\#(url)"}]}]"#
            )
        }
    }

    static let tools: @Sendable (Client, String) -> String = { client, extra in
        let members = extra.isEmpty ? "" : "," + extra
        switch client {
        case .openAIChat:
            return client.request(
                #""tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},{"type":"function","function":{"name":"time","parameters":{"type":"object"}}}]\#(members)"#
            )
        case .anthropic:
            return client.request(
                #""tools":[{"name":"weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},{"name":"time","input_schema":{"type":"object"}}]\#(members)"#
            )
        case .responses:
            return client.request(
                #""tools":[{"type":"function","name":"weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}},{"type":"function","name":"time","parameters":{"type":"object"}}]\#(members)"#
            )
        }
    }

    static func toolNames(_ provider: Provider, _ body: JSON) -> [String] {
        switch provider {
        case .openAIChat, .cohere: body["tools"]?.array?.compactMap { $0["function"]?["name"]?.string } ?? []
        case .anthropic: body["tools"]?.array?.compactMap { $0["name"]?.string } ?? []
        case .gemini:
            body["tools"]?.array?.first?["functionDeclarations"]?.array?.compactMap { $0["name"]?.string } ?? []
        }
    }

    static let requestFeatures: [Feature] = [
        request(
            "system prompt",
            { client in
                switch client {
                case .openAIChat:
                    client.request(
                        messages: #"[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]"#)
                case .anthropic: client.request(#""system":"Be brief.""#)
                case .responses: client.request(#""instructions":"Be brief.""#)
                }
            },
            { provider, body in
                switch provider {
                case .openAIChat, .cohere:
                    messages(body).first?["role"] == "system" && messages(body).first?["content"] == "Be brief."
                case .anthropic: body["system"] == "Be brief."
                case .gemini: body["systemInstruction"]?["parts"]?.array?.first?["text"] == "Be brief."
                }
            }),
        request(
            "multi-turn text",
            { client in
                client == .responses
                    ? client.request(
                        messages:
                            #"[{"role":"user","content":"Hi"},{"role":"assistant","content":[{"type":"output_text","text":"Hello"}]},{"role":"user","content":"Again"}]"#
                    )
                    : client.request(
                        messages:
                            #"[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":"Again"}]"#
                    )
            },
            { provider, body in
                let roles = messages(body).compactMap { $0["role"]?.string }
                return roles == (provider == .gemini ? ["user", "model", "user"] : ["user", "assistant", "user"])
            }),
        request(
            "image by URL", { userImage($0, "https://example.com/cat.png") },
            { provider, body in
                parts(body).contains { part in
                    switch provider {
                    case .openAIChat, .cohere: part["image_url"]?["url"] == "https://example.com/cat.png"
                    case .anthropic: part["source"]?["url"] == "https://example.com/cat.png"
                    case .gemini: part["fileData"]?["fileUri"] == "https://example.com/cat.png"
                    }
                }
            }),
        request(
            "image as base64 data", { userImage($0, "data:image/png;base64,iVBORw0K") },
            { provider, body in
                parts(body).contains { part in
                    switch provider {
                    case .openAIChat, .cohere: part["image_url"]?["url"] == "data:image/png;base64,iVBORw0K"
                    case .anthropic:
                        part["source"]?["data"] == "iVBORw0K" && part["source"]?["media_type"] == "image/png"
                    case .gemini: part["inlineData"]?["data"] == "iVBORw0K"
                    }
                }
            }),
        request(
            "function tools", { tools($0, "") },
            { provider, body in toolNames(provider, body) == ["weather", "time"] }),
        request(
            "tool choice: auto",
            { client in
                switch client {
                case .openAIChat, .responses: tools(client, #""tool_choice":"auto""#)
                case .anthropic: tools(client, #""tool_choice":{"type":"auto"}"#)
                }
            },
            { provider, body in
                switch provider {
                case .openAIChat: body["tool_choice"] == "auto"
                case .anthropic: body["tool_choice"]?["type"] == "auto"
                case .gemini: body["toolConfig"]?["functionCallingConfig"]?["mode"] == "AUTO"
                case .cohere: body["tool_choice"] == nil && toolNames(provider, body).count == 2
                }
            }),
        request(
            "tool choice: none",
            { client in
                switch client {
                case .openAIChat, .responses: tools(client, #""tool_choice":"none""#)
                case .anthropic: tools(client, #""tool_choice":{"type":"none"}"#)
                }
            },
            { provider, body in
                switch provider {
                case .openAIChat: body["tool_choice"] == "none"
                case .anthropic: body["tool_choice"]?["type"] == "none"
                case .gemini: body["toolConfig"]?["functionCallingConfig"]?["mode"] == "NONE"
                case .cohere: body["tool_choice"] == "NONE"
                }
            }),
        request(
            "tool choice: required",
            { client in
                switch client {
                case .openAIChat, .responses: tools(client, #""tool_choice":"required""#)
                case .anthropic: tools(client, #""tool_choice":{"type":"any"}"#)
                }
            },
            { provider, body in
                switch provider {
                case .openAIChat: body["tool_choice"] == "required"
                case .anthropic: body["tool_choice"]?["type"] == "any"
                case .gemini: body["toolConfig"]?["functionCallingConfig"]?["mode"] == "ANY"
                case .cohere: body["tool_choice"] == "REQUIRED"
                }
            }),
        request(
            "tool choice: a named tool",
            { client in
                switch client {
                case .openAIChat: tools(client, #""tool_choice":{"type":"function","function":{"name":"weather"}}"#)
                case .anthropic: tools(client, #""tool_choice":{"type":"tool","name":"weather"}"#)
                case .responses: tools(client, #""tool_choice":{"type":"function","name":"weather"}"#)
                }
            },
            { provider, body in
                switch provider {
                case .openAIChat: body["tool_choice"]?["function"]?["name"] == "weather"
                case .anthropic: body["tool_choice"]?["name"] == "weather"
                case .gemini: body["toolConfig"]?["functionCallingConfig"]?["allowedFunctionNames"] == ["weather"]
                case .cohere: body["tool_choice"] == "REQUIRED" && toolNames(provider, body) == ["weather"]
                }
            }),
        request(
            "one tool call at a time",
            { client in
                switch client {
                case .openAIChat, .responses: tools(client, #""parallel_tool_calls":false"#)
                case .anthropic: tools(client, #""tool_choice":{"type":"auto","disable_parallel_tool_use":true}"#)
                }
            },
            { provider, body in
                switch provider {
                case .openAIChat: body["parallel_tool_calls"] == false
                case .anthropic: body["tool_choice"]?["disable_parallel_tool_use"] == true
                case .gemini, .cohere: false
                }
            }),
        request(
            "tool calls and their results in the conversation",
            { client in
                switch client {
                case .openAIChat:
                    client.request(
                        messages:
                            #"[{"role":"user","content":"Weather?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"call_2","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"18C"},{"role":"tool","tool_call_id":"call_2","content":"21C"}]"#
                    )
                case .anthropic:
                    client.request(
                        messages:
                            #"[{"role":"user","content":"Weather?"},{"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"weather","input":{"city":"Paris"}},{"type":"tool_use","id":"call_2","name":"weather","input":{"city":"Rome"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"18C"},{"type":"tool_result","tool_use_id":"call_2","content":"21C"}]}]"#
                    )
                case .responses:
                    client.request(
                        messages:
                            #"[{"role":"user","content":"Weather?"},{"type":"function_call","call_id":"call_1","name":"weather","arguments":"{\"city\":\"Paris\"}"},{"type":"function_call","call_id":"call_2","name":"weather","arguments":"{\"city\":\"Rome\"}"},{"type":"function_call_output","call_id":"call_1","output":"18C"},{"type":"function_call_output","call_id":"call_2","output":"21C"}]"#
                    )
                }
            },
            { provider, body in
                let all = messages(body)
                switch provider {
                case .openAIChat, .cohere:
                    let calls = all.flatMap { $0["tool_calls"]?.array ?? [] }.compactMap { $0["id"]?.string }
                    let results = all.filter { $0["role"] == "tool" }.compactMap { $0["tool_call_id"]?.string }
                    return calls == ["call_1", "call_2"] && results == ["call_1", "call_2"]
                case .anthropic:
                    let blocks = parts(body)
                    return blocks.filter { $0["type"] == "tool_use" }.compactMap { $0["id"]?.string } == [
                        "call_1", "call_2",
                    ]
                        && blocks.filter { $0["type"] == "tool_result" }.compactMap { $0["tool_use_id"]?.string } == [
                            "call_1", "call_2",
                        ]
                case .gemini:
                    let blocks = parts(body)
                    return blocks.compactMap { $0["functionCall"]?["args"]?["city"]?.string } == ["Paris", "Rome"]
                        && blocks.compactMap { $0["functionResponse"]?["name"]?.string } == ["weather", "weather"]
                }
            }),
        request(
            "JSON output (a JSON schema)",
            { client in
                switch client {
                case .openAIChat:
                    client.request(
                        #""response_format":{"type":"json_schema","json_schema":{"name":"city","schema":{"type":"object","properties":{"name":{"type":"string"}}}}}"#
                    )
                case .anthropic: nil
                case .responses:
                    client.request(
                        #""text":{"format":{"type":"json_schema","name":"city","schema":{"type":"object","properties":{"name":{"type":"string"}}}}}"#
                    )
                }
            },
            { provider, body in
                switch provider {
                case .openAIChat: body["response_format"]?["json_schema"]?["schema"]?["properties"]?["name"] != nil
                case .anthropic:
                    body["tool_choice"]?["name"] == .string(AnthropicMessages.jsonTool)
                        && body["tools"]?.array?.first?["input_schema"]?["properties"]?["name"] != nil
                case .gemini:
                    body["generationConfig"]?["responseMimeType"] == "application/json"
                        && body["generationConfig"]?["responseJsonSchema"]?["properties"]?["name"] != nil
                case .cohere: body["response_format"]?["json_schema"]?["properties"]?["name"] != nil
                }
            }),
        request(
            "JSON output (any object)",
            { client in
                switch client {
                case .openAIChat: client.request(#""response_format":{"type":"json_object"}"#)
                case .anthropic: nil
                case .responses: client.request(#""text":{"format":{"type":"json_object"}}"#)
                }
            },
            { provider, body in
                switch provider {
                case .openAIChat: body["response_format"]?["type"] == "json_object"
                case .anthropic: body["tool_choice"]?["name"] == .string(AnthropicMessages.jsonTool)
                case .gemini: body["generationConfig"]?["responseMimeType"] == "application/json"
                case .cohere: body["response_format"]?["type"] == "json_object"
                }
            }),
        request(
            "stop sequences",
            { client in
                switch client {
                case .openAIChat: client.request(#""stop":["END"]"#)
                case .anthropic: client.request(#""stop_sequences":["END"]"#)
                case .responses: nil
                }
            },
            { provider, body in
                switch provider {
                case .openAIChat: body["stop"] == ["END"]
                case .anthropic, .cohere: body["stop_sequences"] == ["END"]
                case .gemini: body["generationConfig"]?["stopSequences"] == ["END"]
                }
            }),
        request(
            "maximum output tokens",
            { client in
                switch client {
                case .openAIChat: client.request(#""max_tokens":77"#)
                case .anthropic:
                    client.request().replacingOccurrences(of: #""max_tokens":100"#, with: #""max_tokens":77"#)
                case .responses: client.request(#""max_output_tokens":77"#)
                }
            },
            { provider, body in
                switch provider {
                case .openAIChat: body["max_tokens"] == 77
                case .anthropic, .cohere: body["max_tokens"] == 77
                case .gemini: body["generationConfig"]?["maxOutputTokens"] == 77
                }
            }),
        request(
            "temperature and top_p", { $0.request(#""temperature":0.25,"top_p":0.5"#) },
            { provider, body in
                switch provider {
                case .openAIChat, .anthropic: body["temperature"] == .number("0.25") && body["top_p"] == .number("0.5")
                case .gemini:
                    body["generationConfig"]?["temperature"] == .number("0.25")
                        && body["generationConfig"]?["topP"] == .number("0.5")
                case .cohere: body["temperature"] == .number("0.25") && body["p"] == .number("0.5")
                }
            }),
        request(
            "reasoning: an effort or a thinking budget",
            { client in
                switch client {
                case .openAIChat: client.request(#""reasoning_effort":"high""#)
                case .anthropic: client.request(#""thinking":{"type":"enabled","budget_tokens":20000}"#)
                case .responses: client.request(#""reasoning":{"effort":"high","summary":"auto"}"#)
                }
            },
            { provider, body in
                switch provider {
                case .openAIChat: body["reasoning_effort"] == "high"
                case .anthropic:
                    (body["thinking"]?["budget_tokens"]?.int ?? 0) >= 20000
                        && (body["max_tokens"]?.int ?? 0) > (body["thinking"]?["budget_tokens"]?.int ?? .max)
                case .gemini:
                    (body["generationConfig"]?["thinkingConfig"]?["thinkingBudget"]?.int ?? 0) >= 20000
                        && body["generationConfig"]?["thinkingConfig"]?["includeThoughts"] == true
                case .cohere: (body["thinking"]?["token_budget"]?.int ?? 0) >= 20000
                }
            }),
        request(
            "top_k", { $0 == .anthropic ? $0.request(#""top_k":40"#) : nil },
            { provider, body in
                switch provider {
                case .openAIChat: false
                case .anthropic: body["top_k"] == 40
                case .gemini: body["generationConfig"]?["topK"] == 40
                case .cohere: body["k"] == 40
                }
            }),
    ]
}
