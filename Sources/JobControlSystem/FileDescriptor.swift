import CJobControl
import Glibc

/// An open file descriptor with one owner, closed exactly once: by
/// `close()`, or when its owner lets go of it. `nil` (an Optional), never
/// -1, means "none".
public struct FileDescriptor: ~Copyable {
    public let rawValue: CInt
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// Closes the descriptor; never retried, since Linux frees the number even
    /// when close(2) reports EINTR.
    public consuming func close() {
        _ = Glibc.close(rawValue)
        discard self
    }
    /// Gives up ownership without closing: for a descriptor that crosses
    /// fork() or exec, where the new process owns it.
    public consuming func release() -> CInt {
        let fd = rawValue
        discard self
        return fd
    }
    deinit { _ = Glibc.close(rawValue) }

    // MARK: Opening

    /// open(2) of an absolute or relative path, close-on-exec.
    public static func open(_ path: [UInt8], _ flags: OpenFlags, mode: UInt32 = 0o600) throws(Errno) -> FileDescriptor {
        let fd = try path.withCString { p throws(Errno) in
            try valueOrErrno("open") { Glibc.open(p, flags.rawValue | O_CLOEXEC, mode_t(mode)) }
        }
        return FileDescriptor(rawValue: fd)
    }

    /// openat(2) of `name` in this directory, close-on-exec, never following
    /// a final symbolic link.
    public func open(_ name: [UInt8], _ flags: OpenFlags, mode: UInt32 = 0o600) throws(Errno) -> FileDescriptor {
        let fd = try name.withCString { n throws(Errno) in
            try valueOrErrno("openat") { openat(rawValue, n, flags.rawValue | O_CLOEXEC | O_NOFOLLOW, mode_t(mode)) }
        }
        return FileDescriptor(rawValue: fd)
    }
    public func open(_ name: String, _ flags: OpenFlags, mode: UInt32 = 0o600) throws(Errno) -> FileDescriptor {
        try open(Array(name.utf8), flags, mode: mode)
    }
    /// unlink(2) of a path.
    public static func remove(_ path: [UInt8]) throws(Errno) {
        try path.withCString { p throws(Errno) in try nothingOrErrno("unlink") { unlink(p) } }
    }

    /// `open`, with nil for a name that does not exist.
    public func openIfPresent(_ name: String, _ flags: OpenFlags) throws(Errno) -> FileDescriptor? {
        do throws(Errno) { return try open(name, flags) } catch where error == .noEntry { return nil }
    }

    // MARK: Reading and writing

