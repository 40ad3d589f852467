import JobControlSystem

/// The per-user state directory:
///
///     DIR/lock        the last job id given, as decimal; flock(2)ed by writers
///     DIR/jobs.jsonl  the append-only event log (see `Records`)
///     DIR/reserve     room set aside for running jobs' exit records
///     DIR/logs/ID.log each job's captured output
///
/// Writers hold an exclusive flock on `lock` while they append one line with
/// one write(2); readers take no lock and ignore an unfinished last line.
/// Compaction writes a new file and renames it over the old under the lock,
/// so a reader always sees one whole version. This file holds opening,
/// the counter and appending; reading is in Fold and StateScan, the rest
/// in a file each (ExitReserve, Compaction, Subdirectories, JobLogs).
public final class StateStore {
    /// The directory, as bytes: it need not be UTF-8.
    public let path: [UInt8]
    /// The path for messages, escaped.
    public let shown: String
    let dir: FileDescriptor
    /// The directory's descriptor number, for a monitor's list of what to keep.
    public var dirFD: CInt { dir.rawValue }
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
        dir = try StateDirectory.open(path)
        for name in [StateStore.jobsFile, StateStore.lockFile] { try checkFile(name) }
    }

    /// A file of the state directory that exists must be a regular file the
    /// caller owns: not a directory, a FIFO or a symbolic link planted there.
    func checkFile(_ name: String) throws(JobctlError) {
        let st: FileStatus
        do throws(Errno) { st = try dir.status(of: name) } catch {
            if error == .noEntry { return }
            throw .system("cannot use \(shown)/\(name)", error)
        }
        try StateStore.checkRegular(st, "\(shown)/\(name)")
    }

    static func checkRegular(_ st: FileStatus, _ shown: @autoclosure () -> String) throws(JobctlError) {
        let kind: String
        switch st.kind {
        case .regular:
            if st.owner != Processes.effectiveUser {
                throw .failure("\(shown()) is owned by uid \(st.owner), not by you: refusing to use it")
            }
            return
        case .symbolicLink: kind = "a symbolic link"
        case .directory: kind = "a directory"
        case .fifo: kind = "a FIFO"
        case .other: kind = "not a regular file"
        }
        throw .failure("\(shown()) is \(kind), not a regular file: refusing to use it")
    }

    /// Opens a file of the state directory, never through a symlink, and
    /// checks that it is a regular file of ours.
    func openFile(_ name: String, _ flags: OpenFlags) throws(JobctlError) -> FileDescriptor {
        var size = 0
        return try openFile(name, flags, size: &size)
    }
    /// `openFile`, also telling the file's size, from the same fstat.
    func openFile(_ name: String, _ flags: OpenFlags, size: inout Int) throws(JobctlError) -> FileDescriptor {
        let f = try attempt("cannot open \(shown)/\(name)") { () throws(Errno) in try dir.open(name, flags) }
        let st = try attempt("cannot open \(shown)/\(name)") { () throws(Errno) in try f.status() }
        try StateStore.checkRegular(st, "\(shown)/\(name)")
        size = st.size
        return f
    }

    // MARK: Writing

    /// Runs `body` holding the exclusive lock; the kernel drops it if we die.
    func withLock<R: ~Copyable>(_ body: (borrowing FileDescriptor) throws(JobctlError) -> R) throws(JobctlError) -> R {
        let lock = try openFile(StateStore.lockFile, [.readWrite, .create])
        try attempt("cannot lock \(shown)/\(StateStore.lockFile)") { () throws(Errno) in try lock.lock(.exclusive) }
        return try body(lock)
    }

    /// The counter in the lock file: the last id given, or nil if missing
    /// or damaged.
    static func readCounter(_ fd: borrowing FileDescriptor) -> (last: Int?, size: Int) {
        let buf = (try? fd.read(at: 0, count: 32)) ?? []
        let n = buf.count
        guard n > 1 && buf[n - 1] == 10 else { return (nil, n) }
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
            try attempt("cannot write \(shown)/\(StateStore.lockFile)") { () throws(Errno) in
                try fd.writeAll(text, at: 0)
                if size > text.count { try fd.truncate(to: text.count) }
            }
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
        for (name, _) in (try? dir.entries(of: StateStore.logsDir)) ?? [] {
            if name.count > 4, name.suffix(4) == Array(".log".utf8), let id = Int(display(Array(name.dropLast(4)))) {
                best = max(best, id)
            }
        }
        return best
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
        try attempt("cannot sync \(shown)/\(StateStore.jobsFile)") { () throws(Errno) in try f.syncData() }
    }

    /// `append` for a caller that holds the lock.
    func appendLocked(_ line: [UInt8]) throws(JobctlError) -> FileDescriptor {
        var size = 0
        let f = try openFile(StateStore.jobsFile, [.readWrite, .append, .create], size: &size)
        var data = line
        // A crash mid-write can leave a last line without its newline;
        // start on a fresh line so that ours stays whole.
        if size > 0, let last = try? f.read(at: size - 1, count: 1), last != [10] {
            data.insert(10, at: 0)
        }
        do throws(Errno) {
            try f.writeAll(data)
        } catch {
            try? f.truncate(to: size)
            throw .system("cannot write \(shown)/\(StateStore.jobsFile)", error)
        }
        return f
    }

    /// Records that a bare `wait` of the jobs' owner has reported them.
    public func markJoined(_ ids: [JobID]) throws(JobctlError) {
        guard !ids.isEmpty else { return }
        try append(ids.flatMap(Records.encodeJoin))
    }

    // MARK: Reading

    /// The whole file, or nil if there is none yet. Anything else that
    /// stops it being read is an error: a state that cannot be read must
    /// never look empty.
    func readFile() throws(JobctlError) -> (bytes: [UInt8], inode: UInt64)? {
        guard let f = try openJobs() else { return nil }
        return try attempt("cannot read \(shown)/\(StateStore.jobsFile)") { () throws(Errno) in
            let st = try f.status()
            return (try f.readAll(sizeHint: st.size + 1), st.inode)
        }
    }

    /// The state file opened for reading, or nil if there is none yet.
    func openJobs() throws(JobctlError) -> FileDescriptor? {
        func open() throws(JobctlError) -> FileDescriptor? {
            do throws(Errno) { return try dir.openIfPresent(StateStore.jobsFile, .readOnly) } catch {
                try checkFile(StateStore.jobsFile)  // a better message for a link
                throw .system("cannot open \(shown)/\(StateStore.jobsFile)", error)
            }
        }
        guard let f = try open() else { return nil }
        try StateStore.checkRegular(try attempt("cannot open \(shown)/\(StateStore.jobsFile)") { () throws(Errno) in try f.status() },
                                    "\(shown)/\(StateStore.jobsFile)")
        return f
    }
}
