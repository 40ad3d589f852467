import JobControlSystem

/// `spawn --stdout pipe` and `recv`: the job's stdout, read line by line
/// from any shell, each line by exactly one reader.
///
/// The buffer is the job's own log (which knows which stream wrote each
/// byte, `LogIndex`): the job never blocks on its readers, and what they
/// read stays in the log. What has been read is one number, the logical
/// log offset up to which stdout is consumed, in `STATE/pipes/ID.out`,
/// changed only under that file's flock: a reader takes the lock, finds
/// the next line past the offset, writes it out, and only then moves the
/// offset, so a reader that fails to write (or is killed) loses nothing.
public struct Receiver {
    public let store: StateStore
    public init(store: StateStore) { self.store = store }

    /// Writes the job's next stdout line to `out` (with `all`: everything
    /// until the job's end). Waits for one up to `timeout` (then
    /// `.timedOut`). Returns false if the job had ended with nothing left.
    public func receive(_ job: Job, all: Bool, timeout: Int64?, to out: CInt) throws(JobctlError) -> Bool {
        guard job.stdoutPipe else { throw .failure("job \(job.id) has no stdout pipe (spawn it with --stdout pipe)") }
        let deadline = timeout.map { monotonicNow() + $0 }
        let shown = "the stdout of job \(job.id)"
        let pipes = try store.subdirectory([Array(Pipes.dir.utf8)])
        let cursor = try attempt("cannot open \(shown)") { () throws(Errno) in try pipes.open("\(job.id).out", [.readWrite, .create]) }
        // Watched before anything is read: a write in between wakes us.
        let inotify = try attempt("cannot watch \(shown)") { () throws(Errno) in try Inotify() }
        var watched: UInt64? = nil
        let ender = endOf(job)
        let end = ender.number
        defer { _ = ender.number }  // held open to the end, not to its last use
        var delivered = false
        while true {
            let left = deadline.map { max(0, $0 - monotonicNow()) }
            do throws(Errno) { try cursor.lock(.exclusive, timeout: left) }
            catch where error == .wouldBlock { throw .timedOut }
            catch { throw .system("cannot lock \(shown)", error) }
            // Its end is looked at before its log is read: an end seen
            // then means the log read holds everything.
            let ended = end.map { pollReadable([$0], timeoutNs: 0)[0] } ?? true
            let source = try IndexedLog(store: store, id: job.id)
            let inode = try? source.index.status().inode
            if inode != watched {
                _ = try? inotify.watch(source.index, [.modified, .attributes])
                watched = inode
            }
            var at = Receiver.offset(cursor)
            source.seek(to: at)
            var line: [UInt8] = []
            var complete = false
            try source.newPieces { (c, bytes) throws(JobctlError) in
                let start = c.end - Int64(bytes.count)
                guard c.stream == .stdout else { if line.isEmpty { at = c.end }; return true }
                if !all, let nl = bytes.firstIndex(of: UInt8(ascii: "\n")) {
                    line += bytes[...nl]
                    at = start + Int64(nl) + 1
                    complete = true
                    return false
                }
                line += bytes
                at = c.end
                return true
            }
            if complete || (!line.isEmpty && (all || ended)) {
                // Written out first, then consumed.
                try attempt("cannot write \(shown)") { () throws(Errno) in try writeAll(fd: out, line) }
                Receiver.setOffset(cursor, at)
                delivered = true
                if !all { return true }
            }
            if ended { return delivered }
            // `recv -` keeps the lock to the end: everything is its.
            if !all { try? cursor.unlock() }
            inotify.drain()
            let wait = deadline.map { max(0, $0 - monotonicNow()) }
            if let w = wait, w <= 0 { throw .timedOut }
            var fds = [inotify.fd.rawValue]
            if let e = end { fds.append(e) }
            _ = pollReadable(fds, timeoutNs: wait)
        }
    }

    static func offset(_ f: borrowing FileDescriptor) -> Int64 {
        let b = (try? f.read(at: 0, count: 32)) ?? []
        return Int64(String(decoding: b.prefix { $0 != 10 }, as: UTF8.self)) ?? 0
    }

    static func setOffset(_ f: borrowing FileDescriptor, _ at: Int64) {
        try? f.writeAll(Array(String(at).utf8) + [10], at: 0)
    }
}