    /// One read(2) (or pread(2) at `offset`) into `buffer`; 0 at EOF.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int? = nil) throws(Errno) -> Int {
        try valueOrErrno("read") {
            offset.map { pread(rawValue, buffer.baseAddress!, buffer.count, off_t($0)) }
                ?? Glibc.read(rawValue, buffer.baseAddress!, buffer.count)
        }
    }

    /// One read(2) of at most `count` bytes, as a new array; empty at EOF.
    public func read(upTo count: Int) throws(Errno) -> [UInt8] {
        try StandardStreams.read(rawValue, upTo: count)
    }

    /// Reads until EOF; `sizeHint` (the file's size, say) sizes the first
    /// read, so a whole file usually comes in one read(2) into memory that
    /// is neither zero-filled first nor copied afterwards.
    public func readAll(sizeHint: Int = 4096) throws(Errno) -> [UInt8] {
        var out = [UInt8]()
        var want = max(sizeHint + 1, 4096)
        while true {
            var failure: Errno?
            var n = 0
            let chunk = [UInt8](unsafeUninitializedCapacity: want) { buf, count in
                do throws(Errno) { n = try read(into: UnsafeMutableRawBufferPointer(buf)) } catch { failure = error }
                count = n
            }
            if let e = failure { throw e }
            if n == 0 { return out }
            if out.isEmpty { out = chunk } else { out += chunk }
            // A short read most likely means EOF: check with a small one.
            want = n < want ? 4096 : min(want * 2, 1 << 24)
        }
    }

    /// Reads up to `count` bytes at `offset`.
    public func read(at offset: Int, count: Int) throws(Errno) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = try out.withUnsafeMutableBytes { b in
                Result { () throws(Errno) in try read(into: UnsafeMutableRawBufferPointer(rebasing: b[got...]), at: offset + got) }
            }.get()
            if n == 0 { break }
            got += n
        }
        out.removeLast(count - got)
        return out
    }

    /// One write(2) (pwrite(2) at `offset`); returns how much was written.
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: Int? = nil) throws(Errno) -> Int {
        try valueOrErrno("write") {
            offset.map { pwrite(rawValue, bytes.baseAddress, bytes.count, off_t($0)) }
                ?? Glibc.write(rawValue, bytes.baseAddress, bytes.count)
        }
    }

    public func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: Int? = nil) throws(Errno) {
        var done = 0
        while done < bytes.count {
            done += try write(UnsafeRawBufferPointer(rebasing: bytes[done...]), at: offset.map { $0 + done })
        }
    }
    public func writeAll(_ bytes: [UInt8], at offset: Int? = nil) throws(Errno) {
        try bytes.withUnsafeBytes { b in Result { () throws(Errno) in try writeAll(b, at: offset) } }.get()
    }

    // MARK: The file

    public func status() throws(Errno) -> FileStatus {
        var st = stat()
        try nothingOrErrno("fstat") { fstat(rawValue, &st) }
        return FileStatus(st)
    }
    public func size() throws(Errno) -> Int { try status().size }

    public func truncate(to size: Int) throws(Errno) {
        try nothingOrErrno("ftruncate") { ftruncate(rawValue, off_t(size)) }
    }
    /// fsync(2): data and metadata (for a rename, the directory's).
    public func sync() throws(Errno) { try nothingOrErrno("fsync") { fsync(rawValue) } }
    /// fdatasync(2): the data, and the size it needs.
    public func syncData() throws(Errno) { try nothingOrErrno("fdatasync") { fdatasync(rawValue) } }

    /// Extends the file by `count` bytes from `offset`, allocated on disk
    /// (fallocate(2), or zeros where the file system cannot).
    public func allocate(at offset: Int, count: Int) throws(Errno) {
        try nothingOrErrno("fallocate") { jc_fallocate(rawValue, Int64(offset), Int64(count)) }
    }

    /// Clears or sets O_NONBLOCK.
    public func setBlocking(_ blocking: Bool) throws(Errno) {
        let flags = try valueOrErrno("fcntl") { fcntl(rawValue, F_GETFL) }
        try nothingOrErrno("fcntl") { fcntl(rawValue, F_SETFL, blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK) }
    }
    /// Clears O_APPEND: a file that splice(2) writes into at an offset
    /// must not have it.
    public func clearAppend() throws(Errno) {
        let flags = try valueOrErrno("fcntl") { fcntl(rawValue, F_GETFL) }
        try nothingOrErrno("fcntl") { fcntl(rawValue, F_SETFL, flags & ~O_APPEND) }
    }

    /// Moves up to `count` bytes from this pipe into `file` at `offset`,
    /// in the kernel (splice(2)), without waiting: the number moved, 0 at
    /// EOF, nil while the pipe is empty.
    public func splice(to file: borrowing FileDescriptor, at offset: Int, count: Int) throws(Errno) -> Int? {
        var off = Int64(offset)
        let n = jc_splice_to_file(rawValue, file.rawValue, &off, count)
        if n < 0 && (errno == EAGAIN || errno == EINTR) { return nil }
        return try valueOrErrno("splice") { n }
    }

    /// Copies `count` bytes at `from` of this file to `offset` of `to`, in
    /// the kernel (copy_file_range(2)), falling back to read and write
    /// where the file systems cannot.
    public func copy(from: Int, count: Int, to file: borrowing FileDescriptor, at offset: Int) throws(Errno) {
        var a = Int64(from), b = Int64(offset), left = count
        while left > 0 {
            let n = jc_copy_file_range(rawValue, &a, file.rawValue, &b, left)
            if n > 0 { left -= n; continue }
            if n == 0 { throw Errno(rawValue: EIO) }  // the source is shorter than asked
            if errno == EINTR { continue }
            guard [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP].contains(errno) else { throw Errno(rawValue: errno) }
            while left > 0 {
                let chunk = try read(at: Int(a), count: min(left, 65536))
                if chunk.isEmpty { throw Errno(rawValue: EIO) }
                try file.writeAll(chunk, at: Int(b))
                a += Int64(chunk.count); b += Int64(chunk.count); left -= chunk.count
            }
        }
    }

    public func setCloseOnExec() throws(Errno) {
        try nothingOrErrno("fcntl") { fcntl(rawValue, F_SETFD, FD_CLOEXEC) }
    }

    /// dup2(2) onto `target`, which this descriptor does not own.
    public func duplicate(onto target: CInt) throws(Errno) {
        try FileDescriptor.duplicate(rawValue, onto: target)
    }
    /// dup2(2) of a descriptor owned elsewhere (one handed over a fork).
    public static func duplicate(_ fd: CInt, onto target: CInt) throws(Errno) {
        try nothingOrErrno("dup2") { dup2(fd, target) }
    }

    // MARK: Locks

    public enum LockKind { case shared, exclusive }

    /// flock(2): waits for ever, or with `timeout` (nanoseconds; 0 only
    /// tries) throws `.wouldBlock` once it has passed.
    public func lock(_ kind: LockKind, timeout: Int64? = nil) throws(Errno) {
        let op = kind == .shared ? LOCK_SH : LOCK_EX
        switch timeout {
        case nil: try nothingOrErrno("flock") { flock(rawValue, op) }
        case 0?: try nothingOrErrno("flock") { flock(rawValue, op | LOCK_NB) }
        case let ns?: try nothingOrErrno("flock", retryOnInterrupt: false) { jc_flock_timeout(rawValue, op, ns) }
        }
    }
    /// Tries the lock without waiting: false if someone else holds it.
    public func tryLock(_ kind: LockKind) throws(Errno) -> Bool {
        do throws(Errno) { try lock(kind, timeout: 0); return true }
        catch where error == .wouldBlock { return false }
    }
    public func unlock() throws(Errno) { try nothingOrErrno("flock") { flock(rawValue, LOCK_UN) } }

    // MARK: Entries of this directory

    /// fstatat(2) of `name`, not following a final symlink (`follow` does).
    public func status(of name: [UInt8], follow: Bool = false) throws(Errno) -> FileStatus {
        var st = stat()
        try name.withCString { n throws(Errno) in
            try nothingOrErrno("fstatat") { fstatat(rawValue, n, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) }
        }
        return FileStatus(st)
    }
    public func status(of name: String, follow: Bool = false) throws(Errno) -> FileStatus {
        try status(of: Array(name.utf8), follow: follow)
    }

    public func makeDirectory(_ name: [UInt8], mode: UInt32 = 0o700) throws(Errno) {
        try name.withCString { n throws(Errno) in try nothingOrErrno("mkdirat") { mkdirat(rawValue, n, mode_t(mode)) } }
    }
    public func makeFIFO(_ name: String, mode: UInt32 = 0o600) throws(Errno) {
        try nothingOrErrno("mkfifoat") { mkfifoat(rawValue, name, mode_t(mode)) }
    }
    public func remove(_ name: String) throws(Errno) {
        try nothingOrErrno("unlinkat") { unlinkat(rawValue, name, 0) }
    }
    /// `remove`, for a clean-up whose failure changes nothing.
    public func removeIfPresent(_ name: String) { try? remove(name) }
    /// Removes an entry named by bytes (a file, or with `directory` an
    /// empty directory), ignoring failure: for clean-ups.
    public func removeIfPresent(_ name: [UInt8], directory: Bool = false) {
        _ = name.withCString { unlinkat(rawValue, $0, directory ? AT_REMOVEDIR : 0) }
    }

    /// renameat(2) within this directory; with `replacing` false, fails
    /// with EEXIST if `to` exists (RENAME_NOREPLACE).
    public func rename(_ from: String, to: String, replacing: Bool = true) throws(Errno) {
        if replacing {
            try nothingOrErrno("renameat") { renameat(rawValue, from, rawValue, to) }
        } else {
            try nothingOrErrno("renameat2") { jc_rename_noreplace(rawValue, from, to) }
        }
    }
    /// Swaps two names in this directory at once (RENAME_EXCHANGE): each
    /// then names the other's file.
    public func exchange(_ a: String, _ b: String) throws(Errno) {
        try nothingOrErrno("renameat2") { jc_rename_exchange(rawValue, a, b) }
    }
    public func readLink(_ name: [UInt8]) throws(Errno) -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: Int(PATH_MAX))
        let n = try name.withCString { p throws(Errno) in
            try buf.withUnsafeMutableBytes { b in
                Result { () throws(Errno) in try valueOrErrno("readlinkat") { readlinkat(rawValue, p, b.baseAddress!, b.count) } }
            }.get()
        }
        return Array(buf[0..<n])
    }

    /// The entries of directory `name` in this one (never through a
    /// symlink; "." for this one), without `.` and `..`: each name as bytes,
    /// with its inode.
    public func entries(of name: String = ".") throws(Errno) -> [(name: [UInt8], inode: UInt64)] {
        let d = try open(name, [.readOnly, .directory])
        guard let dir = fdopendir(d.rawValue) else { throw .current }
        _ = d.release()  // the DIR owns it now
        defer { closedir(dir) }
        var out: [(name: [UInt8], inode: UInt64)] = []
        while let e = readdir(dir) {
            let n = withUnsafeBytes(of: e.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if n != [46] && n != [46, 46] { out.append((n, UInt64(e.pointee.d_ino))) }
        }
        return out
    }
}

