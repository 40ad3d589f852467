import Glibc

/// The per-user state directory:
///
///     DIR/lock        the last job id given, as decimal; flock(2)ed by writers
///     DIR/jobs.jsonl  the append-only event log (see `Records`)
///     DIR/logs/ID.log each job's captured output
///
/// Writers hold an exclusive flock on `lock` while they append one line with
/// one write(2); readers take no lock and ignore an unfinished last line.
/// Compaction writes a new file and renames it over the old under the lock,
/// so a reader always sees one whole version.
public final class StateStore {
    public let path: String
    public let dirFD: CInt
    public static let jobsFile = "jobs.jsonl"
    public static let lockFile = "lock"
    public static let logsDir = "logs"

    /// `--state-dir`, else `$JOBCTL_STATE_DIR`, else
    /// `${XDG_STATE_HOME:-$HOME/.local/state}/jobctl`.
    public static func resolvePath(option: String?) throws(JobctlError) -> String {
        func env(_ k: String) -> String? {
            guard let v = getenv(k) else { return nil }
            let s = String(cString: v)
            return s.isEmpty ? nil : s
        }
        var p: String
        if let o = option {
            guard !o.isEmpty else { throw .usage("--state-dir needs a directory") }
            p = o
        } else if let e = env("JOBCTL_STATE_DIR") {
            p = e
        } else if let x = env("XDG_STATE_HOME"), x.hasPrefix("/") {
            p = x + "/jobctl"
        } else if let h = env("HOME") {
            p = h + "/.local/state/jobctl"
        } else {
            throw .failure("cannot find a state directory: set JOBCTL_STATE_DIR or HOME")
        }
        if !p.hasPrefix("/") {
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            guard getcwd(&buf, buf.count) != nil else { throw .system("cannot get the current directory", .current) }
            p = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + p
        }
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }

