import CJobControl
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
    /// The directory, as bytes: it need not be UTF-8.
    public let path: [UInt8]
    /// The path for messages, escaped.
    public let shown: String
    public let dirFD: CInt
    public static let jobsFile = "jobs.jsonl"
    public static let lockFile = "lock"
    public static let logsDir = "logs"

    /// Opens (creating it, mode 0700, if missing) and checks the directory
    /// and every directory above it (`StateDirectory`), and the files in it
    /// that every verb relies on: each must be a regular file of ours, or
    /// the state would silently read as empty.
    public init(path: [UInt8]) throws(JobctlError) {
        self.path = path
        shown = display(path)
        dirFD = try StateDirectory.open(path).release()
        for name in [StateStore.jobsFile, StateStore.lockFile] { try checkFile(name) }
    }

    /// A file of the state directory that exists must be a regular file the
    /// caller owns: not a directory, a FIFO or a symbolic link planted there.
    func checkFile(_ name: String) throws(JobctlError) {
        var st = stat()
        if fstatat(dirFD, name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
            if errno == ENOENT { return }
            throw .system("cannot use \(shown)/\(name)", .current)
        }
        try StateStore.checkRegular(st, "\(shown)/\(name)")
    }

    static func checkRegular(_ st: stat, _ shown: @autoclosure () -> String) throws(JobctlError) {
        let kind: String
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            if st.st_uid != geteuid() {
                throw .failure("\(shown()) is owned by uid \(st.st_uid), not by you: refusing to use it")
            }
            return
        case S_IFLNK: kind = "a symbolic link"
        case S_IFDIR: kind = "a directory"
        case S_IFIFO: kind = "a FIFO"
        default: kind = "not a regular file"
        }
        throw .failure("\(shown()) is \(kind), not a regular file: refusing to use it")
    }

    /// Opens a file of the state directory, never through a symlink, and
    /// checks that it is a regular file of ours.
    func openFile(_ name: String, _ flags: CInt) throws(JobctlError) -> FileDescriptor {
        let f = try openAt(dirFD, name, flags, or: "cannot open \(shown)/\(name)")
        var st = stat()
        fstat(f.rawValue, &st)
        try StateStore.checkRegular(st, "\(shown)/\(name)")
        return f
    }

    deinit { close(dirFD) }

    // MARK: Writing

    /// Runs `body` holding the exclusive lock; the kernel drops it if we die.
    func withLock<R: ~Copyable>(_ body: (CInt) throws(JobctlError) -> R) throws(JobctlError) -> R {
        let lock = try openFile(StateStore.lockFile, O_RDWR | O_CREAT)
        do throws(Errno) { _ = try retryingEINTR { flock(lock.rawValue, LOCK_EX) } }
        catch { throw .system("cannot lock \(shown)/\(StateStore.lockFile)", error) }
        return try body(lock.rawValue)
    }

    /// The counter in the lock file: the last id given, or nil if missing
    /// or damaged.
    static func readCounter(_ fd: CInt) -> (last: Int?, size: Int) {
        var buf = [UInt8](repeating: 0, count: 32)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 32, 0) }
        guard n > 1 && buf[n - 1] == 10 else { return (nil, max(n, 0)) }
        var last = 0
        for c in buf[0..<(n - 1)] {
            guard c >= 48 && c <= 57, last < Int.max / 100 else { return (nil, n) }
            last = last * 10 + Int(c - 48)
        }
        return (last, n)
    }

    /// Gives out the next job id. The counter lives in the lock file so that
    /// spawn costs the same whatever the history, and ids stay unique after
    /// rm and prune; if the counter is lost it is rebuilt from every id the
    /// directory still knows of (compaction keeps the highest, see there).
    public func allocateID() throws(JobctlError) -> JobID {
        try withLock { (fd) throws(JobctlError) -> JobID in
            let (counter, size) = StateStore.readCounter(fd)
            let last: Int
            if let c = counter { last = c } else { last = try highestIDEver() }
            let next = last + 1
            let text = Array("\(next)\n".utf8)
            let w = text.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
            if w != text.count { throw .system("cannot write \(shown)/\(StateStore.lockFile)", .current) }
            if size > text.count { _ = ftruncate(fd, off_t(text.count)) }
            return next
        }
    }

    /// The highest id in any line of the log, or of any log file: the floor
    /// for a rebuilt counter.
    func highestIDEver() throws(JobctlError) -> Int {
        var best = 0
        if let (bytes, _) = try readFile() {
            bytes.withUnsafeBufferPointer { b in
                StateStore.forEachLine(b) { d in
                    switch d {
                    case .event(let e): best = max(best, e.id)
                    case .whole(let j): best = max(best, j.id)
                    default: break
                    }
                }
            }
        }
        for (name, _) in directoryEntries(dirFD, StateStore.logsDir) {
            if name.count > 4, name.suffix(4) == Array(".log".utf8), let id = Int(display(Array(name.dropLast(4)))) {
                best = max(best, id)
            }
        }
        return best
    }

    /// The names in a subdirectory of the state directory (`locks`,
    /// `queues`, `pools`), as bytes, sorted; hidden ones left out.
    public func names(in subdirectory: String) -> [[UInt8]] {
        directoryEntries(dirFD, subdirectory).map(\.name).filter { $0.first != UInt8(ascii: ".") }
            .sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Appends one line with one write(2). On failure (a full disk) the file
    /// is cut back to where it was, so no half line is left for the next
    /// writer to run into. `sync` makes it durable before returning.
    public func append(_ line: [UInt8], sync: Bool = false) throws(JobctlError) {
        let f = try withLock { (_) throws(JobctlError) -> FileDescriptor in
            try appendLocked(line)
        }
        // Synced after the lock is released: other writers need not wait for
        // the disk, and the line is already in place for readers.
        if sync { try self.sync(f) }
    }

    func sync(_ f: borrowing FileDescriptor) throws(JobctlError) {
        do throws(Errno) { _ = try retryingEINTR { fdatasync(f.rawValue) } }
        catch { throw .system("cannot sync \(shown)/\(StateStore.jobsFile)", error) }
    }

    /// `append` for a caller that holds the lock.
    func appendLocked(_ line: [UInt8]) throws(JobctlError) -> FileDescriptor {
        let f = try openFile(StateStore.jobsFile, O_RDWR | O_APPEND | O_CREAT)
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
            throw .system("cannot write \(shown)/\(StateStore.jobsFile)", error)
        }
        return f
    }

    /// Records that a bare `wait` of the jobs' owner has reported them.
    public func markJoined(_ ids: [JobID]) throws(JobctlError) {
        guard !ids.isEmpty else { return }
        try append(ids.flatMap(Records.encodeJoin))
    }

    // MARK: Room for exit records

    /// `DIR/reserve` holds a block for every job that has started and not
    /// yet recorded its end: the room its exit record needs, set aside
    /// before the job runs. On a full disk the monitor gives its block back
    /// and writes its exit record into that room, so a job that started
    /// never loses its exit code to a full disk (on a copy-on-write file
    /// system the room is not guaranteed; the monitor then retries).
    public static let reserveFile = "reserve"
    static let reserveUnit = 4096

    /// Appends a job's start (or queued) record, having first set aside the
    /// room for its exit record; if either fails, neither happened.
    public func appendStart(_ line: [UInt8]) throws(JobctlError) {
        try withLock { (_) throws(JobctlError) in
            let r = try openFile(StateStore.reserveFile, O_RDWR | O_CREAT)
            let size = (try? r.size()) ?? 0
            if jc_fallocate(r.rawValue, Int64(size), Int64(StateStore.reserveUnit)) != 0 {
                throw .system("cannot set aside room for the job's exit record in \(shown)", .current)
            }
            do throws(JobctlError) {
                _ = try appendLocked(line)
            } catch {
                _ = ftruncate(r.rawValue, off_t(size))
                throw error
            }
        }
    }

    /// Appends a job's exit record and syncs it. With `releasing`, the room
    /// set aside at its start is given back first, under the lock, so that
    /// the record fits even on a full disk.
    public func appendExit(_ line: [UInt8], releasing: Bool) throws(JobctlError) {
        let f = try withLock { (_) throws(JobctlError) -> FileDescriptor in
            if releasing, let r = try? openFile(StateStore.reserveFile, O_RDWR), let size = try? r.size(),
               size >= StateStore.reserveUnit {
                _ = ftruncate(r.rawValue, off_t(size - StateStore.reserveUnit))
            }
            return try appendLocked(line)
        }
        try sync(f)
    }

    /// Sets the reserve to what the jobs still running need, if it holds
    /// more (a monitor that was SIGKILLed never gave its block back).
    func trimReserve(running: Int) {
        guard let r = try? openFile(StateStore.reserveFile, O_RDWR), let size = try? r.size() else { return }
        let need = running * StateStore.reserveUnit
        if size > need { _ = ftruncate(r.rawValue, off_t(need)) }
    }

    // MARK: Reading

    /// The whole file, or nil if there is none yet. Anything else that
    /// stops it being read is an error: a state that cannot be read must
    /// never look empty.
    func readFile() throws(JobctlError) -> (bytes: [UInt8], inode: UInt64)? {
        guard let f = try openJobs() else { return nil }
        var st = stat()
        fstat(f.rawValue, &st)
        do throws(Errno) {
            return (try f.readAll(sizeHint: Int(st.st_size) + 1), UInt64(st.st_ino))
        } catch {
            throw .system("cannot read \(shown)/\(StateStore.jobsFile)", error)
        }
    }

    /// The state file opened for reading, or nil if there is none yet.
    func openJobs() throws(JobctlError) -> FileDescriptor? {
        let fd = openat(dirFD, StateStore.jobsFile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            let e = Errno.current
            try checkFile(StateStore.jobsFile)  // a better message for a link
            throw .system("cannot open \(shown)/\(StateStore.jobsFile)", e)
        }
        let f = FileDescriptor(rawValue: fd)
        var st = stat()
        fstat(f.rawValue, &st)
        try StateStore.checkRegular(st, "\(shown)/\(StateStore.jobsFile)")
        return f
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
    public func loadAll() throws(JobctlError) -> (jobs: [Job], skipped: Skipped) {
        guard let (bytes, _) = try readFile() else { return ([], Skipped()) }
        return StateStore.fold(bytes)
    }

    public static func fold(_ bytes: [UInt8]) -> (jobs: [Job], skipped: Skipped) {
        var jobs: [Job] = []
        var index: [JobID: Int] = [:]
        var skipped = Skipped()
        var pendingExits: [JobID: (ExitStatus, Int64)] = [:]
        var pendingJoins = Set<JobID>()
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
                        if pendingJoins.remove(j.id) != nil { j.joined = true }
                        index[j.id] = jobs.count
                        jobs.append(j)
                    }
                case .event(.exit(let id, let e, let t)):
                    if let k = index[id] { jobs[k].exit = e; jobs[k].ended = t }
                    else { pendingExits[id] = (e, t) }
                case .event(.remove(let id)):
                    if let k = index[id] { jobs[k].removed = true }
                case .event(.join(let id)):
                    if let k = index[id] { jobs[k].joined = true } else { pendingJoins.insert(id) }
                case .event(.run(let id, let pid, let st, let t)):
                    if let k = index[id] {
                        jobs[k].pid = pid; jobs[k].pgid = pid; jobs[k].pidStart = st; jobs[k].started = t
                    }
                case .padding:
                    break
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

    // MARK: Liveness

    /// The state `ps` shows: a job with no exit record is `running` only while
    /// its monitor or its command is alive (same PID and start time, not a
    /// zombie); otherwise it is `lost`. A process that cannot be looked at
    /// (no descriptor left) counts as alive: unknown is never `lost`.
    public static func liveState(_ j: Job) -> JobState {
        let recorded = j.recordedState
        guard recorded == .running || recorded == .queued else { return recorded }
        if ProcStat.mayBeAlive(j.monitor, start: j.monitorStart) { return recorded }
        if let pid = j.pid, ProcStat.mayBeAlive(pid, start: j.pidStart) { return recorded }
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
        for j in jobs where j.log == Array("\(StateStore.logsDir)/\(j.id).log".utf8) { removeLog(j.id) }
        try compactIfWorthIt()
    }

    /// Rewrites the file as one `job`/`start` line per remaining job when the
    /// removed ones make up more than half of it. The highest id ever given
    /// stays in the new file (a `remove` line for it, if that job is gone),
    /// so that a counter rebuilt from the file never gives an id again.
    public func compactIfWorthIt() throws(JobctlError) {
        try withLock { (lock) throws(JobctlError) in
            guard let (bytes, _) = try readFile() else { return }
            var lines = 0
            var highest = StateStore.readCounter(lock).last ?? 0
            bytes.withUnsafeBufferPointer { b in
                StateStore.forEachLine(b) { d in
                    lines += 1
                    if case .event(let e) = d { highest = max(highest, e.id) }
                    if case .whole(let j) = d { highest = max(highest, j.id) }
                }
            }
            let (jobs, skipped) = StateStore.fold(bytes)
            trimReserve(running: jobs.filter { $0.exit == nil }.count)
            guard lines > 2 * jobs.count + 16 || skipped.invalid > 0 else { return }
            if skipped.newer > 0 { return }  // never drop what a newer jobctl wrote
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            if highest > (jobs.last?.id ?? 0) { out += Records.encodeRemove(highest) }
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
            throw .system("cannot rewrite \(shown)/\(name)", error)
        }
    }

    // MARK: Subdirectories

    /// Opens `components` below the state directory (`["queues", name]`),
    /// creating each level with mode 0700 on first use and never following
    /// a symlink planted at any level. The caller closes the descriptor.
    public func subdirectory(_ components: [[UInt8]]) throws(JobctlError) -> CInt {
        var parent = dirFD
        var here = path
        for c in components {
            here += [UInt8(ascii: "/")] + c
            var made: Errno?
            let d = c.withCString { n -> CInt in
                var d = openat(parent, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if d < 0 && errno == ENOENT {
                    if mkdirat(parent, n, 0o700) != 0 && errno != EEXIST { made = .current; return -1 }
                    d = openat(parent, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                }
                return d
            }
            let e = Errno.current
            if parent != dirFD { close(parent) }
            if let m = made { throw .system("cannot create directory \(display(here))", m) }
            if d < 0 { throw .system("cannot open \(display(here))", e) }
            parent = d
        }
        return parent
    }

    // MARK: Logs

    /// Creates `logs/ID.log` (0600, O_EXCL: a file planted there is refused).
    public func createLog(_ id: JobID) throws(JobctlError) -> FileDescriptor {
        // O_NOFOLLOW covers only the last component: `logs` itself is opened
        // without following a link too.
        let d = try subdirectory([Array(StateStore.logsDir.utf8)])
        defer { close(d) }
        return try openAt(d, "\(id).log", O_WRONLY | O_APPEND | O_CREAT | O_EXCL,
                          or: "cannot create \(shown)/\(StateStore.logsDir)/\(id).log")
    }

    /// Deletes `logs/ID.log`, as `rm` does and as a failed spawn must.
    public func removeLog(_ id: JobID) {
        _ = unlinkat(dirFD, "\(StateStore.logsDir)/\(id).log", 0)
    }

    /// Opens a job's log for reading.
    public func openLog(_ j: Job) throws(JobctlError) -> FileDescriptor {
        do throws(Errno) {
            if j.log.first == UInt8(ascii: "/") {
                return FileDescriptor(rawValue: try retryingEINTR { j.log.withCString { open($0, O_RDONLY | O_CLOEXEC) } })
            }
            let d = try openAt(dirFD, StateStore.logsDir, O_RDONLY | O_DIRECTORY)
            return try openAt(d.rawValue, "\(j.id).log", O_RDONLY)
        } catch {
            throw .system("cannot open the log of job \(j.id) (\(display(j.log)))", error)
        }
    }
}
