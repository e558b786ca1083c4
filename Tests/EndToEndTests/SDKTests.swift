import Foundation
import ProviderStandIn
import TestSupport
import Testing

@Suite("Official SDKs")
struct SDKTests {
    /// The Python of the virtualenv `make test` creates with the `openai` and `anthropic` packages.
    static var python: String {
        ProcessInfo.processInfo.environment["STRONGBOX_SDK_PYTHON"]
            ?? TestCluster.repositoryRoot.appendingPathComponent(".data/sdk-venv/bin/python").path
    }

    @Test("the openai and anthropic Python SDKs work unmodified: chat, streaming, embeddings, models, messages")
    func pythonSDKs() async throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.python),
            "no SDK virtualenv at \(Self.python): `make test` creates it (scripts/sdk-venv.sh)")
        try await ProxyHarness.run(chunkDelay: .milliseconds(1)) { harness in
            try await harness.store("openai", key: "sk-provider-openai-secret")
            try await harness.store("anthropic", key: "sk-ant-provider-secret")
            let script = TestCluster.repositoryRoot.appendingPathComponent("Tests/sdk/check_sdks.py").path
            let run = try ChildProcess(
                Self.python, [script, harness.http.baseURL, harness.tenant.key], logName: "sdk")
            #expect(await run.waitForExit(timeout: .seconds(120)) == 0, "\(run.output)")
            let line = try #require(run.output.split(separator: "\n").last { $0.hasPrefix("{") }, "\(run.output)")
            let result = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let words = StandInProvider.words.joined()
            #expect((result["chat"] as? [String: Any])?["content"] as? String == words)
            #expect((result["chat"] as? [String: Any])?["prompt_tokens"] as? Int == StandInProvider.Tokens.openAIPrompt)
            #expect(result["stream"] as? String == words, "streamed, and without a usage chunk it did not ask for")
            #expect(result["embeddings"] as? [Int] == [3, 3])
            let models = result["models"] as? [String] ?? []
            #expect(models.contains("openai/gpt-4o-mini") && models.contains("anthropic/claude-3-5-haiku-latest"))
            #expect((result["messages"] as? [String: Any])?["text"] as? String == words)
            #expect(
                (result["messages"] as? [String: Any])?["input_tokens"] as? Int == StandInProvider.Tokens.anthropicInput
            )
            #expect((result["messages_stream"] as? [String: Any])?["text"] as? String == words)
            #expect(
                (result["messages_stream"] as? [String: Any])?["output_tokens"] as? Int
                    == StandInProvider.Tokens.anthropicOutput)
            #expect(
                try await harness.usageEvents(5).count == 5, "every model call was metered (the model list is not one)")
        }
    }
}
