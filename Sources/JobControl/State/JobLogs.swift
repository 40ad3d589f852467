import JobControlSystem

/// Each job's captured output: `logs/ID.log`, unless `--stdout` named a file.
extension StateStore {
    /// Creates `logs/ID.log` (0600, O_EXCL: a file planted there is refused).
    public func createLog(_ id: JobID) throws(JobctlError) -> FileDescriptor {
        // O_NOFOLLOW covers only the last component: `logs` itself is opened
        // without following a link too.
        let d = try subdirectory([Array(StateStore.logsDir.utf8)])
        return try attempt("cannot create \(shown)/\(StateStore.logsDir)/\(id).log") { () throws(Errno) in
            try d.open("\(id).log", [.writeOnly, .append, .create, .exclusive])
        }
    }

    /// Deletes `logs/ID.log`, as `rm` does and as a failed spawn must.
    public func removeLog(_ id: JobID) {
        dir.removeIfPresent("\(StateStore.logsDir)/\(id).log")
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
