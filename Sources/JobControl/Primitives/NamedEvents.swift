import JobControlSystem

/// Events (Python's `Event`): `STATE/events/NAME/set` exists while the
/// event is set.
///
/// A waiter watches `STATE/events/NAME/` with inotify and only then looks
/// for `set`, so a set that comes between cannot be missed; nothing but
/// `set` is ever created there, so any creation it is told of is a set. A
/// set wakes every waiter even if it is cleared again before they run, as
/// Python's `Event.set()` does; nothing polls.
public struct NamedEvents {
    public let store: StateStore
    public static let dir = "events"
    public init(store: StateStore) { self.store = store }

    func open(_ name: [UInt8]) throws(JobctlError) -> FileDescriptor {
        try NamedLocks.validate(name)
        return try store.subdirectory([Array(NamedEvents.dir.utf8), name])
    }

    public func isSet(_ name: [UInt8]) throws(JobctlError) -> Bool {
        let d = try open(name)
        return try attempt("cannot read event \(display(name))") { () throws(Errno) in try d.openIfPresent("set", .readOnly) != nil }
    }

    /// Sets (or clears) the event, durably.
    public func set(_ name: [UInt8], _ on: Bool) throws(JobctlError) {
        let d = try open(name)
        try attempt("cannot \(on ? "set" : "clear") event \(display(name))") { () throws(Errno) in
            if on { _ = try d.open("set", [.readOnly, .create]) } else { d.removeIfPresent("set") }
            try d.sync()
        }
    }

    /// Returns once the event is set (at once if it is); throws `.timedOut`
    /// after `timeout` (nil: for ever; 0: only looks).
    public func wait(_ name: [UInt8], timeout: Int64?) throws(JobctlError) {
        let d = try open(name)
        let deadline = timeout.map { monotonicNow() + $0 }
        let inotify = try attempt("cannot watch event \(display(name))") { () throws(Errno) in
            let i = try Inotify()
            try i.watch(d, [.created, .movedTo])
            return i
        }
        if try attempt("cannot read event \(display(name))", { () throws(Errno) in try d.openIfPresent("set", .readOnly) != nil }) { return }
        while true {
            let left = deadline.map { max(0, $0 - monotonicNow()) }
            if pollReadable([inotify.fd.rawValue], timeoutNs: left)[0] { return }
            if let l = left, l <= 0 { throw .timedOut }
        }
    }
}
