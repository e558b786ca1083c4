/// One step of a streamed answer in no dialect. Providers' stream decoders emit these as their
/// events arrive; clients' stream encoders write each at once (nothing waits for the end).
///
/// Tool calls are numbered from 0 in the order they start; their arguments arrive as fragments
/// of JSON text after their start. A tool call's fragments end when the next part starts.
public enum ChatStreamEvent: Sendable, Equatable {
    /// The answer begins: its id, model and, when the provider says it now, the input usage.
    case start(id: String, model: String, usage: ChatUsage?)
    case text(String)
    case reasoning(String)
    case toolCallStart(index: Int, id: String, name: String)
    case toolArguments(index: Int, fragment: String)
    case finish(FinishReason, stopSequence: String?)
    /// The usage so far (the last one counts).
    case usage(ChatUsage)
    /// The provider reported an error inside the stream.
    case failure(ProviderFailure)
    /// The answer is complete.
    case end
}
