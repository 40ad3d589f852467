import JobControlSystem

/// Follows the state file from where it was, returning the exit records
/// appended since: a waiter reads only what is new, not the whole history.
public struct TailReader {
    let store: StateStore
    var offset: Int
    var inode: UInt64

    /// From the file's end (`fromStart`: from its first line).
    public init(store: StateStore, fromStart: Bool = false) {
        self.store = store
        let st = try? store.dir.status(of: StateStore.jobsFile, follow: true)
        offset = fromStart ? 0 : st?.size ?? 0
        inode = st?.inode ?? 0
    }

    /// The whole lines appended since the last call, decoded. After a
    /// compaction (a new file) its lines are all read: `skipCompacted`
    /// skips them instead, for a reader that wants only what happens next.
    public mutating func newRecords(skipCompacted: Bool = false) -> [Records.Decoded] {
        guard let f = try? store.dir.open(StateStore.jobsFile, .readOnly), let st = try? f.status() else { return [] }
        if st.inode != inode {
            inode = st.inode
            offset = skipCompacted ? st.size : 0
        }
        let size = st.size
        guard size > offset, let data = try? f.read(at: offset, count: size - offset),
              let lastNL = data.lastIndex(of: 10) else { return [] }
        offset += lastNL + 1
        var out: [Records.Decoded] = []
        data.withUnsafeBufferPointer { b in
            StateStore.forEachLine(UnsafeBufferPointer(rebasing: b[0...lastNL])) { out.append($0) }
        }
        return out
    }

    /// The exit records appended since the last call (after a compaction,
    /// the new file holds every exit in `job` lines).
    mutating func newExits() -> [JobID: (ExitStatus, Int64)] {
        var out: [JobID: (ExitStatus, Int64)] = [:]
        for d in newRecords() {
            switch d {
            case .event(.exit(let id, let e, let t)): out[id] = (e, t)
            case .whole(let j): if let e = j.exit, let t = j.ended { out[j.id] = (e, t) }
            default: break
            }
        }
        return out
    }
}

extension StateStore {
    /// An inotify instance that turns readable when records are appended
    /// (the file is modified) or the file is compacted (a new one renamed in).
    public func watchRecords() throws(JobctlError) -> Inotify {
        try attempt("cannot watch \(shown)") { () throws(Errno) in
            let i = try Inotify()
            _ = try i.watch(dir, [.modified, .movedTo])
            return i
        }
    }
}
