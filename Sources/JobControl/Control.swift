import CJobControl
import Glibc

/// What opening a pidfd on a recorded process found.
enum Pin {
    /// The very process recorded: the pidfd pins it.
    case pinned(CInt)
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
    let fd = jc_pidfd_open(pid)
    if fd < 0 { return errno == ESRCH ? .gone : .unknown }
    switch ProcStat.lookup(pid) {
    case .found(let s) where s.startTime == start && !s.isDead: return .pinned(fd)
    case .found, .gone: close(fd); return .gone
    case .unknown: close(fd); return .unknown
    }
}

/// `pin`, for callers to whom a process that cannot be looked at is as good
/// as gone (they never act on it).
func pidfdIfSame(_ pid: Int32, start: UInt64) -> CInt? {
    if case .pinned(let fd) = pin(pid, start: start) { return fd }
    return nil
}

/// Signals and joins jobs.
public struct JobControl {
    public let store: StateStore
    public init(store: StateStore) { self.store = store }

    /// Sends `request` to a job's whole tree through its monitor; returns
    /// false if the job had already ended. A job whose monitor was killed
    /// is signalled directly (its group, pinned by its live leader) and the
    /// KILL follow-up is done here, in the foreground.
    @discardableResult
    public func signal(_ job: Job, _ request: KillRequest) throws(JobctlError) -> Bool {
        guard job.exit == nil else { return false }
        if let fd = pidfdIfSame(job.monitor, start: job.monitorStart) {
            defer { close(fd) }
            if jc_pidfd_send_sigval(fd, KillRequest.carrier, request.payload) == 0 { return true }
            if errno != ESRCH { throw .system("cannot signal the monitor of job \(job.id)", .current) }
        }
        guard let pid = job.pid, let fd = pidfdIfSame(pid, start: job.pidStart) else { return false }
        defer { close(fd) }
        // The leader is alive, so its group id cannot have been reused.
        if let g = job.pgid { kill(-g, request.signal) } else { _ = jc_pidfd_send_signal(fd, request.signal) }
        if let g = request.grace, request.signal != SIGKILL {
            if !pollReadable([fd], timeoutNs: g)[0] {
                if let grp = job.pgid, ProcStat.isAlive(pid, start: job.pidStart) { kill(-grp, SIGKILL) }
                else { _ = jc_pidfd_send_signal(fd, SIGKILL) }
            }
        }
        return true
    }

    /// Has the job not ended? (`kill -s 0`, Python's `is_alive()`.)
    public func isAlive(_ job: Job) -> Bool {
        let s = StateStore.liveState(job)
        return s == .running || s == .queued
    }

    /// How a wait ended for one job.
    public struct Ended {
        public var job: Job
        public var state: JobState
        /// bash's status: N, 128+SIG, or 1 when lost.
        public var shellStatus: Int32 {
            switch state {
            case .exited, .killed: return job.exit?.shellStatus ?? 1
            default: return 1
            }
        }
    }

    /// Blocks until every job (or, with `any`, the first) has ended, or
    /// until `timeout` (nanoseconds) passes: then throws `.timedOut`.
    /// Sleeps on a pidfd per monitor: a monitor exits right after its exit
    /// record is synced, so the record is there when the pidfd turns
    /// readable; a monitor that ended without one was killed, and its job is
    /// `lost`. (Not inotify: tearing down an inotify instance waits for an
    /// SRCU grace period, which added milliseconds to every wait's exit.)
    ///
    /// Under a low descriptor limit, jobs beyond what pidfds can be opened
    /// for are looked at again after a short sleep (1 ms, doubling to 100
    /// ms) until descriptors free up: slower, never wrong. A job is `lost`
    /// only when its monitor and its command are known to be gone.
    public func wait(for jobs: [Job], any: Bool, timeout: Int64?) throws(JobctlError) -> [Ended] {
        let deadline = timeout.map { monotonicNow() + $0 }
        raiseDescriptorLimit()
        var tail = TailReader(store: store)

        struct Watched { var job: Job; var pidfd: CInt; var watchingLeader: Bool }
        var watched: [Watched] = []
        var unwatched: [Job] = []  // no descriptor for these yet
        var done: [Ended] = []
        defer { for w in watched { close(w.pidfd) } }

        func ended(_ j: Job) -> Ended? {
            j.exit.map { Ended(job: j, state: $0.code < 0 ? .killed : .exited) }
        }
        /// Decides a job: it has ended for `wait` once its end is recorded
        /// and its monitor is gone, so that what the job left running (which
        /// the monitor ends) has ended too. Watches its monitor, or its
        /// orphaned leader, or calls it lost; false if it cannot be watched now.
        func watch(_ j: Job) -> Bool {
            switch pin(j.monitor, start: j.monitorStart) {
            case .pinned(let fd): watched.append(Watched(job: j, pidfd: fd, watchingLeader: false)); return true
            case .unknown:
                if let e = ended(j) { done.append(e); return true }
                return false
            case .gone: break
            }
            if let e = ended(j) { done.append(e); return true }
            // The monitor is gone; it may have written the record just before.
            let fresh: Job?
            do throws(JobctlError) { fresh = try store.job(id: j.id) } catch { return false }
            if let f = fresh, let e = ended(f) { done.append(e); return true }
            switch j.pid.map({ pin($0, start: j.pidStart) }) ?? .gone {
            case .pinned(let fd): watched.append(Watched(job: j, pidfd: fd, watchingLeader: true)); return true
            case .unknown: return false
            case .gone: done.append(Ended(job: j, state: .lost)); return true
            }
        }

        for j in jobs where !watch(j) { unwatched.append(j) }
        var backoff: Int64 = 1_000_000
        while !(watched.isEmpty && unwatched.isEmpty) && !(any && !done.isEmpty) {
            let left = deadline.map { $0 - monotonicNow() }
            if let l = left, l <= 0 { throw .timedOut }
            var sleep = left ?? -1
            if !unwatched.isEmpty { sleep = sleep < 0 ? backoff : min(sleep, backoff) }
            let ready = pollReadable(watched.map(\.pidfd), timeoutNs: sleep)
            if !ready.contains(true) && unwatched.isEmpty { continue }
            // Close what fired first: under a low limit, reading the state
            // needs the descriptor back.
            var fired: [Watched] = []
            var still: [Watched] = []
            for (k, w) in watched.enumerated() {
                if ready[k] { close(w.pidfd); fired.append(w) } else { still.append(w) }
            }
            watched = still
            // Exit records appended since we last looked: kept with their
            // jobs, which end for us when their monitors do.
            let exits = tail.newExits()
            func withExit(_ j: Job) -> Job {
                guard let (e, t) = exits[j.id] else { return j }
                var j = j
                j.exit = e
                j.ended = t
                return j
            }
            for k in watched.indices { watched[k].job = withExit(watched[k].job) }
            for w in fired {
                let j = withExit(w.job)
                if w.watchingLeader {
                    // The orphaned leader ended; its monitor, gone, wrote nothing.
                    if let e = ended(j) { done.append(e); continue }
                    let fresh: Job?
                    do throws(JobctlError) { fresh = try store.job(id: j.id) } catch { unwatched.append(j); continue }
                    done.append(fresh.flatMap(ended) ?? Ended(job: j, state: .lost))
                } else if !watch(j) {
                    unwatched.append(j)
                }
            }
            if !unwatched.isEmpty {
                let again = unwatched
                unwatched = []
                for j in again.map(withExit) where !watch(j) { unwatched.append(j) }
                backoff = min(backoff * 2, 100_000_000)
            }
        }
        return done
    }
}

