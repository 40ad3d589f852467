import JobControlSystem

/// Room for exit records. `DIR/reserve` holds a block for every job that
/// has started and not yet recorded its end: the room its exit record
/// needs, set aside before the job runs. On a full disk the monitor gives
/// its block back and writes its exit record into that room, so a job that
/// started never loses its exit code to a full disk (on a copy-on-write
/// file system the room is not guaranteed; the monitor then retries).
extension StateStore {
    public static let reserveFile = "reserve"
    static let reserveUnit = 4096

    /// Appends a job's start (or queued) record, having first set aside the
    /// room for its exit record; if either fails, neither happened.
    public func appendStart(_ id: JobID, _ line: [UInt8]) throws(JobctlError) {
        try withLock { (_) throws(JobctlError) in
            let r = try openFile(StateStore.reserveFile, [.readWrite, .create])
            let size = (try? r.size()) ?? 0
            try attempt("cannot set aside room for the job's exit record in \(shown)") { () throws(Errno) in
                try r.allocate(at: size, count: StateStore.reserveUnit)
            }
            do throws(JobctlError) {
                _ = try appendLocked(line)
            } catch {
                try? r.truncate(to: size)
                throw error
            }
            writeLive(id, line, replacing: false)
        }
    }

    /// Appends a job's exit record and syncs it. With `releasing`, the room
    /// set aside at its start is given back first, under the lock, so that
    /// the record fits even on a full disk.
    public func appendExit(_ id: JobID, _ line: [UInt8], releasing: Bool) throws(JobctlError) {
        let f = try withLock { (_) throws(JobctlError) -> FileDescriptor in
            if releasing, let r = try? openFile(StateStore.reserveFile, .readWrite), let size = try? r.size(),
               size >= StateStore.reserveUnit {
                try? r.truncate(to: size - StateStore.reserveUnit)
            }
            let f = try appendLocked(line)
            removeLive(id)
            return f
        }
        try sync(f)
    }

    /// Sets the reserve to what the jobs still running need, if it holds
    /// more (a monitor that was SIGKILLed never gave its block back).
    func trimReserve(running: Int) {
        guard let r = try? openFile(StateStore.reserveFile, .readWrite), let size = try? r.size() else { return }
        let need = running * StateStore.reserveUnit
        if size > need { try? r.truncate(to: need) }
    }
}
