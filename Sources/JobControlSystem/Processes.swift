import CJobControl
import Glibc

/// Processes: identity, signals, pidfds, reaping, and the setup of the
/// process that is a job's monitor.
public enum Processes {
    public static var current: Int32 { getpid() }
    public static var parent: Int32 { getppid() }
    public static var effectiveUser: UInt32 { geteuid() }

    /// kill(2) of a process, or with `group` of its process group.
    public static func signal(_ pid: Int32, _ sig: Int32, group: Bool = false) throws(Errno) {
        try nothingOrErrno("kill") { kill(group ? -pid : pid, sig) }
    }

    /// A pidfd (pidfd_open(2)): it names this very process for as long as
    /// it is open, and turns readable once the process has ended.
    public static func pidfd(_ pid: Int32) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try valueOrErrno("pidfd_open") { jc_pidfd_open(pid) })
    }
    public static func signal(pidfd: borrowing FileDescriptor, _ sig: Int32) throws(Errno) {
        try nothingOrErrno("pidfd_send_signal") { jc_pidfd_send_signal(pidfd.rawValue, sig) }
    }
    /// pidfd_send_signal(2) with a payload, as sigqueue(3) sends one.
    public static func signal(pidfd: borrowing FileDescriptor, _ sig: Int32, value: UInt64) throws(Errno) {
        try nothingOrErrno("pidfd_send_signal") { jc_pidfd_send_sigval(pidfd.rawValue, sig, value) }
    }

    /// Reaps one ended child (`pid`, or any with nil) without waiting:
    /// its pid and wait status, or nil if none has ended.
    public static func reap(_ pid: Int32? = nil, wait: Bool = false) -> (pid: Int32, status: WaitStatus)? {
        var st: Int32 = 0
        let p = try? valueOrErrno("waitpid") { waitpid(pid ?? -1, &st, wait ? 0 : WNOHANG) }
        guard let p, p > 0 else { return nil }
        return (p, WaitStatus(rawValue: st))
    }

    /// Has this process any child, ended or not (waitid WNOWAIT: nothing is
    /// reaped)?
    public static func hasChildren() -> Bool {
        var info = siginfo_t()
        return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 || errno != ECHILD
    }

    /// fork(2): 0 in the child.
    public static func fork() throws(Errno) -> Int32 { try valueOrErrno("fork") { Glibc.fork() } }

    /// Runs `child` in a new process that shares this one's memory (clone
    /// with CLONE_VM: nothing is copied, where fork copies page tables and
    /// then faults in every page either side writes), and exits this process
    /// with the status the child hands over (`handOver`). Until then this
    /// process only waits in C, so the two never run Swift at once; after,
    /// this process is gone and everything in it is the child's. Returns
    /// (throws) only if the child could not be started.
    ///
    /// For a caller whose only work left is to exit: `child` must never
    /// return, and must do what the caller would have done after (print,
    /// clean up) before it hands over. `pipe` carries the status.
    public static func startSharingMemory(_ pipe: borrowing Pipe, _ child: @escaping () -> Never) throws(Errno) -> Never {
        let box = Unmanaged.passRetained(ChildBody(child)).toOpaque()  // never released: the child owns it
        let err = jc_clone_and_exit({ arg in
            Unmanaged<ChildBody>.fromOpaque(arg!).takeUnretainedValue().run()
        }, box, pipe.read.rawValue, pipe.write.rawValue)
        throw Errno(rawValue: err)
    }

    /// The child's side of `startSharingMemory`: the caller exits `code`.
    public static func handOver(_ status: consuming FileDescriptor, exitCode code: Int32) {
        jc_hand_over(status.release(), code)
    }

    private final class ChildBody {
        let run: () -> Never
        init(_ run: @escaping () -> Never) { self.run = run }
    }

    /// _exit(2): no atexit handlers, no flushing of what the parent buffered.
    public static func exitNow(_ code: Int32) -> Never { _exit(code) }

    /// setsid(2): a session and process group of its own, no terminal.
    public static func startSession() { _ = setsid() }

    /// Orphaned descendants come back to this process rather than to PID 1.
    public static func becomeChildSubreaper() { _ = jc_set_child_subreaper() }

    /// The name ps(1) shows (prctl PR_SET_NAME).
    public static func setName(_ name: String) { _ = jc_set_name(name) }

    /// Closes every descriptor from 3 up but `keep` (close_range(2)).
    public static func closeDescriptors(except keep: [CInt]) {
        keep.withUnsafeBufferPointer { jc_close_all_except($0.baseAddress!, CInt($0.count)) }
    }

    /// Drops the mappings of the program's text, which fault back in from
    /// the page cache: a long-lived monitor keeps only what its loop touches.
    public static func dropProgramPages() { jc_drop_readonly_file_pages() }

    /// Lifts the soft limit on open descriptors to the hard one.
    public static func raiseDescriptorLimit() {
        var lim = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max
            _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &lim)
        }
    }

    /// Sleeps for `ns` nanoseconds (interrupted sleeps are not resumed).
    public static func sleep(nanoseconds ns: Int64) {
        var ts = timespec(tv_sec: Int(ns / 1_000_000_000), tv_nsec: Int(ns % 1_000_000_000))
        _ = nanosleep(&ts, nil)
    }

    /// The environment, as `K=V` byte strings.
    public static func environment() -> [[UInt8]] {
        var env: [[UInt8]] = []
        var p = Glibc.environ
        while let e = p.pointee {
            env.append(bytes(e))
            p += 1
        }
        return env
    }

    /// argv as bytes: CommandLine.arguments would repair invalid UTF-8.
    public static func arguments() -> [[UInt8]] {
        (0..<Int(CommandLine.argc)).map { bytes(CommandLine.unsafeArgv[$0]!) }
    }

    /// An environment variable's value as bytes, or nil if unset.
    public static func environment(_ key: String) -> [UInt8]? {
        guard let v = getenv(key) else { return nil }
        return bytes(v)
    }

    /// This program's own path (/proc/self/exe), as bytes.
    public static func executablePath() -> [UInt8]? {
        var buf = [UInt8](repeating: 0, count: Int(PATH_MAX))
        let n = buf.withUnsafeMutableBytes { readlink("/proc/self/exe", $0.baseAddress!, $0.count) }
        return n > 0 ? Array(buf[0..<n]) : nil
    }

    /// Ends this process as `sig` would, so that its parent sees the very
    /// signal (as a batch script whose command was killed must); exits
    /// 128+sig if the signal does not end it.
    public static func die(by sig: Int32) -> Never {
        _ = Glibc.signal(sig, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, sig)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        raise(sig)
        _exit(128 + sig)
    }

    /// The working directory as bytes.
    public static func currentDirectory() throws(Errno) -> [UInt8] {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buf, buf.count) != nil else { throw .current }
        return buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    }

    /// What the kernel calls the working directory (`/proc/self/cwd`),
    /// which for a deleted one ends in ` (deleted)`.
    public static func currentDirectoryLink() -> [UInt8]? {
        var buf = [UInt8](repeating: 0, count: Int(PATH_MAX))
        let n = buf.withUnsafeMutableBytes { readlink("/proc/self/cwd", $0.baseAddress!, $0.count) }
        return n > 0 ? Array(buf[0..<n]) : nil
    }
    /// The CPUs online, at least 1.
    public static var cpuCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

