import JobControlSystem

/// Counting semaphores (`lock --slots N`, `spawn --lock NAME`): at most N
/// holders of a lock name at once, admitted in arrival order. The line is
/// a pool's line (`Pools.waitInLine`), kept for each name in
///
///     STATE/semaphores/NAME/size     N, remembered from the last --slots
///     STATE/semaphores/NAME/wait.ID  flock'ed by a waiter (ID: its job's id,
///                                    taken on arrival, so ids give the order)
///     STATE/semaphores/NAME/slot.K   slots 2..N (K = 1...N-1), flock'ed
///
/// and the first slot is the plain lock's own file, `STATE/locks/NAME`: a
/// `--slots 1` holder and a plain (or `--shared`) one exclude each other.
/// Every slot and place in line is a kernel lock, and a holder's command
/// inherits its slot, so any end, SIGKILL included, frees it.
public struct Semaphores {
    public let store: StateStore
    public static let dir = "semaphores"
    public init(store: StateStore) { self.store = store }

    func openLine(_ name: [UInt8]) throws(JobctlError) -> FileDescriptor {
        try NamedLocks.validate(name)
        _ = try store.subdirectory([Array(NamedLocks.dir.utf8)])
        return try store.subdirectory([Array(Semaphores.dir.utf8), name])
    }

    /// Remembers N for this name: the latest `--slots` given wins.
    public func setSize(_ name: [UInt8], _ n: Int) throws(JobctlError) {
        try Pools.writeSize(try openLine(name), n, shown: "lock \(display(name))")
    }

    /// N as remembered (1 if never given).
    public func size(_ name: [UInt8]) -> Int {
        guard let p = try? openLine(name) else { return 1 }
        return Pools.size(p)
    }

    /// Waits for `id`'s turn and a free slot; returns the slot, held (the
    /// command must inherit it). Nil if `interrupted` said to give up;
    /// `.timedOut` past `deadline`.
    func acquire(_ name: [UInt8], id: JobID, extraFDs: [CInt] = [], deadline: Int64?,
                 interrupted: ([Bool]) -> Bool = { _ in false }) throws(JobctlError) -> FileDescriptor? {
        // Slot 0 is the plain lock's file, two levels up and across.
        let first = Array("../../\(NamedLocks.dir)/".utf8) + name
        return try Pools.waitInLine(try openLine(name), shown: "lock \(display(name))", id: id,
                                    slotName: { $0 == 0 ? first : Array("slot.\($0)".utf8) },
                                    extraFDs: extraFDs, deadline: deadline, interrupted: interrupted)
    }

    /// The size of the line of `name` and the inodes of its slot files
    /// (but the first) and places, for `locks`; nothing is created.
    func files(_ name: [UInt8]) -> (size: Int, slots: [UInt64], places: [UInt64]) {
        var path = Array("\(Semaphores.dir)/".utf8)
        path += name
        guard let line = try? store.dir.open(path, [.readOnly, .directory]) else { return (1, [], []) }
        var slots: [UInt64] = [], places: [UInt64] = []
        for f in (try? line.entries()) ?? [] {
            let file = String(decoding: f.name, as: UTF8.self)
            if file.hasPrefix("slot.") { slots.append(f.inode) }
            if file.hasPrefix("wait.") { places.append(f.inode) }
        }
        return (Pools.size(line), slots, places)
    }
}
