import CJobControl
import Glibc

/// Pools: at most N jobs of a pool run at once; the others are `queued` and
/// start in id order as slots free, whoever spawned them and whether or not
/// that shell is still there.
///
///     STATE/pools/NAME/size     N, remembered from the last --slots
///     STATE/pools/NAME/slot.K   flock'ed by the monitor of a running job
///     STATE/pools/NAME/wait.ID  flock'ed by the monitor of a queued job
///
/// Everything is a kernel lock, so a monitor that dies, SIGKILL included,
/// frees its slot or its place in line. A queued monitor waits only on its
/// predecessor in line (inotify on that one file, a pidfd on its monitor);
/// the head of the line waits on the slot holders' pidfds and on the pool
/// directory (a new size). Nothing polls.
public struct Pools {
    public let store: StateStore
    public static let dir = "pools"
    public init(store: StateStore) { self.store = store }

    func openPool(_ name: [UInt8]) throws(JobctlError) -> CInt {
        try NamedLocks.validate(name)
        return try store.subdirectory([Array(Pools.dir.utf8), name])
    }

    /// Remembers the pool's size for this and later spawns.
    public func setSize(_ name: [UInt8], _ n: Int) throws(JobctlError) {
        let p = try openPool(name)
        defer { close(p) }
        let tmp = "size.\(getpid())"
        do throws(Errno) {
            let f = try openAt(p, tmp, O_WRONLY | O_CREAT | O_TRUNC)
            try f.writeAll(Array("\(n)\n".utf8))
        } catch { throw .system("cannot set the size of pool \(display(name))", error) }
        if renameat(p, tmp, p, "size") != 0 { throw .system("cannot set the size of pool \(display(name))", .current) }
    }

    static func size(_ p: CInt) -> Int {
        guard let f = try? openAt(p, "size", O_RDONLY), let b = try? f.readAll(),
              let n = Int(String(decoding: b, as: UTF8.self).split(separator: "\n").first ?? "") else { return 1 }
        return max(1, n)
    }

    /// `pid start` lines written into a lock file by its holders, for
    /// pidfds: a queued monitor for `wait.ID`; a running job's monitor and
    /// its command for `slot.K` (the command inherits the slot's lock).
    static func writeHolders(_ fd: CInt, _ holders: [ProcessIdentity]) {
        let text = Array(holders.map { "\($0.pid) \($0.start)\n" }.joined().utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
    }

    static func writeHolder(_ fd: CInt) {
        let me = getpid()
        writeHolders(fd, [ProcessIdentity(pid: me, start: ProcStat.read(me)?.startTime ?? 0)])
    }

    static func readHolders(_ p: CInt, _ file: String) -> [ProcessIdentity] {
        guard let f = try? openAt(p, file, O_RDONLY), let b = try? f.readAll() else { return [] }
        return String(decoding: b, as: UTF8.self).split(separator: "\n").compactMap { line in
            let w = line.split(separator: " ")
            guard w.count >= 2, let pid = Int32(w[0]), let st = UInt64(w[1]) else { return nil }
            return ProcessIdentity(pid: pid, start: st)
        }
    }

    /// Is this lock file held by someone? (A lock we can take is not.)
    static func isHeld(_ p: CInt, _ file: String) -> Bool {
        guard let f = try? openAt(p, file, O_RDONLY) else { return false }
        return flock(f.rawValue, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }

    static func waitingIDs(_ p: CInt) -> [Int] {
        directoryEntries(p, ".").compactMap { e in
            let name = String(decoding: e.name, as: UTF8.self)
            return name.hasPrefix("wait.") ? Int(name.dropFirst(5)) : nil
        }
    }

    /// Waits for this job's turn and a free slot. Returns the slot's
    /// descriptor (hold it while the job runs), or nil if `interrupted`
    /// said to give up (a kill, the owner's death) first.
    func waitForSlot(pool name: [UInt8], id: JobID, extraFDs: [CInt],
                     interrupted: ([Bool]) -> Bool) throws(JobctlError) -> CInt? {
        let p = try openPool(name)
        defer { close(p) }
        let mutex = try openAt(p, ".lock", O_RDWR | O_CREAT, or: "cannot open the pool's lock")
        let mine = "wait.\(id)"
        let place = openat(p, mine, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if place < 0 { throw .system("cannot queue in pool \(display(name))", .current) }
        _ = flock(place, LOCK_EX)
        Pools.writeHolder(place)
        defer { _ = unlinkat(p, mine, 0); close(place) }
        let inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        if inotify < 0 { throw .system("cannot watch pool \(display(name))", .current) }
        defer { close(inotify) }
        var wd: Int32 = -1
        // A slot still locked though every process recorded as holding it
        // has ended: a job whose monitor was killed, whose leftovers still
        // hold the slot they inherited. Nothing signals their end but the
        // lock itself, so it is looked at again after a pause.
        var orphanPause: Int64 = 10_000_000
        while true {
            var slot: CInt = -1
            var pred: Int?
            var watch: [ProcessIdentity] = []
            var orphaned = false
            _ = flock(mutex.rawValue, LOCK_EX)
            // My predecessor: the nearest lower id still waiting (its lock held).
            for other in Pools.waitingIDs(p).filter({ $0 < id }).sorted(by: >) {
                if Pools.isHeld(p, "wait.\(other)") { pred = other; break }
                _ = unlinkat(p, "wait.\(other)", 0)  // its monitor is gone
            }
            if pred == nil {
                for k in 0..<Pools.size(p) {
                    let f = openat(p, "slot.\(k)", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
                    if f < 0 { continue }
                    if flock(f, LOCK_EX | LOCK_NB) == 0 {
                        Pools.writeHolder(f)
                        slot = f
                        break
                    }
                    let holders = Pools.readHolders(p, "slot.\(k)")
                    if !holders.contains(where: { ProcStat.mayBeAlive($0.pid, start: $0.start) }) { orphaned = true }
                    watch += holders
                    close(f)
                }
            } else {
                watch = Pools.readHolders(p, "wait.\(pred!)")
            }
            _ = flock(mutex.rawValue, LOCK_UN)
            if slot >= 0 { return slot }

            // Sleep until something that could change the answer happens.
            if wd >= 0 { _ = inotify_rm_watch(inotify, wd) }
            do throws(Errno) {
                if let pr = pred {
                    let f = openat(p, "wait.\(pr)", O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
                    if f < 0 { continue }  // gone already: look again
                    defer { close(f) }
                    wd = try addWatch(inotify, on: f, UInt32(IN_ATTRIB | IN_DELETE_SELF))
                } else {
                    // Only a new size file: slots free through the holders' pidfds,
                    // and our own opening and closing of slot files must not wake us.
                    wd = try addWatch(inotify, on: p, UInt32(IN_MOVED_TO))
                }
            } catch {
                throw .system("cannot watch pool \(display(name))", error)
            }
            let pidfds = watch.compactMap { pidfdIfSame($0.pid, start: $0.start) }
            if pred != nil && pidfds.isEmpty { continue }  // the predecessor ended: look again
            let ready = pollReadable(extraFDs + [inotify] + pidfds, timeoutNs: orphaned ? orphanPause : -1)
            for fd in pidfds { close(fd) }
            orphanPause = orphaned ? min(orphanPause * 2, 1_000_000_000) : 10_000_000
            drainInotify(inotify)
            if interrupted(Array(ready.prefix(extraFDs.count))) { return nil }
        }
    }
}
