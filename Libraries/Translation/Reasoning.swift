/// A request for the model to think before it answers, in either of the two ways the APIs ask:
/// an effort (OpenAI's `reasoning_effort`, the Responses API's `reasoning.effort`) or a budget
/// of tokens (Anthropic's `thinking.budget_tokens`, Gemini's `thinkingBudget`, Cohere's
/// `thinking.token_budget`). Each side converts with the same table (docs/translation.md).
public struct Reasoning: Sendable, Equatable {
    public enum Effort: String, Sendable, CaseIterable {
        case minimal, low, medium, high

        /// The budget an effort stands for.
        public var budget: Int {
            switch self {
            case .minimal: 1024
            case .low: 2048
            case .medium: 8192
            case .high: 24576
            }
        }
    }

    public var effort: Effort?
    public var budgetTokens: Int?

    public init(effort: Effort) {
        self.effort = effort
    }

    public init(budgetTokens: Int) {
        self.budgetTokens = budgetTokens
    }

    /// The budget asked, or the effort's.
    public var budget: Int { budgetTokens ?? effort?.budget ?? Effort.medium.budget }

    /// The effort asked, or the smallest whose budget covers the one asked.
    public var level: Effort {
        if let effort { return effort }
        let budget = budgetTokens ?? Effort.medium.budget
        return Effort.allCases.first { budget <= $0.budget } ?? .high
    }

    /// An OpenAI-style `effort` string (`minimal`, `low`, `medium`, `high`).
    static func effort(_ text: String, field: String) throws(TranslationError) -> Reasoning {
        guard let effort = Effort(rawValue: text) else {
            throw .invalid(field, "\"\(text)\" is not minimal, low, medium or high")
        }
        return Reasoning(effort: effort)
    }
}
