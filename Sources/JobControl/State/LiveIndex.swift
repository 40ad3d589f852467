import JobControlSystem

/// `DIR/live/ID`: the record of each job that has started and not yet
/// recorded its end, so that listing what may still run (`ps --running`,
/// completing running jobs) costs what runs, not what has ended.
///
/// The log stays the truth; the index follows it under the same lock: a
/// job's file is written with its start record, rewritten with its `run`
/// event, and removed with its exit record. `live/.complete` says the index
/// holds every such job. Missing (a state from before the index, a write
/// that failed, a directory deleted), the first reader rebuilds it from a
/// fold. A monitor killed before its exit record leaves its file behind:
/// the job then reads as `lost`, as it does from the log, and `rm` removes
/// the file with the job.
extension StateStore {
    static let liveDir = "live"
    static let liveComplete = ".complete"

    /// Spare files, named `.spare-K` for K below `spares`: a job's file is
    /// a spare once it ends, and the next job's file is made from one. Why:
    /// on ext4 a new inode costs 0.05–0.3 ms (more after many files were
    /// deleted, as its allocator passes over recently freed inodes), a
    /// rename of an existing one a tenth of that.
    static let sparePrefix = ".spare-"
    static let spares = 64

    /// Under the lock: writes the job's file, if the index is kept, from
    /// `spare` if one is given. A file that cannot be written makes the
    /// index incomplete, never wrong.
    func writeLive(_ id: JobID, _ record: [UInt8], replacing: Bool, spare: String? = nil) {
        let name = "\(StateStore.liveDir)/\(id)"
        do throws(Errno) {
            // The file gets its name once written: a reader sees the old
            // record or the new, never a mix, and never a spare's old job.
            if let s = spare.map({ "\(StateStore.liveDir)/\($0)" }), let f = try? dir.open(s, .writeOnly) {
                try f.writeAll(record, at: 0)
                try f.truncate(to: record.count)
                // A record replaced swaps places with it and is the spare
                // now (where the file system cannot swap, it is dropped).
                if replacing, (try? dir.exchange(s, name)) != nil { return }
                try dir.rename(s, to: name)
                return
            }
            let target = replacing ? "\(StateStore.liveDir)/.\(id).tmp" : name
            let f = try dir.open(target, [.writeOnly, .create, .truncate])
            try f.writeAll(record)
            if replacing { try dir.rename(target, to: name) }
        } catch where error == .noEntry {
            return  // no index yet: the first reader builds it
        } catch {
            dir.removeIfPresent("\(StateStore.liveDir)/\(StateStore.liveComplete)")
        }
    }

    /// Under the lock: the job has recorded its end, or is forgotten. Its
    /// file becomes a spare unless there are enough.
    func removeLive(_ id: JobID) {
        let name = "\(StateStore.liveDir)/\(id)"
        let spare = "\(StateStore.liveDir)/\(StateStore.sparePrefix)\(id % StateStore.spares)"
        do throws(Errno) {
            try dir.rename(name, to: spare, replacing: false)
        } catch where error == .noEntry {
            return
        } catch {
            dir.removeIfPresent(name)
        }
    }

    /// Appends a queued job's `run` event (it has its slot and its pid) and
    /// brings its live record up to date.
    public func appendRun(_ job: Job) throws(JobctlError) {
        try withLock { (_) throws(JobctlError) in
            _ = try appendLocked(Records.encodeRun(job.id, pid: job.pid ?? 0, pidStart: job.pidStart, started: job.started))
            writeLive(job.id, Records.encode(job), replacing: true, spare: liveCensus()?.spare)
        }
    }

    /// Appends a new start record of a job that has not ended (a held
    /// cluster job, once submitted: now with its Slurm id) and brings its
    /// live record up to date. The newest start record of a job wins.
    public func restate(_ job: Job) throws(JobctlError) {
        try withLock { (_) throws(JobctlError) in
            let record = Records.encode(job)
            _ = try appendLocked(record)
            writeLive(job.id, record, replacing: true, spare: liveCensus()?.spare)
        }
    }

    /// The jobs that had not recorded an end, oldest first, from the index
    /// (rebuilt from the log if it is not complete). Their live state is
    /// still to be asked: a job whose monitor was killed is `lost`.
    public func unendedJobs() throws(JobctlError) -> [Job] {
        if let jobs = readLive() { return jobs }
        let rebuilt = try? withLock { (_) throws(JobctlError) -> [Job] in
            if let jobs = readLive() { return jobs }  // rebuilt meanwhile
            return try rebuildLive()
        }
        if let jobs = rebuilt { return jobs }
        // The index cannot be made here (a read-only state, say): the log
        // answers, as it did before there was an index.
        return try loadAll().jobs.filter { $0.exit == nil }
    }

    /// Runs `body` with the index's directory and its jobs' entries (hidden
    /// names left out), or returns nil if the index is missing or incomplete.
    func withLiveEntries<R>(_ body: (borrowing FileDescriptor, [(name: [UInt8], inode: UInt64)]) -> R) -> R? {
        guard let d = try? dir.openIfPresent(StateStore.liveDir, [.readOnly, .directory]),
              (try? d.status(of: StateStore.liveComplete)) != nil,
              let entries = try? d.entries() else { return nil }
        return body(d, entries)
    }

    /// How many jobs the live index holds, and a spare file for the next,
    /// or nil if it is not complete.
    func liveCensus() -> (count: Int, spare: String?)? {
        withLiveEntries { _, entries in
            var count = 0
            var spare: String?
            for e in entries {
                if e.name.first != UInt8(ascii: ".") { count += 1 }
                else if spare == nil, e.name.starts(with: StateStore.sparePrefix.utf8) {
                    spare = String(decoding: e.name, as: UTF8.self)
                }
            }
            return (count, spare)
        }
    }

    /// The index's jobs, or nil if it is missing or incomplete.
    func readLive() -> [Job]? {
        withLiveEntries { d, entries in jobs(in: d, entries.filter { $0.name.first != UInt8(ascii: ".") }) }
    }

    private func jobs(in d: borrowing FileDescriptor, _ entries: [(name: [UInt8], inode: UInt64)]) -> [Job] {
        var jobs: [Job] = []
        for e in entries {
            // Gone since the listing: the job has just ended.
            guard let f = try? d.open(e.name, .readOnly), let b = try? f.readAll() else { continue }
            b.withUnsafeBufferPointer { p in
                StateStore.forEachLine(p) { line in
                    switch line {
                    case .whole(let j), .event(.start(let j)): jobs.append(j)
                    default: break
                    }
                }
            }
        }
        return jobs.sorted { $0.id < $1.id }
    }

    /// Under the lock: makes the index from a fold of the log.
    func rebuildLive() throws(JobctlError) -> [Job] {
        let jobs = (try loadAll().jobs).filter { $0.exit == nil }
        let d = try subdirectory([Array(StateStore.liveDir.utf8)])
        let keep = Set(jobs.map { Array(String($0.id).utf8) })
        for e in (try? d.entries()) ?? [] where !keep.contains(e.name) {
            try? d.remove(String(decoding: e.name, as: UTF8.self))
        }
        try attempt("cannot write \(shown)/\(StateStore.liveDir)") { () throws(Errno) in
            for j in jobs { try d.open("\(j.id)", [.writeOnly, .create, .truncate]).writeAll(Records.encode(j)) }
            _ = try d.open(StateStore.liveComplete, [.writeOnly, .create])
        }
        return jobs
    }
}
