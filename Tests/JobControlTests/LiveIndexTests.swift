import Foundation
import Testing
@testable import JobControl
import JobControlSystem

/// The live index (`DIR/live`): it lists exactly the jobs the log says
/// have not ended, whether built from the log or kept as jobs start and
/// end, and a write that fails makes it rebuilt, never wrong.
@Suite struct LiveIndexTests {
    let temp = TemporaryDirectory()

    func start(_ s: StateStore, _ id: JobID) throws {
        var j = sampleJob(id)
        j.pid = nil
        try s.appendStart(id, Records.encode(j))
    }
    func end(_ s: StateStore, _ id: JobID) throws {
        try s.appendExit(id, Records.encodeExit(id, ExitStatus(code: 0), ended: 1_764_091_489_000_000), releasing: true)
    }
    func ids(_ s: StateStore) throws -> [JobID] { try s.unendedJobs().map(\.id) }

    // None, one, some, and every job of a longer log ended.
    @Test(arguments: [(0, [Int]()), (1, []), (1, [1]), (7, [2, 4, 6]), (300, Array(1...299))])
    func builtFromTheLogItListsWhatHasNotEnded(_ n: Int, _ ended: [Int]) throws {
        let s = try temp.store()
        // Written without the index, as a jobctl before it did.
        for id in stride(from: 1, through: n, by: 1) { try s.append(Records.encode(sampleJob(id))) }
        for id in ended { try s.append(Records.encodeExit(id, ExitStatus(code: 0), ended: 1)) }
        let want = stride(from: 1, through: n, by: 1).filter { !ended.contains($0) }
        #expect(try ids(s) == want)
        #expect(FileManager.default.fileExists(atPath: temp.path + "/s/live/.complete"))
        #expect(try ids(s) == want)  // now from the index
    }

    @Test func keptAsJobsStartAndEnd() throws {
        let s = try temp.store()
        #expect(try ids(s) == [])
        for id in 1...5 { try start(s, id) }
        try end(s, 2)
        try end(s, 5)
        #expect(try ids(s) == [1, 3, 4])
        try s.remove([sampleJob(3)])
        #expect(try ids(s) == [1, 4])
        // Deleted, it comes back the same from the log.
        try FileManager.default.removeItem(atPath: temp.path + "/s/live")
        #expect(try ids(s) == [1, 4])
    }

    @Test(arguments: ["renameat", "write"])
    func aRewriteThatFailsIsRebuiltWithTheNewRecord(_ call: String) throws {
        let s = try temp.store()
        try start(s, 1)
        #expect(try ids(s) == [1])
        var j = sampleJob(1)
        j.pid = 4242
        // The run event is appended; the live file's rewrite then fails.
        let strikes = CallCount()
        try SystemFaults.with({ c in
            c == call && (call == "renameat" || strikes.next(upTo: 2) && strikes.value == 2) ? .noSpace : nil
        }) { try s.appendRun(j) }
        #expect(try s.unendedJobs().map(\.pid) == [4242])
    }
}
