import JobControlSystem

/// Shared integers (Python's `Value('q')`): `STATE/values/NAME/`.
///
///     STATE/values/NAME/.lock   flock'ed for a change (read, compute, write)
///     STATE/values/NAME/value   the number in decimal and a newline
///
/// A change writes a new file, syncs it and renames it over `value`, so a
/// reader (which takes no lock) sees the old number or the new one, and a
/// power cut keeps one of them, as a queue keeps its values.
public struct SharedValues {
    public let store: StateStore
    public static let dir = "values"
    public init(store: StateStore) { self.store = store }

    /// A number as `value` takes it: optional sign, decimal digits, within
    /// 64 bits. Anything else (spaces, `0x10`, `1e3`, out of range) is a
    /// usage error: it is not a value.
    public static func parse(_ text: [UInt8]) throws(JobctlError) -> Int64 {
        guard let n = Int64(String(decoding: text, as: UTF8.self)) else {
            throw .usage("invalid value '\(display(text))' (a whole number from \(Int64.min) to \(Int64.max))")
        }
        return n
    }

    func open(_ name: [UInt8]) throws(JobctlError) -> FileDescriptor {
        try NamedLocks.validate(name)
        return try store.subdirectory([Array(SharedValues.dir.utf8), name])
    }

    static func read(_ d: borrowing FileDescriptor) throws(JobctlError) -> Int64? {
        let bytes: [UInt8]
        do throws(Errno) {
            guard let f = try d.openIfPresent("value", .readOnly) else { return nil }
            bytes = try f.readAll()
        } catch { throw .system("cannot read the value", error) }
        guard let n = Int64(String(decoding: bytes.prefix { $0 != 10 }, as: UTF8.self)) else {
            throw .failure("the stored value is not a number: \(display(bytes))")
        }
        return n
    }

    /// The value, or nil if it was never set.
    public func get(_ name: [UInt8]) throws(JobctlError) -> Int64? {
        try SharedValues.read(try open(name))
    }

    /// Changes the value under its lock: `change` gets the current one (nil
    /// if never set) and returns the new one, or nil to leave it.
    @discardableResult
    public func update(_ name: [UInt8], _ change: (Int64?) throws(JobctlError) -> Int64?) throws(JobctlError) -> Int64? {
        let d = try open(name)
        let lock = try attempt("cannot open the lock of value \(display(name))") { () throws(Errno) in
            try d.open(".lock", [.readWrite, .create])
        }
        try attempt("cannot lock value \(display(name))") { () throws(Errno) in try lock.lock(.exclusive) }
        guard let new = try change(try SharedValues.read(d)) else { return nil }
        let tmp = ".set.\(Processes.current)"
        do throws(Errno) {
            let f = try d.open(tmp, [.writeOnly, .create, .truncate])
            try f.writeAll(Array("\(new)\n".utf8))
            try f.syncData()
            try d.rename(tmp, to: "value")
        } catch {
            d.removeIfPresent(tmp)
            throw .system("cannot store value \(display(name))", error)
        }
        try? d.sync()  // the rename itself survives a power cut
        return new
    }

    /// Every value that is set, by name.
    public func list() -> [(name: [UInt8], value: Int64)] {
        store.names(in: SharedValues.dir).compactMap { name in
            guard let d = try? open(name), let v = try? SharedValues.read(d) else { return nil }
            return (name, v)
        }
    }
}
