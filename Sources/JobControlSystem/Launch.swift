import CJobControl
import Glibc

/// How a job's command is started: the child side of clone→exec, in C
/// (only async-signal-safe code may run there), described here.
public struct LaunchSpec {
    public var command: [[UInt8]]
    public var environment: [[UInt8]]
    /// nil: where the caller is.
    public var directory: [UInt8]?
    public var stdin: CInt, stdout: CInt, stderr: CInt
    /// setsid(): a session and process group of its own.
    public var newSession: Bool
    /// Descriptors the command inherits (a lock, a pool slot).
    public var inherited: [CInt] = []
    /// Sent to the command when its parent (the monitor) dies; 0: none.
    public var parentDeathSignal: Int32 = 0

    public init(command: [[UInt8]], environment: [[UInt8]], directory: [UInt8]?,
                stdin: CInt, stdout: CInt, stderr: CInt, newSession: Bool) {
        self.command = command
        self.environment = environment
        self.directory = directory
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.newSession = newSession
    }
}

/// Where starting a command failed, and why. The same values cross the
/// status pipe from a monitor to `spawn` (see `LaunchFailure.encoded`).
public struct LaunchFailure: Error, Equatable, Sendable {
    public enum Stage: Int32, Sendable {
        case changeDirectory = 1  // JC_STAGE_CHDIR
        case exec = 2             // JC_STAGE_EXEC
        case setup = 3            // JC_STAGE_SETUP: clone, or the child's set-up
        /// Not the child's: the monitor could not record the job.
        case record = 4
    }
    public var stage: Stage
    public var errno: Errno
    public init(stage: Stage, errno: Errno) { self.stage = stage; self.errno = errno }
}

/// Starts the command as posix_spawn does (clone with CLONE_VM|CLONE_VFORK):
/// returns once it has exec'd. On failure the child is reaped here.
public func launch(_ spec: LaunchSpec) -> Result<Int32, LaunchFailure> {
    var stage: Int32 = 0, err: Int32 = 0
    let keep = spec.inherited + [-1, -1]
    let pid: pid_t = withCStringArray(spec.command) { argv in
        withCStringArray(spec.environment) { envp in
            (spec.directory ?? []).withCString { cwdp in
                var c = jc_exec_spec(
                    argv: argv, envp: envp, cwd: spec.directory == nil ? nil : cwdp,
                    stdin_fd: spec.stdin, stdout_fd: spec.stdout, stderr_fd: spec.stderr,
                    new_session: spec.newSession ? 1 : 0, keep_fd: keep[0], keep_fd2: keep[1],
                    parent_death_signal: spec.parentDeathSignal)
                return jc_spawn_job(&c, &stage, &err)
            }
        }
    }
    if pid < 0 { return .failure(LaunchFailure(stage: .setup, errno: .current)) }
    if stage != 0 {
        _ = Processes.reap(pid, wait: true)
        return .failure(LaunchFailure(stage: LaunchFailure.Stage(rawValue: stage) ?? .setup, errno: Errno(rawValue: err)))
    }
    return .success(pid)
}

/// What a helper command (`sbatch`, `squeue`) printed, and how it ended.
public struct Captured: Sendable {
    public var status: WaitStatus
    public var out: [UInt8]
    public var err: [UInt8]
}

/// Runs a short-lived helper command to its end, as `$(...)` would: stdin
/// /dev/null, stdout and stderr read into memory (both at once, so that
/// neither can fill its pipe while the other is read). Fails only if the
/// command could not be started (127: not found, as for a job).
public func runCapturing(_ command: [[UInt8]]) -> Result<Captured, LaunchFailure> {
    do throws(Errno) {
        let out = try Pipe(), err = try Pipe()
        let null = try FileDescriptor.open(Array("/dev/null".utf8), .readOnly)
        return capture(command, out: out, err: err, null: null)
    } catch {
        return .failure(LaunchFailure(stage: .setup, errno: error))
    }
}

private func capture(_ command: [[UInt8]], out: consuming Pipe, err: consuming Pipe,
                     null: borrowing FileDescriptor) -> Result<Captured, LaunchFailure> {
    let spec = LaunchSpec(command: command, environment: Processes.environment(), directory: nil,
                          stdin: null.rawValue, stdout: out.write.rawValue, stderr: err.write.rawValue,
                          newSession: false)
    let started = launch(spec)
    let outRead = out.read, errRead = err.read
    // Our copies of the write ends go now, or the reads would never end.
    _ = consume out.write
    _ = consume err.write
    let pid: Int32
    switch started {
    case .failure(let f): return .failure(f)
    case .success(let p): pid = p
    }
    var got = Captured(status: WaitStatus(rawValue: 0), out: [], err: [])
    var open = [outRead.rawValue, errRead.rawValue]
    while !open.isEmpty {
        let ready = pollReadable(open, timeoutNs: nil)
        var still: [CInt] = []
        for (k, fd) in open.enumerated() {
            guard ready[k] else { still.append(fd); continue }
            let chunk = (try? StandardStreams.read(fd, upTo: 65536)) ?? []
            if chunk.isEmpty { continue }
            if fd == outRead.rawValue { got.out += chunk } else { got.err += chunk }
            still.append(fd)
        }
        open = still
    }
    got.status = Processes.reap(pid, wait: true)?.status ?? WaitStatus(rawValue: 0)
    withExtendedLifetime(outRead) {}
    withExtendedLifetime(errRead) {}
    return .success(got)
}
