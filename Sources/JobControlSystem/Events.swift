import CJobControl
import Glibc

/// poll(2) for readability: which of `fds` are readable (or hung up), all
/// false on timeout. `timeoutNs` nil waits for ever. EINTR is retried.
public func pollReadable(_ fds: [CInt], timeoutNs: Int64?) -> [Bool] {
    poll(fds.map { ($0, Int16(POLLIN)) }, timeoutNs: timeoutNs).map { $0 != 0 }
}

/// poll(2) of (descriptor, events) pairs; returns each one's revents.
public func poll(_ items: [(fd: CInt, events: Int16)], timeoutNs: Int64?) -> [Int16] {
    var pfds = items.map { pollfd(fd: $0.fd, events: $0.events, revents: 0) }
    let ms: CInt = timeoutNs.map { CInt(min(max(0, ($0 + 999_999) / 1_000_000), Int64(Int32.max))) } ?? -1
    while true {
        let r = Glibc.poll(&pfds, nfds_t(pfds.count), ms)
        if r < 0 && errno == EINTR { continue }
        if r <= 0 { return items.map { _ in 0 } }
        return pfds.map(\.revents)
    }
}

public enum PollEvents {
    public static let readable = Int16(POLLIN)
    public static let writable = Int16(POLLOUT)
    /// The other end is gone (a pipe's reader, say).
    public static let failed = Int16(POLLERR | POLLHUP)
}

/// An inotify instance, non-blocking: its events only say "look again".
public struct Inotify: ~Copyable {
    public let fd: FileDescriptor
    public init() throws(Errno) {
        fd = FileDescriptor(rawValue: try valueOrErrno("inotify_init1") { inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK)) })
    }

    public struct Mask: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let modified = Mask(rawValue: UInt32(IN_MODIFY))
        public static let attributes = Mask(rawValue: UInt32(IN_ATTRIB))
        public static let deletedSelf = Mask(rawValue: UInt32(IN_DELETE_SELF))
        public static let created = Mask(rawValue: UInt32(IN_CREATE))
        public static let movedTo = Mask(rawValue: UInt32(IN_MOVED_TO))
        public static let deleted = Mask(rawValue: UInt32(IN_DELETE))
    }

    /// Watches what `target` is open on, by its /proc/self/fd link (which
    /// inotify follows to the very inode): no path is rebuilt, so a name
    /// that is not UTF-8, or a directory renamed since, is watched all the
    /// same. Returns the watch descriptor.
    @discardableResult
    public func watch(_ target: borrowing FileDescriptor, _ mask: Mask) throws(Errno) -> Int32 {
        let path = "/proc/self/fd/\(target.rawValue)"
        return try valueOrErrno("inotify_add_watch") { inotify_add_watch(fd.rawValue, path, mask.rawValue) }
    }
    public func unwatch(_ wd: Int32) { _ = inotify_rm_watch(fd.rawValue, wd) }

    /// Reads every pending event.
    public func drain() {
        var buf = [UInt8](repeating: 0, count: 4096)
        while buf.withUnsafeMutableBytes({ Glibc.read(fd.rawValue, $0.baseAddress!, $0.count) }) > 0 {}
    }
}

/// An epoll instance, for the one thing poll(2) cannot tell: which of
/// several descriptors became readable first (its ready list keeps the
/// order). It is itself readable while any of its descriptors is.
public struct Epoll: ~Copyable {
    public let fd: FileDescriptor
    public init() throws(Errno) {
        fd = FileDescriptor(rawValue: try valueOrErrno("epoll_create1") { jc_epoll_create() })
    }
    public func add(_ watched: CInt) throws(Errno) {
        try nothingOrErrno("epoll_ctl") { jc_epoll_add(fd.rawValue, watched) }
    }
    /// The readable descriptors, oldest first, without waiting.
    public func ready() -> [CInt] {
        var fds = [CInt](repeating: -1, count: 16)
        let n = jc_epoll_ready(fd.rawValue, &fds, 16)
        return n > 0 ? Array(fds[0..<Int(n)]) : []
    }
}

/// A monotonic timerfd, non-blocking.
public struct TimerFD: ~Copyable {
    public let fd: FileDescriptor
    public init() throws(Errno) {
        fd = FileDescriptor(rawValue: try valueOrErrno("timerfd_create") { jc_timerfd_create() })
    }
    /// Fires once after `ns` nanoseconds; 0 disarms.
    public func arm(_ ns: Int64) { _ = jc_timerfd_arm(fd.rawValue, ns) }
    /// Takes the expiry that made it readable.
    public func drain() {
        var v: UInt64 = 0
        _ = Glibc.read(fd.rawValue, &v, 8)
    }
}