/// open(2) flags jobctl uses.
public struct OpenFlags: OptionSet, Sendable {
    public let rawValue: CInt
    public init(rawValue: CInt) { self.rawValue = rawValue }
    public static let readOnly = OpenFlags([])
    public static let writeOnly = OpenFlags(rawValue: O_WRONLY)
    public static let readWrite = OpenFlags(rawValue: O_RDWR)
    public static let create = OpenFlags(rawValue: O_CREAT)
    public static let exclusive = OpenFlags(rawValue: O_EXCL)
    public static let append = OpenFlags(rawValue: O_APPEND)
    public static let truncate = OpenFlags(rawValue: O_TRUNC)
    public static let nonBlocking = OpenFlags(rawValue: O_NONBLOCK)
    public static let directory = OpenFlags(rawValue: O_DIRECTORY)
}

/// What fstat(2) says of a file, as far as jobctl asks.
public struct FileStatus: Sendable {
    public enum Kind: Sendable { case regular, directory, symbolicLink, fifo, other }
    public var kind: Kind
    /// The permission bits, setuid/setgid/sticky included.
    public var permissions: UInt32
    public var owner: UInt32
    public var size: Int
    public var inode: UInt64
    public var device: UInt64

    init(_ st: stat) {
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        case S_IFIFO: kind = .fifo
        default: kind = .other
        }
        permissions = UInt32(st.st_mode & 0o7777)
        owner = st.st_uid
        size = Int(st.st_size)
        inode = UInt64(st.st_ino)
        device = UInt64(st.st_dev)
    }
    public var isSticky: Bool { permissions & UInt32(S_ISVTX) != 0 }
}

