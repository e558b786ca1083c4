import Messaging
import ServiceKit
import Testing

@Suite("Background runs")
struct BackgroundRunTests {
    @Test("stopping waits for an operation that ends when cancelled")
    func cooperative() async {
        let cancelled = OneShot<Void>()
        let run = await BackgroundRun {
            await withTaskCancellationHandler {
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(60)) }
            } onCancel: {
                cancelled.set(())
            }
        }
        #expect(await run.stop(within: .seconds(60)), "it ended")
        #expect(cancelled.isSet, "it was cancelled")
    }

    @Test("stopping gives up on an operation that never ends, after the timeout")
    func stuck() async {
        let never = OneShot<Void>()
        // A task of its own is not cancelled with the run's: like a pool waiting for a connection
        // that never reports its close.
        let run = await BackgroundRun { _ = await Task { await never.wait() }.value }
        #expect(await run.stop(within: .milliseconds(50)) == false)
        never.set(())
        #expect(await run.stop(within: .seconds(60)), "it ends once what it waited for happens")
    }
}
