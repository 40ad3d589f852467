import JobControlSystem

/// Durable named FIFO queues: `STATE/queues/NAME/`, one file per value.
///
/// - `put` writes the value to a temporary file, syncs it, and under the
///   queue's lock renames it to `SEQ.v` (SEQ from a counter in `.lock`): a
///   value appears whole or not at all.
/// - `get` claims the lowest `SEQ.v` by renaming it to `SEQ.c.PID.START`
///   (its own PID and start time), writes all of it out, and only then
///   deletes it. A claim whose owner has died goes back into the queue, so a
///   consumer killed mid-`get` loses nothing: every value is got at least
///   once under crashes, exactly once without them.
public struct Queues {
    public let store: StateStore
    public static let dir = "queues"
    public init(store: StateStore) { self.store = store }

    /// Opens (creating) the queue's directory, never through a symlink.
    func openQueue(_ name: [UInt8]) throws(JobctlError) -> FileDescriptor {
        try NamedLocks.validate(name)
        return try store.subdirectory([Array(Queues.dir.utf8), name])
    }

    /// Runs `body` holding the queue's lock, whose file holds the counter.
    func locked<R>(_ q: borrowing FileDescriptor, _ body: (borrowing FileDescriptor) throws(JobctlError) -> R) throws(JobctlError) -> R {
        let lock = try attempt("cannot open the queue's lock") { () throws(Errno) in try q.open(".lock", [.readWrite, .create]) }
        try attempt("cannot lock the queue") { () throws(Errno) in try lock.lock(.exclusive) }
        return try body(lock)
    }

    static func seqName(_ n: UInt64) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 16 - s.count)) + s
    }

    /// Appends a value.
    public func put(_ name: [UInt8], _ value: [UInt8]) throws(JobctlError) {
        let q = try openQueue(name)
        let tmp = ".put.\(Processes.current).\(monotonicNow())"
        do throws(Errno) {
            let f = try q.open(tmp, [.writeOnly, .create, .exclusive])
            try f.writeAll(value)
            try f.syncData()
        } catch {
            q.removeIfPresent(tmp)
            throw .system("cannot write to queue \(display(name))", error)
        }
        do throws(JobctlError) {
            try locked(q) { (lock) throws(JobctlError) in
                let text = (try? lock.read(at: 0, count: 32)) ?? []
                var last = UInt64(String(decoding: text, as: UTF8.self).split(separator: "\n").first ?? "0") ?? 0
                if last == 0 { last = try highestSeq(q) }
                let next = last + 1
                // The counter first: a rename may replace a file, so a
                // sequence number must never be given twice.
                try attempt("cannot add to queue \(display(name))") { () throws(Errno) in
                    try lock.writeAll(Array("\(next)\n".utf8), at: 0)
                    try q.rename(tmp, to: Queues.seqName(next) + ".v")
                }
            }
        } catch {
            q.removeIfPresent(tmp)
            throw error
        }
        try? q.sync()  // the rename itself survives a power cut
    }

    struct Entry { var seq: UInt64; var file: String; var claimer: (Int32, UInt64)? }

    func entries(_ q: borrowing FileDescriptor) throws(JobctlError) -> [Entry] {
        var out: [Entry] = []
        for e in try attempt("cannot read the queue", { () throws(Errno) in try q.entries() }) {
            let name = String(decoding: e.name, as: UTF8.self)
            let parts = name.split(separator: ".")
            guard parts.count >= 2, let seq = UInt64(parts[0]) else { continue }
            if parts.count == 2 && parts[1] == "v" {
                out.append(Entry(seq: seq, file: name, claimer: nil))
            } else if parts.count == 4 && parts[1] == "c", let pid = Int32(parts[2]), let st = UInt64(parts[3]) {
                out.append(Entry(seq: seq, file: name, claimer: (pid, st)))
            }
        }
        return out
    }

    func highestSeq(_ q: borrowing FileDescriptor) throws(JobctlError) -> UInt64 { try entries(q).map(\.seq).max() ?? 0 }

    /// Values waiting (claims of dead consumers included: they come back).
    public func count(_ name: [UInt8]) throws(JobctlError) -> Int {
        let q = try openQueue(name)
        return try entries(q).filter { e in e.claimer.map { !ProcStat.mayBeAlive($0.0, start: $0.1) } ?? true }.count
    }

    /// Takes the oldest value and hands it to `deliver`, which must write all
    /// of it; the value is deleted only then. If `deliver` throws, the value
    /// goes back. Waits for a value up to `timeout` (nil: for ever; 0: only
    /// looks), then throws `.timedOut`.
    public func get(_ name: [UInt8], timeout: Int64?, deliver: ([UInt8]) throws(JobctlError) -> Void) throws(JobctlError) {
        let q = try openQueue(name)
        let deadline = timeout.map { monotonicNow() + $0 }
        let me = Processes.current
        let myStart = ProcStat.read(me)?.startTime ?? 0
        var inotify: Inotify? = nil
        while true {
            // Claim the oldest value, returning dead consumers' claims first.
            var claimed: String?
            var liveClaimers: [(Int32, UInt64)] = []
            try locked(q) { (_) throws(JobctlError) in
                var list = try entries(q)
                for k in list.indices {
                    if let (pid, st) = list[k].claimer {
                        if ProcStat.mayBeAlive(pid, start: st) { liveClaimers.append((pid, st)); continue }
                        let back = Queues.seqName(list[k].seq) + ".v"
                        if (try? q.rename(list[k].file, to: back)) != nil { list[k].file = back; list[k].claimer = nil }
                    }
                }
                guard let oldest = list.filter({ $0.claimer == nil }).min(by: { $0.seq < $1.seq }) else { return }
                let claim = "\(Queues.seqName(oldest.seq)).c.\(me).\(myStart)"
                if (try? q.rename(oldest.file, to: claim)) != nil { claimed = claim }
            }
            if let claim = claimed {
                let value = try attempt("cannot read from queue \(display(name))") { () throws(Errno) in
                    try q.open(claim, .readOnly).readAll()
                }
                do {
                    try deliver(value)
                } catch {
                    // Not delivered: back into the queue for the next consumer.
                    try? q.rename(claim, to: claim.split(separator: ".")[0] + ".v")
                    throw error
                }
                q.removeIfPresent(claim)
                return
            }
            // Empty: sleep until a value arrives (inotify on the directory) or
            // a consumer holding a claim dies (its pidfd), or the deadline.
            let left = deadline.map { $0 - monotonicNow() }
            if let l = left, l <= 0 { throw .timedOut }
            guard let watching = inotify?.fd.rawValue else {
                inotify = try attempt("cannot watch queue \(display(name))") { () throws(Errno) in
                    let i = try Inotify()
                    try i.watch(q, [.movedTo, .created])
                    return i
                }
                continue  // look again: a value may have come before the watch
            }
            var pidfds = Descriptors()
            for c in liveClaimers { if let fd = pidfdIfSame(c.0, start: c.1) { pidfds.append(fd) } }
            _ = pidfds.pollReadable(after: [watching], timeoutNs: left)
            inotify?.drain()
        }
    }
}
