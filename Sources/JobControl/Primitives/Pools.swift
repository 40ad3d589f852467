import JobControlSystem

/// Pools: at most N jobs of a pool run at once; the others are `queued` and
/// start in id order as slots free, whoever spawned them and whether or not
/// that shell is still there.
///
///     STATE/pools/NAME/size     N, remembered from the last --slots
///     STATE/pools/NAME/paused   present while `pool pause` holds its queue
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

    func openPool(_ name: [UInt8]) throws(JobctlError) -> FileDescriptor {
        try NamedLocks.validate(name)
        return try store.subdirectory([Array(Pools.dir.utf8), name])
    }

    /// Remembers the pool's size for this and later spawns.
    public func setSize(_ name: [UInt8], _ n: Int) throws(JobctlError) {
        try Pools.writeSize(try openPool(name), n, shown: "pool \(display(name))")
    }

    /// Writes `size` by a rename, which wakes the head of the line.
    static func writeSize(_ p: borrowing FileDescriptor, _ n: Int, shown: String) throws(JobctlError) {
        let tmp = "size.\(Processes.current)"
        try attempt("cannot set the size of \(shown)") { () throws(Errno) in
            let f = try p.open(tmp, [.writeOnly, .create, .truncate])
            try f.writeAll(Array("\(n)\n".utf8))
            try p.rename(tmp, to: "size")
        }
    }

    /// `pool pause` / `pool resume`: while paused, queued jobs stay queued
    /// (running ones go on). The marker is made by a rename, so the head
    /// of the line, which watches the pool directory, wakes for it.
    public func setPaused(_ name: [UInt8], _ paused: Bool) throws(JobctlError) {
        let p = try openPool(name)
        if !paused { p.removeIfPresent("paused"); return }
        let tmp = "paused.\(Processes.current)"
        try attempt("cannot pause pool \(display(name))") { () throws(Errno) in
            _ = try p.open(tmp, [.writeOnly, .create, .truncate])
            try p.rename(tmp, to: "paused")
        }
    }

    /// Removes a pool's directory (`map`'s own, once its jobs have ended);
    /// `ps --pool` still finds its jobs by their records.
    public func remove(_ name: [UInt8]) {
        guard let p = try? openPool(name) else { return }
        for e in (try? p.entries()) ?? [] { p.removeIfPresent(e.name) }
        (try? store.dir.open(Array(Pools.dir.utf8), [.readOnly, .directory]))?.removeIfPresent(name, directory: true)
    }

    /// `map` without --keep-going: the pool is paused by the first of its
    /// jobs to fail, before that job's slot frees (`halt-on-failure`).
    public func setHaltsOnFailure(_ name: [UInt8], _ halts: Bool) throws(JobctlError) {
        let p = try openPool(name)
        if !halts { p.removeIfPresent("halt-on-failure"); return }
        try attempt("cannot set up pool \(display(name))") { () throws(Errno) in
            _ = try p.open("halt-on-failure", [.readOnly, .create])
        }
    }

    func pauseIfHaltsOnFailure(_ name: [UInt8]) {
        guard let p = try? openPool(name), (try? p.openIfPresent("halt-on-failure", .readOnly)) != nil else { return }
        try? setPaused(name, true)
    }

    /// Is any slot of the pool held (a job of it running or starting)?
    public func slotsInUse(_ name: [UInt8]) -> Bool {
        guard let p = try? openPool(name) else { return false }
        for k in 0..<Pools.size(p) where Pools.isHeld(p, "slot.\(k)") { return true }
        return false
    }

    static func isPaused(_ p: borrowing FileDescriptor) -> Bool {
        (try? p.openIfPresent("paused", .readOnly)) != nil
    }

    /// One pool as `jobctl pools` shows it.
    public struct Summary {
        public var name: [UInt8]
        public var slots: Int
        public var running = 0, queued = 0
        public var paused: Bool
    }

    /// Every pool that has a directory, with the counts of `jobs` (its
    /// unended jobs and their states) in each.
    public func summaries(_ jobs: [(job: Job, state: JobState)]) -> [Summary] {
        store.names(in: Pools.dir).compactMap { name in
            guard let p = try? openPool(name) else { return nil }
            var s = Summary(name: name, slots: Pools.size(p), paused: Pools.isPaused(p))
            for (j, st) in jobs where j.pool == name {
                if st == .queued { s.queued += 1 } else if !st.hasEnded { s.running += 1 }
            }
            return s
        }
    }

    static func size(_ p: borrowing FileDescriptor) -> Int {
        guard let f = try? p.open("size", .readOnly), let b = try? f.readAll(),
              let n = Int(String(decoding: b, as: UTF8.self).split(separator: "\n").first ?? "") else { return 1 }
        return max(1, n)
    }

    /// `pid start` lines written into a lock file by its holders, for
    /// pidfds: a queued monitor for `wait.ID`; a running job's monitor and
    /// its command for `slot.K` (the command inherits the slot's lock).
    /// Advisory: a holder that cannot be written is only not woken for.
    static func writeHolders(_ fd: borrowing FileDescriptor, _ holders: [ProcessIdentity]) {
        let text = Array(holders.map { "\($0.pid) \($0.start)\n" }.joined().utf8)
        try? fd.truncate(to: 0)
        try? fd.writeAll(text, at: 0)
    }

    static func writeHolder(_ fd: borrowing FileDescriptor) {
        let me = Processes.current
        writeHolders(fd, [ProcessIdentity(pid: me, start: ProcStat.read(me)?.startTime ?? 0)])
    }

    static func readHolders(_ p: borrowing FileDescriptor, _ file: String) -> [ProcessIdentity] {
        guard let f = try? p.open(file, .readOnly) else { return [] }
        return readHolders(f)
    }

    static func readHolders(_ f: borrowing FileDescriptor) -> [ProcessIdentity] {
        guard let b = try? f.read(at: 0, count: 4096) else { return [] }
        return String(decoding: b, as: UTF8.self).split(separator: "\n").compactMap { line in
            let w = line.split(separator: " ")
            guard w.count >= 2, let pid = Int32(w[0]), let st = UInt64(w[1]) else { return nil }
            return ProcessIdentity(pid: pid, start: st)
        }
    }

    /// Is this lock file held by someone? (A lock we can take is not.)
    static func isHeld(_ p: borrowing FileDescriptor, _ file: String) -> Bool {
        guard let f = try? p.open(file, .readOnly) else { return false }
        return (try? f.tryLock(.shared)) == false
    }

    static func waitingIDs(_ p: borrowing FileDescriptor) throws(Errno) -> [Int] {
        try p.entries().compactMap { e in
            let name = String(decoding: e.name, as: UTF8.self)
            return name.hasPrefix("wait.") ? Int(name.dropFirst(5)) : nil
        }
    }

    /// Waits for this job's turn and a free slot. Returns the slot's
    /// descriptor (hold it while the job runs), or nil if `interrupted`
    /// said to give up (a kill, the owner's death) first. Throws if the
    /// pool cannot be used: a job must not wait on a line it is not in.
    func waitForSlot(pool name: [UInt8], id: JobID, extraFDs: [CInt],
                     interrupted: ([Bool]) -> Bool) throws(JobctlError) -> FileDescriptor? {
        try Pools.waitInLine(try openPool(name), shown: "pool \(display(name))", id: id,
                             slotName: { Array("slot.\($0)".utf8) }, extraFDs: extraFDs, deadline: nil, interrupted: interrupted)
    }

    /// The line of a pool or a semaphore, in directory `p`: `id` waits for
    /// its turn (ids in increasing order) and a free slot among the
    /// `size` slots, the files `slotName(0)`, `slotName(1)`... in `p`.
    /// Returns the slot, held; nil if `interrupted` said to give up; throws
    /// `.timedOut` once past `deadline` (monotonic ns).
    static func waitInLine(_ p: borrowing FileDescriptor, shown: String, id: JobID,
                           slotName: (Int) -> [UInt8], extraFDs: [CInt], deadline: Int64?,
                           interrupted: ([Bool]) -> Bool) throws(JobctlError) -> FileDescriptor? {
        let mutex = try attempt("cannot open the lock of \(shown)") { () throws(Errno) in try p.open(".lock", [.readWrite, .create]) }
        let mine = "wait.\(id)"
        let place = try attempt("cannot queue in \(shown)") { () throws(Errno) in
            let f = try p.open(mine, [.readWrite, .create])
            try f.lock(.exclusive)
            return f
        }
        Pools.writeHolder(place)
        defer { p.removeIfPresent(mine) }
        // Each waiter's own inotify instance; past the per-user limit on
        // them (fs.inotify.max_user_instances, 128 by default: a pool of
        // hundreds of queued jobs) a waiter looks again after a pause
        // instead (10 ms, doubling to 100 ms), and tries for one again.
        var inotify: Inotify? = try? Inotify()
        var wd: Int32?
        // A slot still locked though every process recorded as holding it
        // has ended: a job whose monitor was killed, whose leftovers still
        // hold the slot they inherited. Nothing signals their end but the
        // lock itself, so it is looked at again after a pause (10 ms,
        // doubling to 1 s).
        var orphanPause: Int64 = 10_000_000
        while true {
            var slot: FileDescriptor? = nil
            var pred: Int?
            var watch: [ProcessIdentity] = []
            var orphaned = false
            var paused = false
            try attempt("cannot lock \(shown)") { () throws(Errno) in
                try mutex.lock(.exclusive)
                defer { try? mutex.unlock() }
                // My predecessor: the nearest lower id still waiting (its lock held).
                for other in try Pools.waitingIDs(p).filter({ $0 < id }).sorted(by: >) {
                    if Pools.isHeld(p, "wait.\(other)") { pred = other; break }
                    p.removeIfPresent("wait.\(other)")  // its monitor is gone
                }
                guard pred == nil else {
                    watch = Pools.readHolders(p, "wait.\(pred!)")
                    return
                }
                // A paused pool starts nothing: the head waits for its resume.
                if Pools.isPaused(p) { paused = true; return }
                for k in 0..<Pools.size(p) {
                    let f = try p.open(slotName(k), [.readWrite, .create])
                    if try f.tryLock(.exclusive) {
                        Pools.writeHolder(f)
                        slot = consume f
                        break
                    }
                    let holders = Pools.readHolders(f)
                    if !holders.contains(where: { ProcStat.mayBeAlive($0.pid, start: $0.start) }) { orphaned = true }
                    watch += holders
                }
            }
            if slot != nil { return slot.take() }
            if let d = deadline, monotonicNow() >= d { throw .timedOut }

            // Sleep until something that could change the answer happens.
            if let w = wd { inotify?.unwatch(w) }
            if inotify?.fd.rawValue == nil { inotify = try? Inotify() }
            do throws(Errno) {
                if let pr = pred {
                    guard let f = try p.openIfPresent("wait.\(pr)", .readOnly) else { continue }  // gone already: look again
                    wd = try inotify?.watch(f, [.attributes, .deletedSelf])
                } else if paused {
                    wd = try inotify?.watch(p, [.movedTo, .deleted])  // a resume removes the marker
                } else {
                    // Only a new size file (or the pause marker): slots free
                    // through the holders' pidfds, and our own opening and
                    // closing of slot files must not wake us.
                    wd = try inotify?.watch(p, .movedTo)
                }
            } catch {
                throw .system("cannot watch \(shown)", error)
            }
            // Resumed between the look and the watch: look again.
            if paused && !Pools.isPaused(p) { continue }
            var pidfds = Descriptors()
            for h in watch { if let fd = pidfdIfSame(h.pid, start: h.start) { pidfds.append(fd) } }
            if pred != nil && pidfds.isEmpty { continue }  // the predecessor ended: look again
            let left = deadline.map { max(0, $0 - monotonicNow()) }
            let watching = inotify?.fd.rawValue
            let looksAgain = orphaned || watching == nil
            let pause = looksAgain ? min(orphanPause, left ?? orphanPause) : left
            let ready = pidfds.pollReadable(after: extraFDs + (watching.map { [$0] } ?? []), timeoutNs: pause)
            // Without inotify the line must still move: at most 100 ms behind.
            orphanPause = looksAgain ? min(orphanPause * 2, orphaned ? 1_000_000_000 : 100_000_000) : 10_000_000
            inotify?.drain()
            if interrupted(Array(ready.prefix(extraFDs.count))) { return nil }
        }
    }
}
