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
