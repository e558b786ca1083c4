import Contracts
import Foundation
import Messaging
import Synchronization

/// One call's ``CallProgress``, shared by the tasks that serve it, and its usage event.
final class CallTracker: Sendable {
    let call: ProxyCall
    private let started = ContinuousClock.now
    private let at = Date()
    private let progress = Mutex(CallProgress())

    init(call: ProxyCall) {
        self.call = call
    }

    func update(_ change: (inout CallProgress) -> Void) {
        progress.withLock { change(&$0) }
    }

    func measured(_ meter: CallMeter) {
        update { $0.measured(usage: meter.usage, dataBytes: meter.dataBytes) }
    }

    /// Whether the provider's answer has begun.
    var responded: Bool { progress.withLock { $0.status != nil } }

    /// The usage event: the outcome's status, and tokens billed as ``CallOutcome/billed(estimate:)`` says.
    func event() -> UsageEvent {
        let progress = progress.withLock { $0 }
        let outcome = progress.outcome
        let (usage, estimated) = outcome.billed(
            estimate: TokenUsage(prompt: call.payload.bytes.count / 4, completion: progress.dataBytes / 4))
        return UsageEvent(
            id: call.eventID, tenantId: call.tenant, apiKeyId: call.routing.caller.apiKeyID,
            userId: call.routing.caller.userID, service: call.route.provider.service, model: call.route.model,
            endpoint: call.route.path, status: outcome.status,
            latencyMs: Self.milliseconds(.now - started),
            ttfbMs: progress.firstByte.map { Self.milliseconds($0 - started) },
            promptTokens: usage.prompt, completionTokens: usage.completion, totalTokens: usage.totalTokens,
            cachedTokens: usage.cached, estimated: estimated, streamed: call.payload.streaming,
            clientDisconnected: progress.failure == .clientLeft, at: at, requestId: call.requestID,
            translated: call.translation == nil ? nil : true, route: call.attempt?.route,
            attempt: call.attempt?.number)
    }

    private static func milliseconds(_ duration: Duration) -> Int { Int(duration.nanoseconds / 1_000_000) }
}
