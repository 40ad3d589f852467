import Foundation
@testable import JobControl
import JobControlSystem

func sampleJob(_ id: JobID, name: String = "sleep") -> Job {
    var j = Job(id: id, name: Array(name.utf8))
    j.pid = Int32(1000 + id)
    j.pgid = j.pid
    j.command = [Array("sleep".utf8), [0xff, 0x0a, 0x22]]
    j.cwd = Array("/tmp".utf8)
    j.started = 1_764_091_488_000_000
    return j
}

/// A private directory under /tmp, removed with everything in it once the
/// test lets go of it.
final class TemporaryDirectory {
    let path: String
    init() {
        var template = Array("/tmp/jobctl-unit.XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }
    /// A state store in a fresh subdirectory `s`.
    func store() throws -> StateStore { try StateStore(path: Array((path + "/s").utf8)) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Counts the calls a fault sees, for faults that strike the first N.
final class CallCount: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    /// Counts one call; true for the first `limit`.
    func next(upTo limit: Int) -> Bool {
        lock.lock(); defer { lock.unlock() }
        n += 1
        return n <= limit
    }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}

/// A child process to stand in for a job's monitor, with its identity as
/// the state records one.
final class StandIn {
    let process = Process()
    init(_ script: String) throws {
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
    }
    var identity: ProcessIdentity {
        let pid = process.processIdentifier
        return ProcessIdentity(pid: pid, start: ProcStat.read(pid)?.startTime ?? 0)
    }
    /// A running job record with this process as its monitor.
    func job(_ id: JobID, log: String? = nil) -> Job {
        var j = sampleJob(id)
        j.pid = nil
        j.pgid = nil
        j.monitor = identity.pid
        j.monitorStart = identity.start
        if let l = log { j.log = Array(l.utf8) }
        return j
    }
    deinit {
        // KILL: the test runner's threads block TERM, and a child
        // started from one inherits that mask.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
