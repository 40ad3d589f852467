import JobControlSystem

/// The fields of /proc/PID/stat that jobctl needs.
public struct ProcStat {
    public var comm: [UInt8]
    public var state: UInt8
    public var ppid: Int32
    public var pgrp: Int32
    public var session: Int32
    /// Clock ticks after boot at which the process started: with the PID, an
    /// identity that survives PID reuse.
    public var startTime: UInt64

    /// Has the process ended? A zombie still has a /proc entry and its start
    /// time (PID 1 here never reaps), but it is not alive.
    public var isDead: Bool { state == UInt8(ascii: "Z") || state == UInt8(ascii: "X") }
    /// Stopped by a signal (`T`), or stopped under a tracer (`t`).
    public var isStopped: Bool { state == UInt8(ascii: "T") || state == UInt8(ascii: "t") }

    /// What a look at /proc/PID/stat found.
    public enum Lookup {
        case found(ProcStat)
        /// No such process.
        case gone
        /// It could not be looked at (no descriptor left, say): it may live.
        case unknown(Errno)
    }

    public static func lookup(_ pid: Int32) -> Lookup {
        do throws(Errno) {
            let raw = try RawProcStat.read(pid)
            return .found(ProcStat(comm: raw.comm, state: raw.state, ppid: raw.ppid, pgrp: raw.pgrp,
                                   session: raw.session, startTime: raw.startTime))
        } catch {
            return error == .noEntry || error == .noSuchProcess ? .gone : .unknown(error)
        }
    }

    public static func read(_ pid: Int32) -> ProcStat? {
        if case .found(let s) = lookup(pid) { return s }
        return nil
    }

    /// True while `pid` is the same live process that started at `start`.
    /// For a decision to signal: false unless known alive.
    public static func isAlive(_ pid: Int32, start: UInt64) -> Bool {
        guard pid > 0, let s = read(pid) else { return false }
        return s.startTime == start && !s.isDead
    }

    /// False only if the process is known to have ended. For a decision that
    /// a job is `lost`, or that a lock holder is gone: what could not be
    /// looked at is not taken for dead.
    public static func mayBeAlive(_ pid: Int32, start: UInt64) -> Bool {
        guard pid > 0 else { return false }
        switch lookup(pid) {
        case .found(let s): return s.startTime == start && !s.isDead
        case .gone: return false
        case .unknown: return true
        }
    }

    /// Every process on the machine with its parent, from /proc.
    static func all() -> [(pid: Int32, stat: ProcStat)] {
        RawProcStat.allPIDs().compactMap { pid in read(pid).map { (pid, $0) } }
    }

    /// Names that jobctl's monitors give themselves (prctl PR_SET_NAME), for
    /// ps(1). A name proves nothing (any process can write /proc/self/comm):
    /// it only says which processes are worth checking against the state.
    public static let monitorName = "jobctl-monitor"
    public static let daemonMonitorName = "jobctl-daemon"

    var hasMonitorName: Bool {
        comm.elementsEqual(ProcStat.monitorName.utf8) || comm.elementsEqual(ProcStat.daemonMonitorName.utf8)
    }

    /// The live descendants of `root`, not crossing into another job's
    /// monitor: a job started from inside a job is a job of its own. A
    /// process is such a monitor only if the state records it as one (PID
    /// and start time); `knownMonitors` is asked at most once, and only if
    /// some descendant bears a monitor's name.
    static func descendants(of root: Int32, knownMonitors: () -> Set<ProcessIdentity>) -> [(pid: Int32, stat: ProcStat)] {
        let procs = all()
        var children: [Int32: [Int]] = [:]
        for (k, p) in procs.enumerated() { children[p.stat.ppid, default: []].append(k) }
        var known: Set<ProcessIdentity>?
        var out: [(Int32, ProcStat)] = []
        var stack = [root]
        while let p = stack.popLast() {
            for k in children[p] ?? [] {
                let c = procs[k]
                // A zombie is no one to signal, but its children are walked:
                // /proc is read one process at a time, so a child may still
                // show the zombie as its parent although it was reparented.
                if c.stat.isDead { stack.append(c.pid); continue }
                if c.stat.hasMonitorName {
                    if known == nil { known = knownMonitors() }
                    if known!.contains(ProcessIdentity(pid: c.pid, start: c.stat.startTime)) { continue }
                }
                out.append(c)
                stack.append(c.pid)
            }
        }
        return out
    }
}

/// A process as jobctl names one: its PID and start time, which together
/// survive PID reuse.
public struct ProcessIdentity: Hashable, Sendable {
    public var pid: Int32
    public var start: UInt64
}

/// Is the caller inside a daemon job? Walks the caller's ancestors: a daemon
/// job's monitor is a subreaper, so every descendant of the job, even one
/// that left its session and was orphaned, still has it as an ancestor; and
/// unlike an environment variable, the ancestry cannot be shed.
public func insideDaemonJob() -> Bool {
    var pid = Processes.parent
    var hops = 0
    while pid > 1 && hops < 4096, let s = ProcStat.read(pid) {
        if s.comm.elementsEqual(ProcStat.daemonMonitorName.utf8) { return true }
        pid = s.ppid
        hops += 1
    }
    return false
}

/// What opening a pidfd on a recorded process found.
enum Pin: ~Copyable {
    /// The very process recorded: the pidfd pins it.
    case pinned(FileDescriptor)
    /// It has ended (or the PID now belongs to another process).
    case gone
    /// It could not be looked at (no descriptor left): it may still run.
    case unknown
}

/// Opens a pidfd on `pid` only if it is still the process that started at
/// `start`: the pidfd is opened first, so the check that follows is about
/// the very process the pidfd pins, and a reused PID is never taken for it.
func pin(_ pid: Int32, start: UInt64) -> Pin {
    guard pid > 0 else { return .gone }
    let fd: FileDescriptor
    do throws(Errno) { fd = try Processes.pidfd(pid) } catch { return error == .noSuchProcess ? .gone : .unknown }
    switch ProcStat.lookup(pid) {
    case .found(let s) where s.startTime == start && !s.isDead: return .pinned(fd)
    case .found, .gone: return .gone
    case .unknown: return .unknown
    }
}

extension Job {
    /// A pidfd of this local job's monitor while it is the same process:
    /// readable once the monitor has ended (`events --follow` learns of a
    /// job lost that way). nil for a cluster job or a monitor already gone.
    public var monitorPidfd: FileDescriptor? {
        slurmID != nil || onSlurm ? nil : pidfdIfSame(monitor, start: monitorStart)
    }
    /// The same for the job's own process (a job whose monitor is gone
    /// runs on until it ends, and is lost only then).
    public var leaderPidfd: FileDescriptor? {
        guard slurmID == nil && !onSlurm, let p = pid else { return nil }
        return pidfdIfSame(p, start: pidStart)
    }
}

/// `pin`, for callers to whom a process that cannot be looked at is as good
/// as gone (they never act on it).
func pidfdIfSame(_ pid: Int32, start: UInt64) -> FileDescriptor? {
    switch pin(pid, start: start) {
    case .pinned(let fd): return fd
    case .gone: return nil
    case .unknown: return nil
    }
}