    /// Opens (creating it, mode 0700, if missing) and checks the directory:
    /// it must be a directory the caller owns that group and others cannot
    /// write, or anyone could plant jobs and logs in it.
    public init(path: String) throws(JobctlError) {
        self.path = path
        var fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 && errno == ENOENT {
            if mkdir(path, 0o700) != 0 && errno == ENOENT {
                // Create the parents as `mkdir -p` would, private like the XDG base dirs.
                var prefix = ""
                for part in path.split(separator: "/") {
                    prefix += "/" + part
                    _ = mkdir(prefix, 0o700)
                }
            }
            fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        if fd < 0 { throw .system("state directory \(path)", .current) }
        var st = stat()
        fstat(fd, &st)
        if st.st_uid != geteuid() {
            close(fd)
            throw .failure("state directory \(path) is owned by uid \(st.st_uid), not by you (uid \(geteuid())): refusing to use it")
        }
        if st.st_mode & 0o022 != 0 {
            close(fd)
            throw .failure("state directory \(path) is writable by group or others (mode \(String(st.st_mode & 0o777, radix: 8))): refusing to use it; chmod 700 it")
        }
        dirFD = fd
    }

    deinit { close(dirFD) }

    // MARK: Writing

    /// Runs `body` holding the exclusive lock; the kernel drops it if we die.
    func withLock<R: ~Copyable>(_ body: (CInt) throws(JobctlError) -> R) throws(JobctlError) -> R {
        let lock = try openAt(dirFD, StateStore.lockFile, O_RDWR | O_CREAT, or: "cannot open \(path)/\(StateStore.lockFile)")
        do throws(Errno) { _ = try retryingEINTR { flock(lock.rawValue, LOCK_EX) } }
        catch { throw .system("cannot lock \(path)/\(StateStore.lockFile)", error) }
        return try body(lock.rawValue)
    }

    /// Gives out the next job id. The counter lives in the lock file so that
    /// spawn costs the same whatever the history, and ids stay unique after
    /// rm and prune; if the counter is unreadable it is rebuilt from the log.
    public func allocateID() throws(JobctlError) -> JobID {
        try withLock { (fd) throws(JobctlError) -> JobID in
            var buf = [UInt8](repeating: 0, count: 32)
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 32, 0) }
            var last = 0
            var valid = n > 1 && buf[n - 1] == 10
            if valid {
                for c in buf[0..<(n - 1)] {
                    guard c >= 48 && c <= 57, last < Int.max / 100 else { valid = false; break }
                    last = last * 10 + Int(c - 48)
                }
            }
            if !valid {
                // Missing (first use) or damaged: never give an id twice.
                last = loadAll().jobs.map(\.id).max() ?? 0
                last = max(last, highestIDInLog())
            }
            let next = last + 1
            let text = Array("\(next)\n".utf8)
            let w = text.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
            if w != text.count { throw .system("cannot write \(path)/\(StateStore.lockFile)", .current) }
            if n > text.count { _ = ftruncate(fd, off_t(text.count)) }
            return next
        }
    }

    /// Appends one line with one write(2). On failure (a full disk) the file
    /// is cut back to where it was, so no half line is left for the next
    /// writer to run into. `sync` makes it durable before returning.
    public func append(_ line: [UInt8], sync: Bool = false) throws(JobctlError) {
        let f = try withLock { (_) throws(JobctlError) -> FileDescriptor in
            let f = try openAt(dirFD, StateStore.jobsFile, O_RDWR | O_APPEND | O_CREAT, or: "cannot open \(path)/\(StateStore.jobsFile)")
            let size = (try? f.size()) ?? 0
            var data = line
            // A crash mid-write can leave a last line without its newline;
            // start on a fresh line so that ours stays whole.
            if size > 0, let last = try? f.read(at: size - 1, count: 1), last != [10] {
                data.insert(10, at: 0)
            }
            do throws(Errno) {
                try f.writeAll(data)
            } catch {
                _ = ftruncate(f.rawValue, off_t(size))
                throw .system("cannot write \(path)/\(StateStore.jobsFile)", error)
            }
            return f
        }
        // Synced after the lock is released: other writers need not wait for
        // the disk, and the line is already in place for readers.
        if sync {
            do throws(Errno) { _ = try retryingEINTR { fdatasync(f.rawValue) } }
            catch { throw .system("cannot sync \(path)/\(StateStore.jobsFile)", error) }
        }
    }

    // MARK: Reading

    /// The whole file, or nil if there is none yet.
    func readFile() -> (bytes: [UInt8], inode: UInt64)? {
        guard let f = try? openAt(dirFD, StateStore.jobsFile, O_RDONLY) else { return nil }
        var st = stat()
        fstat(f.rawValue, &st)
        guard let b = try? f.readAll(sizeHint: Int(st.st_size) + 1) else { return nil }
        return (b, UInt64(st.st_ino))
    }

    /// Splits `bytes` into complete lines (an unfinished last line is left
    /// out: it may be an append in progress) and decodes each.
    static func forEachLine(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Records.Decoded) -> Void) {
        var start = 0
        let n = bytes.count
        while start < n {
            guard let nl = memchr(bytes.baseAddress! + start, 10, n - start) else { break }
            let end = bytes.baseAddress!.distance(to: nl.assumingMemoryBound(to: UInt8.self))
            if end > start {
                body(Records.decode(UnsafeBufferPointer(rebasing: bytes[start..<end])))
            }
            start = end + 1
        }
    }

    /// What a fold found besides jobs: lines it could not read.
    public struct Skipped: Equatable {
        public var invalid = 0
        public var newer = 0
    }

    /// Folds the events into jobs, oldest first; removed jobs left out.
    public func loadAll() -> (jobs: [Job], skipped: Skipped) {
        guard let (bytes, _) = readFile() else { return ([], Skipped()) }
        return StateStore.fold(bytes)
    }

    public static func fold(_ bytes: [UInt8]) -> (jobs: [Job], skipped: Skipped) {
        var jobs: [Job] = []
        var index: [JobID: Int] = [:]
        var skipped = Skipped()
        var pendingExits: [JobID: (ExitStatus, Int64)] = [:]
        bytes.withUnsafeBufferPointer { b in
            forEachLine(b) { d in
                switch d {
                case .invalid: skipped.invalid += 1
                case .newer: skipped.newer += 1
                case .whole(let j), .event(.start(let j)):
                    if let k = index[j.id] {
                        jobs[k] = j  // a later record of the same job wins
                    } else {
                        var j = j
                        if let (e, t) = pendingExits.removeValue(forKey: j.id) { j.exit = e; j.ended = t }
                        index[j.id] = jobs.count
                        jobs.append(j)
                    }
                case .event(.exit(let id, let e, let t)):
                    if let k = index[id] { jobs[k].exit = e; jobs[k].ended = t }
                    else { pendingExits[id] = (e, t) }
                case .event(.remove(let id)):
                    if let k = index[id] { jobs[k].removed = true }
                case .event(.run(let id, let pid, let st, let t)):
                    if let k = index[id] {
                        jobs[k].pid = pid; jobs[k].pgid = pid; jobs[k].pidStart = st; jobs[k].started = t
                    }
                }
            }
        }
        jobs.removeAll { $0.removed }
        // Monitors append in the order jobs start, which can differ from id order.
        if !jobs.isEmpty && !zip(jobs, jobs.dropFirst()).allSatisfy({ $0.id < $1.id }) {
            jobs.sort { $0.id < $1.id }
        }
        return (jobs, skipped)
    }

    /// Reads the file backwards, newest line first, until `visit` says stop:
    /// finding a recent job costs the same whatever the length of history.
    func scanBackwards(_ visit: (Records.Decoded) -> Bool) {
        guard let f = try? openAt(dirFD, StateStore.jobsFile, O_RDONLY), let size = try? f.size() else { return }
        var pos = size
        var carry: [UInt8] = []  // the start of a line cut by the chunk boundary
        var first = true
        let chunk = 65536
        while pos > 0 {
            let from = max(0, pos - chunk)
            guard var block = try? f.read(at: from, count: pos - from) else { return }
            block.append(contentsOf: carry)
            pos = from
            // The part before the first newline may continue further back.
            var lines = block.split(separator: 10, omittingEmptySubsequences: false)
            if first {
                // An unfinished last line may be an append in progress.
                if block.last != 10 { lines.removeLast() }
                first = false
            }
            carry = pos > 0 ? Array(lines.removeFirst()) : []
            for line in lines.reversed() where !line.isEmpty {
                let stop = line.withUnsafeBufferPointer { visit(Records.decode($0)) }
                if stop { return }
            }
        }
        if !carry.isEmpty { _ = carry.withUnsafeBufferPointer { visit(Records.decode($0)) } }
    }

    /// The job with this id, folding only the lines after its start.
    public func job(id: JobID) -> Job? {
        var exit: (ExitStatus, Int64)?
        var ran: (Int32, UInt64, Int64)?
        var removed = false
        var found: Job?
        scanBackwards { d in
            switch d {
            case .event(.exit(let i, let e, let t)) where i == id: if exit == nil { exit = (e, t) }
            case .event(.run(let i, let pid, let st, let t)) where i == id: if ran == nil { ran = (pid, st, t) }
            case .event(.remove(let i)) where i == id: removed = true
            case .event(.start(let j)) where j.id == id: found = j; return true
            case .whole(let j) where j.id == id: found = j; return true
            default: break
            }
            return false
        }
        guard var j = found, !removed else { return nil }
        if let (pid, st, t) = ran { j.pid = pid; j.pgid = pid; j.pidStart = st; j.started = t }
        if let (e, t) = exit { j.exit = e; j.ended = t }
        return j
    }

    /// The newest job with this name that has not been removed.
    public func job(named name: [UInt8]) -> Job? {
        var removedIDs = Set<JobID>()
        var id: JobID?
        scanBackwards { d in
            switch d {
            case .event(.remove(let i)): removedIDs.insert(i)
            case .event(.start(let j)), .whole(let j):
                if j.name == name && !removedIDs.contains(j.id) { id = j.id; return true }
            default: break
            }
            return false
        }
        return id.flatMap { job(id: $0) }
    }

    /// Resolves a JOB operand: all digits is an id, anything else a name.
    public func resolve(_ operand: [UInt8]) throws(JobctlError) -> Job {
        if !operand.isEmpty && operand.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            if operand.count <= 18, let id = Int(display(operand)), let j = job(id: id) { return j }
        } else if let j = job(named: operand) {
            return j
        }
        throw .noSuchJob(display(operand))
    }

    func highestIDInLog() -> Int {
        var best = 0
        scanBackwards { d in
            if case .event(let e) = d { best = max(best, e.id) }
            if case .whole(let j) = d { best = max(best, j.id) }
            return best > 0
        }
        return best
    }

    // MARK: Liveness

    /// The state `ps` shows: a job with no exit record is `running` only while
    /// its monitor or its command is alive (same PID and start time, not a
    /// zombie); otherwise it is `lost`.
    public static func liveState(_ j: Job) -> JobState {
        let recorded = j.recordedState
        guard recorded == .running || recorded == .queued else { return recorded }
        if ProcStat.isAlive(j.monitor, start: j.monitorStart) { return recorded }
        if let pid = j.pid, ProcStat.isAlive(pid, start: j.pidStart) { return recorded }
        return .lost
    }

    // MARK: Removing

    /// Records that these ended jobs are forgotten, deletes their logs, and
    /// compacts the file when most of it is dead.
    public func remove(_ jobs: [Job]) throws(JobctlError) {
        guard !jobs.isEmpty else { return }
        var lines: [UInt8] = []
        for j in jobs { lines += Records.encodeRemove(j.id) }
        try append(lines, sync: true)
        for j in jobs where j.log == Array("\(StateStore.logsDir)/\(j.id).log".utf8) {
            _ = unlinkat(dirFD, "\(StateStore.logsDir)/\(j.id).log", 0)
        }
        try compactIfWorthIt()
    }

    /// Rewrites the file as one `job`/`start` line per remaining job when the
    /// removed ones make up more than half of it.
    public func compactIfWorthIt() throws(JobctlError) {
        try withLock { (_) throws(JobctlError) in
            guard let (bytes, _) = readFile() else { return }
            var lines = 0
            bytes.withUnsafeBufferPointer { b in StateStore.forEachLine(b) { _ in lines += 1 } }
            let (jobs, skipped) = StateStore.fold(bytes)
            guard lines > 2 * jobs.count + 16 || skipped.invalid > 0 else { return }
            if skipped.newer > 0 { return }  // never drop what a newer jobctl wrote
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            for j in jobs { out += Records.encode(j) }
            try replaceFile(StateStore.jobsFile, with: out)
        }
    }

    /// Write-and-rename: a crash at any point leaves the old file or the new
    /// one, whole (nq.c: "block until rename is committed").
    func replaceFile(_ name: String, with contents: [UInt8]) throws(JobctlError) {
        let tmp = name + ".tmp"
        _ = unlinkat(dirFD, tmp, 0)
        do throws(Errno) {
            let f = try openAt(dirFD, tmp, O_WRONLY | O_CREAT | O_EXCL)
            try f.writeAll(contents)
            _ = try retryingEINTR { fsync(f.rawValue) }
            _ = try retryingEINTR { renameat(dirFD, tmp, dirFD, name) }
            _ = fsync(dirFD)
        } catch {
            _ = unlinkat(dirFD, tmp, 0)
            throw .system("cannot rewrite \(path)/\(name)", error)
        }
    }

    // MARK: Subdirectories

    /// Opens `components` below the state directory (`["queues", name]`),
    /// creating each level with mode 0700 on first use and never following
    /// a symlink planted at any level. The caller closes the descriptor.
    public func subdirectory(_ components: [[UInt8]]) throws(JobctlError) -> CInt {
        var parent = dirFD
        var shown = path
        for c in components {
            shown += "/" + display(c)
            let d = withCStringArray([c]) { n -> CInt in
                var d = openat(parent, n[0]!, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if d < 0 && errno == ENOENT {
                    _ = mkdirat(parent, n[0]!, 0o700)
                    d = openat(parent, n[0]!, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                }
                return d
            }
            let e = Errno.current
            if parent != dirFD { close(parent) }
            if d < 0 { throw .system("cannot open \(shown)", e) }
            parent = d
        }
        return parent
    }

    // MARK: Logs

    /// Creates `logs/ID.log` (0600, O_EXCL: a file planted there is refused).
    public func createLog(_ id: JobID) throws(JobctlError) -> FileDescriptor {
        let name = "\(StateStore.logsDir)/\(id).log"
        // O_NOFOLLOW covers only the last component: `logs` itself is opened
        // without following a link too.
        let d = try subdirectory([Array(StateStore.logsDir.utf8)])
        defer { close(d) }
        return try openAt(d, "\(id).log", O_WRONLY | O_APPEND | O_CREAT | O_EXCL, or: "cannot create \(path)/\(name)")
    }

    /// Opens a job's log for reading.
    public func openLog(_ j: Job) throws(JobctlError) -> FileDescriptor {
        let p = display(j.log)
        do throws(Errno) {
            if p.hasPrefix("/") {
                return FileDescriptor(rawValue: try retryingEINTR { open(p, O_RDONLY | O_CLOEXEC) })
            }
            let d = try openAt(dirFD, StateStore.logsDir, O_RDONLY | O_DIRECTORY)
            return try openAt(d.rawValue, "\(j.id).log", O_RDONLY)
        } catch {
            throw .system("cannot open the log of job \(j.id) (\(p))", error)
        }
    }
}
