import Foundation
import Testing
@testable import JobControl
import JobControlSystem

/// `wait` with no descriptor to spare: a job whose monitor cannot be
/// watched yet (EMFILE) is looked at again until it can, and its exit code
/// comes back as if nothing had happened; it is never taken for lost.
@Suite struct WaitTests {
    let temp = TemporaryDirectory()

    @Test(arguments: [1, 3, 12])
    func descriptorStarvationStillJoinsWithTheExitCode(_ failures: Int) throws {
        let store = try temp.store()
        let exitLine = temp.path + "/exit"
        // The stand-in monitor records the job's end and exits, as a monitor does.
        let monitor = try StandIn("sleep 0.3; cat '\(exitLine)' >> '\(temp.path)/s/jobs.jsonl'")
        let j = monitor.job(1)
        try store.append(Records.encode(j))
        _ = FileManager.default.createFile(atPath: exitLine, contents: Data(Records.encodeExit(1, ExitStatus(code: 7), ended: j.started + 1)))
        let strikes = CallCount()
        let ended = try SystemFaults.with({ call in
            call == "pidfd_open" && strikes.next(upTo: failures) ? .tooManyOpenFiles : nil
        }) {
            try LocalBackend(store: store).wait(for: [j], any: false, timeout: 20_000_000_000)
        }
        #expect(strikes.value >= 1)  // the fault struck
        #expect(ended.map(\.state) == [.exited])
        #expect(ended.first?.shellStatus == 7)
    }

    @Test func aMonitorGoneWithoutARecordIsLost() throws {
        let store = try temp.store()
        let monitor = try StandIn("exit 0")
        let j = monitor.job(1)
        try store.append(Records.encode(j))
        monitor.process.waitUntilExit()
        let ended = try LocalBackend(store: store).wait(for: [j], any: false, timeout: 20_000_000_000)
        #expect(ended.map(\.state) == [.lost])
    }
}