/// A pipe(2), close-on-exec at both ends.
@frozen public struct Pipe: ~Copyable {
    public var read: FileDescriptor
    public var write: FileDescriptor
    public init() throws(Errno) {
        var fds: [CInt] = [-1, -1]
        try nothingOrErrno("pipe2") { jc_pipe_cloexec(&fds) }
        read = FileDescriptor(rawValue: fds[0])
        write = FileDescriptor(rawValue: fds[1])
    }
}

/// Writes all of `bytes` to a descriptor this code does not own (stdout).
public func writeAll(fd: CInt, _ bytes: UnsafeRawBufferPointer) throws(Errno) {
    var done = 0
    while done < bytes.count {
        done += try valueOrErrno("write") { Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done) }
    }
}
public func writeAll(fd: CInt, _ bytes: [UInt8]) throws(Errno) {
    try bytes.withUnsafeBytes { b in Result { () throws(Errno) in try writeAll(fd: fd, b) } }.get()
}

/// Writes a string to a descriptor not owned here, ignoring errors: for
/// stderr and logs that may be gone.
public func writeString(_ fd: CInt, _ s: String) {
    try? writeAll(fd: fd, Array(s.utf8))
}
public func writeStderr(_ s: String) { writeString(2, s) }

/// Descriptors owned together, such as a pidfd per waited job (an Array
/// cannot hold a noncopyable `FileDescriptor`): each is closed once, when
/// taken out by `close(where:)` or when the list goes.
public struct Descriptors: ~Copyable {
    public private(set) var raw: [CInt] = []
    public init() {}
    public var isEmpty: Bool { raw.isEmpty }
    public mutating func append(_ fd: consuming FileDescriptor) { raw.append(fd.release()) }
    /// Closes the descriptors whose flag is set, keeping the others in order.
    public mutating func close(where flags: [Bool]) {
        var kept: [CInt] = []
        for (k, fd) in raw.enumerated() {
            if k < flags.count && flags[k] { _ = Glibc.close(fd) } else { kept.append(fd) }
        }
        raw = kept
    }
    /// `pollReadable` of `extra` and then these, which stay open for the
    /// call (a raw number taken out of an owner may be closed as soon as
    /// the owner is not used again).
    public func pollReadable(after extra: [CInt], timeoutNs: Int64?) -> [Bool] {
        JobControlSystem.pollReadable(extra + raw, timeoutNs: timeoutNs)
    }
    deinit { for fd in raw { _ = Glibc.close(fd) } }
}

extension Optional where Wrapped == FileDescriptor {
    /// The descriptor's number, if there is one, read by borrowing (where
    /// `fd?.rawValue` would have to consume a borrowed parameter).
    public var number: CInt? {
        switch self {
        case .some(let fd): return fd.rawValue
        case .none: return nil
        }
    }
}
