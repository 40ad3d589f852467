import Foundation
import Testing
@testable import JobControl
import JobControlSystem

/// An exit record that cannot be written (a full disk) leaves no half line
/// and the job still running in the state; written later, it counts.
@Suite struct ExitReserveTests {
    let temp = TemporaryDirectory()

    @Test(arguments: [Errno.noSpace, .ioError])
    func anExitThatCannotBeWrittenLeavesNothingAndCanBeRetried(_ e: Errno) throws {
        let store = try temp.store()
        var job = sampleJob(1)
        job.pid = nil
        try store.appendStart(1, Records.encode(job))
        let exit = Records.encodeExit(1, ExitStatus(code: 3), ended: job.started + 1)
        #expect(throws: JobctlError.system("cannot write \(temp.path)/s/jobs.jsonl", e)) {
            try SystemFaults.with({ $0 == "write" ? e : nil }) { try store.appendExit(1, exit, releasing: true) }
        }
        var (jobs, skipped) = try store.loadAll()
        #expect(jobs.first?.exit == nil)
        #expect(skipped.invalid == 0)
        try store.appendExit(1, exit, releasing: false)
        (jobs, skipped) = try store.loadAll()
        #expect(jobs.first?.exit == ExitStatus(code: 3))
        #expect(skipped.invalid == 0)
    }

    @Test func aSyncThatFailsIsReported() throws {
        let store = try temp.store()
        try store.appendStart(1, Records.encode(sampleJob(1)))
        #expect(throws: JobctlError.system("cannot sync \(temp.path)/s/jobs.jsonl", .ioError)) {
            try SystemFaults.with({ $0 == "fdatasync" ? .ioError : nil }) {
                try store.appendExit(1, Records.encodeExit(1, ExitStatus(code: 0), ended: 1), releasing: true)
            }
        }
    }

    /// Jobs that start and end, one after another or some at once, leave
    /// the reserve at what the most that ran at once needed, not a block
    /// per job ever started; and it always holds a block per running job.
    @Test(arguments: [1, 2, 7])
    func theReserveFollowsWhatRunsNotWhatRan(_ atOnce: Int) throws {
        let store = try temp.store()
        var id = 0
        for _ in 0..<40 {
            let first = id + 1
            for _ in 0..<atOnce {
                id += 1
                var j = sampleJob(id)
                j.pid = nil
                try store.appendStart(id, Records.encode(j))
            }
            let size = try FileManager.default.attributesOfItem(atPath: temp.path + "/s/reserve")[.size] as! Int
            #expect(size >= atOnce * StateStore.reserveUnit)
            for k in first...id {
                try store.appendExit(k, Records.encodeExit(k, ExitStatus(code: 0), ended: 1), releasing: true)
            }
        }
        let size = try FileManager.default.attributesOfItem(atPath: temp.path + "/s/reserve")[.size] as! Int
        #expect(size == atOnce * StateStore.reserveUnit)
        #expect(try store.unendedJobs().isEmpty)
    }
}
