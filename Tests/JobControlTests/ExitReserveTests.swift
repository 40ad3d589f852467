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
}
