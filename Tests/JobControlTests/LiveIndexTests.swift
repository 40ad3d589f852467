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

    func spares() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: temp.path + "/s/live").filter { $0.hasPrefix(".spare-") }
    }

    // An ended job's file is kept as a spare, and the next job's file is
    // made from it: that job must read as itself whether the old record was
    // longer or shorter, and nothing of the old job may show.
    @Test(arguments: [1, 300, 10_000])
    func aJobMadeFromASpareReadsAsItself(_ oldLength: Int) throws {
        let s = try temp.store()
        _ = try ids(s)  // the index exists from here on
        var old = sampleJob(1)
        old.command = [Array(repeating: UInt8(ascii: "a"), count: oldLength)]
        try s.appendStart(1, Records.encode(old))
        try end(s, 1)
        #expect(try spares().count == 1)
        var new = sampleJob(2)
        new.pid = nil
        try s.appendStart(2, Records.encode(new))
        #expect(try spares().isEmpty)
        #expect(try ids(s) == [2])
        // Byte for byte: no tail of the longer old record after the line.
        #expect(FileManager.default.contents(atPath: temp.path + "/s/live/2") == Data(Records.encode(new)))
    }

    // None, one, just under, at and past the bound of 64 spares; then as
    // many new jobs, which use them up and are listed exactly.
    @Test(arguments: [0, 1, 63, 64, 65, 200])
    func sparesAreBoundedAndUsedUp(_ n: Int) throws {
        let s = try temp.store()
        _ = try ids(s)
        for id in stride(from: 1, through: n, by: 1) { try start(s, id) }
        for id in stride(from: n, through: 1, by: -1) { try end(s, id) }
        #expect(try ids(s) == [])
        #expect(try spares().count == min(n, StateStore.spares))
        let next = Array(stride(from: n + 1, through: 2 * n, by: 1))
        for id in next { try start(s, id) }
        #expect(try ids(s) == next)
        #expect(try spares().count == max(0, min(n, StateStore.spares) - n))
    }

    // A spare that cannot be rewritten leaves the index to be rebuilt,
    // never listing the spare's old job.
    @Test(arguments: ["write", "ftruncate", "renameat"])
    func aSpareThatCannotBeReusedIsNeverListed(_ call: String) throws {
        let s = try temp.store()
        _ = try ids(s)
        try start(s, 1)
        try end(s, 1)
        // The first write is the start record's, which must get through.
        let writes = CallCount()
        try SystemFaults.with({ c in
            c == call && (call != "write" || writes.next(upTo: 2) && writes.value == 2) ? .ioError : nil
        }) { try start(s, 2) }
        #expect(try ids(s) == [2])
    }

    // A pool job's run event rewrites its record from a spare, which the
    // old record then becomes (or, where names cannot be swapped, is
    // dropped): either way the new record is what is listed.
    @Test(arguments: [false, true])
    func aRewriteFromASpareKeepsTheSpare(_ noExchange: Bool) throws {
        let s = try temp.store()
        _ = try ids(s)
        try start(s, 1)
        try start(s, 2)
        try end(s, 2)
        #expect(try spares().count == 1)
        var j = sampleJob(1)
        j.pid = 4242
        try SystemFaults.with({ c in noExchange && c == "renameat2" ? Errno(rawValue: EINVAL) : nil }) { try s.appendRun(j) }
        #expect(try s.unendedJobs().map(\.pid) == [4242])
        #expect(FileManager.default.contents(atPath: temp.path + "/s/live/1") == Data(Records.encode(j)))
        #expect(try spares().count == (noExchange ? 0 : 1))
    }
}