/// A wait status, as waitpid(2) gives it.
public struct WaitStatus: Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    /// The exit code, or minus the signal that ended the process.
    public var code: Int32 {
        jc_wifsignaled(rawValue) != 0 ? -jc_wtermsig(rawValue) : jc_wexitstatus(rawValue)
    }
}

/// The fields of /proc/PID/stat that jobctl uses, read without allocating.
public struct RawProcStat: Sendable {
    public var comm: [UInt8]
    public var state: UInt8
    public var ppid: Int32, pgrp: Int32, session: Int32
    public var startTime: UInt64

    /// The process's line; `.noEntry` or `.noSuchProcess` if it is gone, any
    /// other errno (EMFILE) if it could not be looked at.
    public static func read(_ pid: Int32) throws(Errno) -> RawProcStat {
        var raw = jc_proc_stat()
        try nothingOrErrno("read_proc_stat") { jc_read_proc_stat(pid, &raw) }
        let comm = withUnsafeBytes(of: raw.comm) { b in Array(b.prefix { $0 != 0 }) }
        return RawProcStat(comm: comm, state: UInt8(bitPattern: raw.state), ppid: raw.ppid, pgrp: raw.pgrp,
                           session: raw.session, startTime: UInt64(raw.start_time))
    }

    /// The PIDs in /proc.
    public static func allPIDs() -> [Int32] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var out: [Int32] = []
        while let e = readdir(dir) {
            let pid = withUnsafeBytes(of: e.pointee.d_name) { raw -> Int32 in
                var v: Int32 = 0
                for c in raw {
                    if c == 0 { break }
                    guard c >= 48 && c <= 57 else { return 0 }
                    v = v &* 10 &+ Int32(c - 48)
                }
                return v
            }
            if pid > 0 { out.append(pid) }
        }
        return out
    }
}
