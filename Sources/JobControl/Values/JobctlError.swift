import JobControlSystem

/// Every failure jobctl reports; each maps to one exit status of the contract.
public enum JobctlError: Error, Equatable {
    /// Bad option, operand, duration or signal: exit 2.
    case usage(String)
    /// An operand that names no job: exit 1.
    case noSuchJob(String)
    /// Something the system refused, with the object it was about: exit 1.
    case system(String, Errno)
    /// Any other failure worth one line: exit 1.
    case failure(String)
    /// `wait`/`lock` gave up: exit 124.
    case timedOut
    /// The command exists but cannot be executed: exit 126.
    case cannotExecute(String, Errno)
    /// The command was not found: exit 127.
    case commandNotFound(String)

    public var exitCode: Int32 {
        switch self {
        case .usage: return 2
        case .noSuchJob, .system, .failure: return 1
        case .timedOut: return 124
        case .cannotExecute: return 126
        case .commandNotFound: return 127
        }
    }

    /// One line, without the `jobctl: ` prefix.
    public var message: String {
        switch self {
        case .usage(let m), .failure(let m): return m
        case .noSuchJob(let j): return "no such job: \(j)"
        case .system(let what, let e): return "\(what): \(e.description)"
        case .timedOut: return "timed out"
        case .cannotExecute(let c, let e): return "\(c): \(e.description)"
        case .commandNotFound(let c): return "\(c): command not found"
        }
    }
}

/// Runs `body`; a system call failing in it becomes `.system(what, errno)`:
/// the one way a failed call turns into the line a user reads.
@inline(__always)
func attempt<T: ~Copyable>(_ what: @autoclosure () -> String, _ body: () throws(Errno) -> T) throws(JobctlError) -> T {
    do throws(Errno) { return try body() } catch { throw .system(what(), error) }
}
