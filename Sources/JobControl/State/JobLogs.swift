import JobControlSystem

/// Each job's captured output: `logs/ID.log`, unless `--stdout` named a file.
extension StateStore {
    /// Creates `logs/ID.log` (0600, O_EXCL: a file planted there is refused).
    public func createLog(_ id: JobID) throws(JobctlError) -> FileDescriptor {
        // O_NOFOLLOW covers only the last component: `logs` itself is opened
        // without following a link too.
        let d = try subdirectory([Array(StateStore.logsDir.utf8)])
        if let spare = takeSpareLog(d, id) { return spare }
        return try attempt("cannot create \(shown)/\(StateStore.logsDir)/\(id).log") { () throws(Errno) in
            try d.open("\(id).log", [.writeOnly, .append, .create, .exclusive])
        }
    }

    /// Spare logs, `logs/.spare-K.log` for K below `logSpares`: once its
    /// spawn has returned, a monitor makes the file that the next job's log
    /// will be (`prepareLog`), and that spawn renames it into place instead
    /// of creating one. Why: on ext4 a new inode costs 0.05–0.3 ms (more
    /// after many files were deleted, as the allocator passes over recently
    /// freed inodes), a rename a tenth of that, and this moves the cost off
    /// the path that the caller waits on.
    static let logSpares = 16
    static func spareLogName(_ id: JobID) -> String { ".spare-\(id % logSpares).log" }

    /// Off spawn's path: makes the spare that job `id`'s log can be made
    /// from, unless it is there already.
    public func prepareLog(for id: JobID) {
        guard let d = try? subdirectory([Array(StateStore.logsDir.utf8)]) else { return }
        _ = try? d.open(StateStore.spareLogName(id), [.writeOnly, .create, .exclusive])
    }

    /// The spare for job `id`, renamed to its log; nil if there is none,
    /// or it is anything but an empty file (then `createLog` decides), or
    /// the log's name is taken (then creating it is refused too).
    private func takeSpareLog(_ d: borrowing FileDescriptor, _ id: JobID) -> FileDescriptor? {
        let spare = StateStore.spareLogName(id)
        // Non-blocking: a FIFO planted there must not hang the open.
        guard let f = try? d.open(spare, [.writeOnly, .append, .nonBlocking]),
              let st = try? f.status(), st.kind == .regular, st.size == 0,
              (try? d.rename(spare, to: "\(id).log", replacing: false)) != nil,
              (try? f.setBlocking(true)) != nil else { return nil }
        return f
    }

    /// Deletes `logs/ID.log`, as `rm` does and as a failed spawn must.
    public func removeLog(_ id: JobID) {
        dir.removeIfPresent("\(StateStore.logsDir)/\(id).log")
        dir.removeIfPresent("\(StateStore.logsDir)/\(id).idx")
    }

    /// Opens a job's log for reading.
    public func openLog(_ j: Job) throws(JobctlError) -> FileDescriptor {
        try attempt("cannot open the log of job \(j.id) (\(display(j.log)))") { () throws(Errno) in
            if j.log.first == UInt8(ascii: "/") { return try FileDescriptor.open(j.log, .readOnly) }
            let d = try dir.open(StateStore.logsDir, [.readOnly, .directory])
            return try d.open("\(j.id).log", .readOnly)
        }
    }
}
