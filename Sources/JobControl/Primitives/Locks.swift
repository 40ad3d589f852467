import JobControlSystem

/// Named locks: `STATE/locks/NAME`, held with flock(2). The kernel is the
/// source of truth: a lock dies with the last process holding it, SIGKILL
/// included, so nothing can deadlock after a `kill` (the hazard Python's
/// documentation warns of for Process.terminate()).
public struct NamedLocks {
    public let store: StateStore
    public static let dir = "locks"
    public init(store: StateStore) { self.store = store }

    /// Lock names are file names: no `/`, not `.` or `..`, not empty, at most
    /// 200 bytes.
    public static func validate(_ name: [UInt8]) throws(JobctlError) {
        let shown = display(name)
        if name.isEmpty { throw .usage("a lock name cannot be empty") }
        if name.count > 200 { throw .usage("lock name too long (at most 200 bytes)") }
        if name.contains(UInt8(ascii: "/")) || name == [46] || name == [46, 46] {
            throw .usage("invalid lock name '\(shown)' (no '/', not '.' or '..')")
        }
    }

    /// Opens the lock's file, creating it (and `locks/`) on first use, never
    /// through a symlink.
    public func open(_ name: [UInt8]) throws(JobctlError) -> FileDescriptor {
        try NamedLocks.validate(name)
        let d = try store.subdirectory([Array(NamedLocks.dir.utf8)])
        return try attempt("cannot open lock \(display(name))") { () throws(Errno) in try d.open(name, [.readWrite, .create]) }
    }

    /// Takes the lock: exclusive, or shared with other shared holders.
    /// `timeout` nil waits for ever; 0 only tries. Throws `.timedOut`.
    public func acquire(_ fd: borrowing FileDescriptor, shared: Bool, timeout: Int64?) throws(JobctlError) {
        do throws(Errno) { try fd.lock(shared ? .shared : .exclusive, timeout: timeout) }
        catch where error == .wouldBlock { throw .timedOut }
        catch { throw .system("cannot lock", error) }
    }

    public struct Holder: Equatable {
        public var name: [UInt8]
        public var mode: String  // "exclusive" or "shared"
        public var slots: Int
        public var holders: [Int32]
        public var waiters: [Int32]
    }

    /// Who holds and who waits for each lock, from /proc/locks (the kernel's
    /// own table, matched to the lock files by inode): holders of any of
    /// its slots; waiters in its line (each holds its place's lock) and
    /// --shared ones blocked in flock.
    public func list() -> [Holder] {
        var byInode: [UInt64: Int] = [:]
        // The places in lines: their holders are waiters.
        var places: Set<UInt64> = []
        var out: [Holder] = []
        for e in (try? store.dir.entries(of: NamedLocks.dir)) ?? [] {
            let k: Int = out.count
            byInode[e.inode] = k
            let line = Semaphores(store: store).files(e.name)
            for i in line.slots { byInode[i] = k }
            for i in line.places { byInode[i] = k; places.insert(i) }
            out.append(Holder(name: e.name, mode: "-", slots: line.size, holders: [], waiters: []))
        }
        if let text = try? FileDescriptor.open(Array("/proc/locks".utf8), .readOnly).readAll() {
            for line in text.split(separator: 10) {
                // "1: FLOCK  ADVISORY  WRITE 1234 fe:00:5309966 0 EOF"; waiters have "->".
                let w = line.split(separator: 32).map { String(decoding: $0, as: UTF8.self) }
                guard w.count >= 6, let type = w.firstIndex(of: "FLOCK") else { continue }
                let waiting = w.contains("->")
                guard type + 4 < w.count, let pid = Int32(w[type + 3]) else { continue }
                let id = w[type + 4].split(separator: ":")
                guard id.count == 3, let ino = UInt64(id[2]), let k = byInode[ino] else { continue }
                if places.contains(ino) {
                    if !waiting { out[k].waiters.append(pid) }
                } else if waiting {
                    out[k].waiters.append(pid)
                } else {
                    out[k].holders.append(pid)
                    out[k].mode = w[type + 2] == "WRITE" ? "exclusive" : "shared"
                }
            }
        }
        return out.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }
}
