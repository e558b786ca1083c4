import Testing

@testable import Translation

/// Reasoning controls: an effort where the API asks for one, a budget where it asks for tokens.
@Suite("Translation: reasoning controls")
struct ReasoningTests {
    @Test(
        "efforts and budgets convert with one table",
        arguments: [
            (Reasoning(effort: .minimal), 1024, Reasoning.Effort.minimal), (Reasoning(effort: .high), 24576, .high),
            (Reasoning(budgetTokens: 1500), 1500, .low), (Reasoning(budgetTokens: 8192), 8192, .medium),
            (Reasoning(budgetTokens: 8193), 8193, .high), (Reasoning(budgetTokens: 100_000), 100_000, .high),
        ])
    func table(reasoning: Reasoning, budget: Int, level: Reasoning.Effort) {
        #expect(reasoning.budget == budget)
        #expect(reasoning.level == level)
    }

    @Test("OpenAI's reasoning_effort becomes Anthropic thinking, max_tokens raised past the budget")
    func toAnthropic() throws {
        let translator = Translator(client: OpenAIChat(), provider: AnthropicMessages())
        let body = try JSON(
            parsing: translator.request(
                Array(
                    #"{"model":"c","reasoning_effort":"medium","max_tokens":500,"messages":[{"role":"user","content":"hi"}]}"#
                        .utf8)
            ).body)
        #expect(body["thinking"] == ["type": "enabled", "budget_tokens": 8192])
        #expect(body["max_tokens"] == 8692, "the budget plus the client's own maximum")
        let roomy = try JSON(
            parsing: translator.request(
                Array(
                    #"{"model":"c","reasoning_effort":"low","max_tokens":30000,"messages":[{"role":"user","content":"hi"}]}"#
                        .utf8)
            ).body)
        #expect(roomy["max_tokens"] == 30000, "left alone when it already exceeds the budget")
    }

    @Test("Anthropic's thinking budget becomes OpenAI's effort, Gemini's thinkingConfig and Cohere's thinking")
    func fromAnthropic() throws {
        let request = Array(
            #"{"model":"m","max_tokens":64,"thinking":{"type":"enabled","budget_tokens":3000},"messages":[{"role":"user","content":"hi"}]}"#
                .utf8)
        let openAI = try JSON(
            parsing: Translator(client: AnthropicMessages(), provider: OpenAIChat()).request(request).body)
        #expect(openAI["reasoning_effort"] == "medium")
        let gemini = try JSON(
            parsing: Translator(client: AnthropicMessages(), provider: GeminiGenerateContent()).request(request).body)
        #expect(gemini["generationConfig"]?["thinkingConfig"] == ["thinkingBudget": 3000, "includeThoughts": true])
        let cohere = try JSON(
            parsing: Translator(client: AnthropicMessages(), provider: CohereChat()).request(request).body)
        #expect(cohere["thinking"] == ["type": "enabled", "token_budget": 3000])
        let off = Array(
            #"{"model":"m","max_tokens":64,"thinking":{"type":"disabled"},"messages":[{"role":"user","content":"hi"}]}"#
                .utf8)
        #expect(
            try JSON(parsing: Translator(client: AnthropicMessages(), provider: OpenAIChat()).request(off).body)[
                "reasoning_effort"] == nil)
    }

    @Test(
        "a malformed control is refused naming it",
        arguments: [
            (#""reasoning_effort":"extreme""#, "`reasoning_effort` \"extreme\" is not minimal, low, medium or high")
        ])
    func malformed(field: String, message: String) {
        #expect {
            try Translator(client: OpenAIChat(), provider: GeminiGenerateContent()).request(
                Array(#"{"model":"g","messages":[{"role":"user","content":"hi"}],\#(field)}"#.utf8))
        } throws: { error in
            "\(error)".contains(message)
        }
        #expect {
            try Translator(client: AnthropicMessages(), provider: OpenAIChat()).request(
                Array(
                    #"{"model":"g","max_tokens":5,"thinking":{"type":"enabled"},"messages":[{"role":"user","content":"hi"}]}"#
                        .utf8))
        } throws: { error in
            "\(error)".contains("`thinking.budget_tokens` is required")
        }
    }
}
