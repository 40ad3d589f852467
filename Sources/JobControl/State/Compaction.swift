import JobControlSystem

/// Forgetting jobs (`rm`, `prune`), and rewriting the log once most of it
/// is about forgotten ones.
extension StateStore {
    /// Records that these ended jobs are forgotten, deletes their logs, and
    /// compacts the file when most of it is dead.
    public func remove(_ jobs: [Job]) throws(JobctlError) {
        guard !jobs.isEmpty else { return }
        var lines: [UInt8] = []
        for j in jobs { lines += Records.encodeRemove(j.id) }
        try append(lines, sync: true)
        try withLock { (_) throws(JobctlError) in for j in jobs { removeLive(j.id) } }
        for j in jobs where j.log == Array("\(StateStore.logsDir)/\(j.id).log".utf8) { removeLog(j.id) }
        for j in jobs where j.onSlurm {
            for ext in SlurmBackend.files { dir.removeIfPresent(SlurmBackend.file(j.id, ext)) }
        }
        try compactIfWorthIt()
    }

    /// Rewrites the file as one `job`/`start` line per remaining job when the
    /// removed ones make up more than half of it. The highest id ever given
    /// stays in the new file (a `remove` line for it, if that job is gone),
    /// so that a counter rebuilt from the file never gives an id again.
    public func compactIfWorthIt() throws(JobctlError) {
        try withLock { (lock) throws(JobctlError) in
            guard let (bytes, _) = try readFile() else { return }
            var lines = 0
            var highest = StateStore.readCounter(lock).last ?? 0
            bytes.withUnsafeBufferPointer { b in
                StateStore.forEachLine(b) { d in
                    lines += 1
                    if case .event(let e) = d { highest = max(highest, e.id) }
                    if case .whole(let j) = d { highest = max(highest, j.id) }
                }
            }
            let (jobs, skipped) = StateStore.fold(bytes)
            trimReserve(running: jobs.filter { $0.exit == nil }.count)
            guard lines > 2 * jobs.count + 16 || skipped.invalid > 0 else { return }
            if skipped.newer > 0 { return }  // never drop what a newer jobctl wrote
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            if highest > (jobs.last?.id ?? 0) { out += Records.encodeRemove(highest) }
            for j in jobs { out += Records.encode(j) }
            try replaceFile(StateStore.jobsFile, with: out)
        }
    }

    /// Write-and-rename: a crash at any point leaves the old file or the new
    /// one, whole (nq.c: "block until rename is committed").
    func replaceFile(_ name: String, with contents: [UInt8]) throws(JobctlError) {
        let tmp = name + ".tmp"
        dir.removeIfPresent(tmp)
        do throws(Errno) {
            let f = try dir.open(tmp, [.writeOnly, .create, .exclusive])
            try f.writeAll(contents)
            try f.sync()
            try dir.rename(tmp, to: name)
            try? dir.sync()
        } catch {
            dir.removeIfPresent(tmp)
            throw .system("cannot rewrite \(shown)/\(name)", error)
        }
    }
}