/// One pidfd per waited job: lift the soft limit on descriptors to the hard one.
func raiseDescriptorLimit() {
    var lim = rlimit()
    if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &lim) == 0 && lim.rlim_cur < lim.rlim_max {
        lim.rlim_cur = lim.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &lim)
    }
}

/// Follows the state file from where it was, returning the exit records
/// appended since: a waiter reads only what is new, not the whole history.
struct TailReader {
    let store: StateStore
    var offset: Int
    var inode: UInt64

    init(store: StateStore) {
        self.store = store
        var st = stat()
        if fstatat(store.dirFD, StateStore.jobsFile, &st, 0) == 0 {
            offset = Int(st.st_size)
            inode = UInt64(st.st_ino)
        } else {
            offset = 0
            inode = 0
        }
    }

    mutating func newExits() -> [JobID: (ExitStatus, Int64)] {
        guard let f = try? openAt(store.dirFD, StateStore.jobsFile, O_RDONLY) else { return [:] }
        var st = stat()
        fstat(f.rawValue, &st)
        if UInt64(st.st_ino) != inode {
            // Compacted: the new file holds every exit in `job` lines.
            inode = UInt64(st.st_ino)
            offset = 0
        }
        let size = Int(st.st_size)
        guard size > offset, let data = try? f.read(at: offset, count: size - offset),
              let lastNL = data.lastIndex(of: 10) else { return [:] }
        offset += lastNL + 1
        var out: [JobID: (ExitStatus, Int64)] = [:]
        data.withUnsafeBufferPointer { b in
            StateStore.forEachLine(UnsafeBufferPointer(rebasing: b[0...lastNL])) { d in
                switch d {
                case .event(.exit(let id, let e, let t)): out[id] = (e, t)
                case .whole(let j): if let e = j.exit, let t = j.ended { out[j.id] = (e, t) }
                default: break
                }
            }
        }
        return out
    }
}

/// Copies a job's log to `out`; with `follow`, keeps copying as it grows
/// and returns once the job has ended and everything it wrote is out.
public func copyLog(store: StateStore, job: Job, follow: Bool, to out: CInt) throws(JobctlError) {
    let log = try store.openLog(job)
    var buf = [UInt8](repeating: 0, count: 65536)
    func drain() throws(JobctlError) {
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(log.rawValue, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            do throws(Errno) { try writeAll(fd: out, Array(buf[0..<n])) }
            catch { throw .system("cannot write output", error) }
        }
    }
    try drain()
    guard follow, job.exit == nil else { return }
    let inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
    do throws(Errno) {
        if inotify < 0 { throw .current }
        _ = try addWatch(inotify, on: log.rawValue, UInt32(IN_MODIFY))
    } catch {
        throw .system("cannot follow the log of job \(job.id)", error)
    }
    defer { close(inotify) }
    // What was written between the first drain and the watch raised no
    // event: copy it now, or a job that writes once and waits (a server
    // printing its port) would never be followed past that line.
    try drain()
    // The end of the job: its monitor ending, or the leader if orphaned.
    let ender = pidfdIfSame(job.monitor, start: job.monitorStart)
        ?? job.pid.flatMap { pidfdIfSame($0, start: job.pidStart) }
    guard let endFD = ender else { try drain(); return }
    defer { close(endFD) }
    while true {
        // Also watch our own output: once its reader is gone (`logs -f |
        // head -n 1`), the pipe reports POLLERR, and following is pointless.
        var pfds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: endFD, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: out, events: 0, revents: 0)]
        if poll(&pfds, 3, -1) < 0 && errno != EINTR { throw .system("cannot wait for the log", .current) }
        if pfds[2].revents & Int16(POLLERR | POLLHUP) != 0 { return }
        let ready = pfds.map { $0.revents != 0 }
        if ready[0] { drainInotify(inotify) }
        try drain()
        if ready[1] { try drain(); return }
    }
}

