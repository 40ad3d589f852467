import CJobControl
import Glibc

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
    func openQueue(_ name: [UInt8]) throws(JobctlError) -> CInt {
        try NamedLocks.validate(name)
        return try store.subdirectory([Array(Queues.dir.utf8), name])
    }

    func locked<R>(_ q: CInt, _ body: (CInt) throws(JobctlError) -> R) throws(JobctlError) -> R {
        let lock = try openAt(q, ".lock", O_RDWR | O_CREAT, or: "cannot open the queue's lock")
        do throws(Errno) { _ = try retryingEINTR { flock(lock.rawValue, LOCK_EX) } }
        catch { throw .system("cannot lock the queue", error) }
        return try body(lock.rawValue)
    }

    static func seqName(_ n: UInt64) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 16 - s.count)) + s
    }

    /// Appends a value.
    public func put(_ name: [UInt8], _ value: [UInt8]) throws(JobctlError) {
        let q = try openQueue(name)
        defer { close(q) }
        let tmp = ".put.\(getpid()).\(monotonicNow())"
        do throws(Errno) {
            let f = try openAt(q, tmp, O_WRONLY | O_CREAT | O_EXCL)
            try f.writeAll(value)
            _ = try retryingEINTR { fdatasync(f.rawValue) }
        } catch {
            _ = unlinkat(q, tmp, 0)
            throw .system("cannot write to queue \(display(name))", error)
        }
        try locked(q) { (lock) throws(JobctlError) in
            var buf = [UInt8](repeating: 0, count: 32)
            let n = buf.withUnsafeMutableBytes { pread(lock, $0.baseAddress!, 32, 0) }
            var last: UInt64 = 0
            if n > 0 { last = UInt64(String(decoding: buf[0..<n], as: UTF8.self).split(separator: "\n").first ?? "0") ?? 0 }
            if last == 0 { last = highestSeq(q) }
            let next = last + 1
            let text = Array("\(next)\n".utf8)
            _ = text.withUnsafeBytes { pwrite(lock, $0.baseAddress!, $0.count, 0) }
            if renameat(q, tmp, q, Queues.seqName(next) + ".v") != 0 {
                let e = Errno.current
                _ = unlinkat(q, tmp, 0)
                throw .system("cannot add to queue \(display(name))", e)
            }
        }
        _ = fsync(q)  // the rename itself survives a power cut
    }

    struct Entry { var seq: UInt64; var file: String; var claimer: (Int32, UInt64)? }

    func entries(_ q: CInt) -> [Entry] {
        var out: [Entry] = []
        for e in directoryEntries(q, ".") {
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

    func highestSeq(_ q: CInt) -> UInt64 { entries(q).map(\.seq).max() ?? 0 }

    /// Values waiting (claims of dead consumers included: they come back).
    public func count(_ name: [UInt8]) throws(JobctlError) -> Int {
        let q = try openQueue(name)
        defer { close(q) }
        return entries(q).filter { e in e.claimer.map { !ProcStat.mayBeAlive($0.0, start: $0.1) } ?? true }.count
    }

    /// Takes the oldest value and hands it to `deliver`, which must write all
    /// of it; the value is deleted only then. If `deliver` throws, the value
    /// goes back. Waits for a value up to `timeout` (nil: for ever; 0: only
    /// looks), then throws `.timedOut`.
    public func get(_ name: [UInt8], timeout: Int64?, deliver: ([UInt8]) throws(JobctlError) -> Void) throws(JobctlError) {
        let q = try openQueue(name)
        defer { close(q) }
        let deadline = timeout.map { monotonicNow() + $0 }
        let me = getpid()
        let myStart = ProcStat.read(me)?.startTime ?? 0
        var inotify: CInt = -1
        defer { if inotify >= 0 { close(inotify) } }
        while true {
            // Claim the oldest value, returning dead consumers' claims first.
            var claimed: String?
            var liveClaimers: [(Int32, UInt64)] = []
            try locked(q) { (_) throws(JobctlError) in
                var list = entries(q)
                for k in list.indices {
                    if let (pid, st) = list[k].claimer {
                        if ProcStat.mayBeAlive(pid, start: st) { liveClaimers.append((pid, st)); continue }
                        let back = Queues.seqName(list[k].seq) + ".v"
                        if renameat(q, list[k].file, q, back) == 0 { list[k].file = back; list[k].claimer = nil }
                    }
                }
                guard let oldest = list.filter({ $0.claimer == nil }).min(by: { $0.seq < $1.seq }) else { return }
                let claim = "\(Queues.seqName(oldest.seq)).c.\(me).\(myStart)"
                if renameat(q, oldest.file, q, claim) == 0 { claimed = claim }
            }
            if let claim = claimed {
                let value: [UInt8]
                do throws(Errno) {
                    let f = try openAt(q, claim, O_RDONLY)
                    value = try f.readAll()
                } catch {
                    throw .system("cannot read from queue \(display(name))", error)
                }
                do {
                    try deliver(value)
                } catch {
                    // Not delivered: back into the queue for the next consumer.
                    _ = renameat(q, claim, q, claim.split(separator: ".")[0] + ".v")
                    throw error
                }
                _ = unlinkat(q, claim, 0)
                return
            }
            // Empty: sleep until a value arrives (inotify on the directory) or
            // a consumer holding a claim dies (its pidfd), or the deadline.
            let left = deadline.map { $0 - monotonicNow() }
            if let l = left, l <= 0 { throw .timedOut }
            if inotify < 0 {
                inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
                do throws(Errno) {
                    if inotify < 0 { throw .current }
                    _ = try addWatch(inotify, on: q, UInt32(IN_MOVED_TO | IN_CREATE))
                } catch {
                    throw .system("cannot watch queue \(display(name))", error)
                }
                continue  // look again: a value may have come before the watch
            }
            let pidfds = liveClaimers.compactMap { pidfdIfSame($0.0, start: $0.1) }
            _ = pollReadable([inotify] + pidfds, timeoutNs: left ?? -1)
            for fd in pidfds { close(fd) }
            drainInotify(inotify)
        }
    }
}
