import JobControlSystem

/// What a new job's monitor tells `spawn` over a close-on-exec pipe: 8
/// bytes, {stage, errno}, all zero once the job runs and is recorded. If
/// the monitor dies first, `spawn` reads fewer.
enum StatusPipe {
    static func send(_ fd: borrowing FileDescriptor, _ failure: LaunchFailure?) {
        let msg: [Int32] = [failure?.stage.rawValue ?? 0, failure?.errno.rawValue ?? 0]
        try? fd.writeAll(msg.withUnsafeBytes { Array($0) })
    }

    /// nil: the job runs. Throws if the monitor died before saying.
    static func read(_ fd: borrowing FileDescriptor, job id: JobID) throws(JobctlError) -> LaunchFailure? {
        var msg: [UInt8] = []
        while msg.count < 8 {
            let chunk = (try? fd.read(upTo: 8 - msg.count)) ?? []
            if chunk.isEmpty { break }
            msg += chunk
        }
        guard msg.count == 8 else { throw .failure("the monitor of job \(id) died before the job started") }
        let words = msg.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        guard words[0] != 0 else { return nil }
        return LaunchFailure(stage: LaunchFailure.Stage(rawValue: words[0]) ?? .setup, errno: Errno(rawValue: words[1]))
    }
}

extension LaunchFailure {
    /// A monitor's own failure at `stage` (setting up, recording the job).
    static func of(_ error: JobctlError, at stage: Stage) -> LaunchFailure {
        if case .system(_, let e) = error { return LaunchFailure(stage: stage, errno: e) }
        return LaunchFailure(stage: stage, errno: .ioError)
    }

    /// The one mapping from where starting a command failed to what jobctl
    /// says and exits with (ENOENT from exec: 127, any other exec failure:
    /// 126).
    func error(command: [UInt8], directory: [UInt8]?) -> JobctlError {
        let cmd = display(command)
        switch stage {
        case .changeDirectory: return .system("cannot change directory to \(display(directory ?? [46]))", errno)
        case .exec: return errno == .noEntry ? .commandNotFound(cmd) : .cannotExecute(cmd, errno)
        case .record: return .system("cannot record the job", errno)
        case .setup: return .system("cannot start \(cmd)", errno)
        }
    }
}

/// How a new monitor tells its `spawn` how the start went.
enum StartReport: ~Copyable {
    /// `spawn` reads it from this pipe (`StatusPipe`) and says it itself.
    case pipe(FileDescriptor)
    /// `spawn` only waits to exit with the status handed over on this pipe
    /// (`Spawner.spawnThenExit`): the monitor says it for it.
    case handOver(FileDescriptor, SpawnOutcome)
}

extension StartReport {
    /// The job cannot start: its spawn fails with `failure` (said by spawn,
    /// or here for it).
    consuming func failed(_ failure: LaunchFailure, command: [UInt8]) {
        switch consume self {
        case .pipe(let fd):
            StatusPipe.send(fd, failure)
        case .handOver(let fd, let outcome):
            outcome.failed(failure.error(command: command, directory: outcome.directory), handOver: fd)
        }
    }
}

/// What `spawn` does with a start's outcome, done by the monitor when spawn
/// only waits to exit: print the id, or undo the spawn and print the error.
final class SpawnOutcome {
    /// `-C`, for the error of a job that cannot change to it.
    let directory: [UInt8]?
    /// Prints the id; throws if it cannot (stdout closed, full, a pipe
    /// whose reader is gone).
    let announce: (JobID) throws(JobctlError) -> Void
    /// Prints the error and gives spawn's exit status.
    let fail: (JobctlError) -> Int32
    /// What a spawn that fails must remove (its log, fifo, --stdout file).
    var cleanups: [() -> Void] = []

    init(directory: [UInt8]?, announce: @escaping (JobID) throws(JobctlError) -> Void,
         fail: @escaping (JobctlError) -> Int32) {
        self.directory = directory
        self.announce = announce
        self.fail = fail
    }

    /// The job cannot start: undo the spawn, say why, and exit `spawn`.
    func failed(_ error: JobctlError, handOver fd: consuming FileDescriptor) {
        for c in cleanups.reversed() { c() }
        Processes.handOver(fd, exitCode: fail(error))
    }

    /// The error spawn ends with when the caller could not be given the id
    /// (the job is then killed, or never runs, and stays recorded so).
    static func unannounced(_ error: JobctlError, _ id: JobID) -> JobctlError {
        .failure("\(error.message): job \(id) was killed, since its id could not be given")
    }
}
