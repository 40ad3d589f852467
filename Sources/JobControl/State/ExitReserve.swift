import JobControlSystem

/// Room for exit records. `DIR/reserve` holds at least a block for every
/// job that has started and not yet recorded its end: the room its exit
/// record needs, set aside before the job runs. On a full disk the monitor
/// gives a block back and writes its exit record into that room, so a job
/// that started never loses its exit code to a full disk (on a copy-on-write
/// file system the room is not guaranteed; the monitor then retries).
///
/// Blocks are given back only when the room is needed, never on the way
/// out of every job: truncating the file cost 1.4 ms of journal work on
/// ext4, in the path between a job's end and `wait` waking. So the file
/// only grows when more jobs run at once than it has room for (the live
/// index counts them), and is cut back when it holds far more than that.
extension StateStore {
    public static let reserveFile = "reserve"
    static let reserveUnit = 4096

    /// Appends a job's start (or queued) record, having first made sure the
    /// reserve has room for its exit record too; if either fails, neither
    /// happened.
    public func appendStart(_ id: JobID, _ line: [UInt8]) throws(JobctlError) {
        try withLock { (_) throws(JobctlError) in
            var size = 0
            let r = try openFile(StateStore.reserveFile, [.readWrite, .create], size: &size)
            let unit = StateStore.reserveUnit
            // Jobs that have not recorded an end, this one included, from
            // the live index, built here if it is missing (once: without
            // it every start would add a block that no end gives back);
            // nil if it cannot be, and then a block is added regardless.
            let census = liveCensus()
            var unended = census?.count
            if unended == nil, let jobs = try? rebuildLive() { unended = jobs.count }
            let need = unended.map { ($0 + 1) * unit }
            var grew = false
            if need == nil || size < need! {
                try attempt("cannot set aside room for the job's exit record in \(shown)") { () throws(Errno) in
                    try r.allocate(at: size, count: unit)
                }
                grew = true
            } else if let n = need, size > 2 * n + 64 * unit {
                try? r.truncate(to: n)  // rare: after many jobs ended at once
            }
            do throws(JobctlError) {
                _ = try appendLocked(line)
            } catch {
                if grew { try? r.truncate(to: size) }
                throw error
            }
            writeLive(id, line, replacing: false, spare: census?.spare)
        }
    }

    /// Appends a job's exit record and syncs it. Should the disk be full
    /// (`releasing`: the job set room aside at its start), a block of the
    /// reserve is given back, under the lock, and the record written into it.
    public func appendExit(_ id: JobID, _ line: [UInt8], releasing: Bool) throws(JobctlError) {
        func append() throws(JobctlError) -> FileDescriptor {
            do throws(JobctlError) {
                return try appendLocked(line)
            } catch {
                guard releasing, case .system(_, let e) = error, e == .noSpace || e == .quotaExceeded,
                      let r = try? openFile(StateStore.reserveFile, .readWrite), let size = try? r.size(),
                      size >= StateStore.reserveUnit else { throw error }
                try? r.truncate(to: size - StateStore.reserveUnit)
                return try appendLocked(line)
            }
        }
        let f = try withLock { (_) throws(JobctlError) -> FileDescriptor in
            let f = try append()
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
