import JobControlSystem

/// Follows the state file from where it was, returning the exit records
/// appended since: a waiter reads only what is new, not the whole history.
struct TailReader {
    let store: StateStore
    var offset: Int
    var inode: UInt64

    init(store: StateStore) {
        self.store = store
        let st = try? store.dir.status(of: StateStore.jobsFile, follow: true)
        offset = st?.size ?? 0
        inode = st?.inode ?? 0
    }

    mutating func newExits() -> [JobID: (ExitStatus, Int64)] {
        guard let f = try? store.dir.open(StateStore.jobsFile, .readOnly), let st = try? f.status() else { return [:] }
        if st.inode != inode {
            // Compacted: the new file holds every exit in `job` lines.
            inode = st.inode
            offset = 0
        }
        let size = st.size
        guard size > offset, let data = try? f.read(at: offset, count: size - offset),
              let lastNL = data.lastIndex(of: 10) else { return [:] }
        offset += lastNL + 1
        var out: [JobID: (ExitStatus, Int64)] = [:]
        data.withUnsafeBufferPointer { b in
            StateStore.forEachLine(UnsafeBufferPointer(rebasing: b[0...lastNL])) { d in
                switch d {
                case .event(.exit(let id, let e, let t)): out[id] = (e, t)
                case .whole(let j): if let e = j.exit, let t = j.ended { out[j.id] = (e, t) }
                default: break
                }
            }
        }
        return out
    }
}
