import Foundation
import Testing

/// Runs Tests/shell/t-*.sh under bash and dash against the jobctl binary
/// that `swift test` built, under `jobctl run`, which reaps the orphaned
/// monitors (PID 1 here does not).
@Suite(.serialized) struct ShellSuiteTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let files: [String] = {
        let dir = root.appendingPathComponent("Tests/shell").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasPrefix("t-") && $0.hasSuffix(".sh") }.sorted()
    }()
    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["JOBCTL"] { return b }
        // The test bundle sits beside the products in .build/<config>/.
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [bundle, bundle.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("jobctl").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return root.appendingPathComponent(".build/debug/jobctl").path
    }

    @Test(.timeLimit(.minutes(3)), arguments: files, ["bash", "dash"])
    func script(_ file: String, _ shell: String) throws {
        let harness = NSTemporaryDirectory() + "jobctl-harness-\(getpid())-\(file)-\(shell)"
        let p = Process()
        // timeout(1) bounds the whole file even if a process goes astray.
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["-k", "10", "200", Self.binary, "--state-dir", harness, "run", "--", "sh", Self.root.appendingPathComponent("Tests/shell/run.sh").path,
                       Self.root.appendingPathComponent("Tests/shell/\(file)").path]
        var env = ProcessInfo.processInfo.environment
        env["JOBCTL"] = Self.binary
        env["JOBCTL_TEST_SHELLS"] = shell
        env.removeValue(forKey: "JOBCTL_STATE_DIR")
        p.environment = env
        // Output into a file: a pipe could be held open by a stray process.
        let outPath = harness + ".out"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try? out.close()
        let data = FileManager.default.contents(atPath: outPath) ?? Data()
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: harness)
        let text = String(decoding: data, as: UTF8.self)
        let failures = text.split(separator: "\n").filter { $0.hasPrefix("not ok") || $0.hasPrefix("# ") && !$0.hasPrefix("# t-") }
        #expect(p.terminationStatus == 0, "\(file) under \(shell):\n\(failures.joined(separator: "\n"))\n---\n\(text.suffix(3000))")
    }
}
