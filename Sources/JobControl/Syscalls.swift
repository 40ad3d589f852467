import CJobControl
import Glibc

/// Runs `call` again while it fails with EINTR; any other failure throws.
@inline(__always)
func retryingEINTR<T: FixedWidthInteger>(_ call: () -> T) throws(Errno) -> T {
    while true {
        let r = call()
        if r != -1 { return r }
        let e = errno  // read errno before any other call can change it
        if e != EINTR { throw Errno(rawValue: e) }
    }
}

/// An open file descriptor with one owner, closed exactly once.
public struct FileDescriptor: ~Copyable {
    public let rawValue: CInt
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// Closes the descriptor; never retried, since Linux frees the number even
    /// when close(2) reports EINTR.
    public consuming func close() {
        _ = Glibc.close(rawValue)
        discard self
    }
    /// Gives up ownership without closing.
    public consuming func release() -> CInt {
        let fd = rawValue
        discard self
        return fd
    }
    deinit { _ = Glibc.close(rawValue) }

    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(Errno) {
        let e = rawWriteAll(rawValue, bytes)
        if e != 0 { throw Errno(rawValue: e) }
    }
    public func writeAll(_ bytes: [UInt8]) throws(Errno) {
        let e = bytes.withUnsafeBytes { rawWriteAll(rawValue, $0) }
        if e != 0 { throw Errno(rawValue: e) }
    }

    /// Reads until EOF; `sizeHint` (the file's size, say) sizes the first
    /// read, so a whole file usually comes in one read(2) into memory that
    /// is neither zero-filled first nor copied afterwards.
    public func readAll(sizeHint: Int = 4096) throws(Errno) -> [UInt8] {
        var out = [UInt8]()
        var want = max(sizeHint + 1, 4096)
        while true {
            var n = 0
            let chunk = [UInt8](unsafeUninitializedCapacity: want) { buf, count in
                n = rawRead(rawValue, buf.baseAddress!, want, at: nil)
                count = max(n, 0)
            }
            if n < 0 { throw Errno(rawValue: Int32(-n)) }
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
            let n = out.withUnsafeMutableBytes { b in rawRead(rawValue, b.baseAddress! + got, count - got, at: offset + got) }
            if n < 0 { throw Errno(rawValue: Int32(-n)) }
            if n == 0 { break }
            got += n
        }
        out.removeLast(count - got)
        return out
    }

    public func size() throws(Errno) -> Int {
        var st = stat()
        _ = try retryingEINTR { fstat(rawValue, &st) }
        return Int(st.st_size)
    }
}

/// Writes all of `bytes`; returns 0 or the errno that stopped it.
func rawWriteAll(_ fd: CInt, _ b: UnsafeRawBufferPointer) -> Int32 {
    var done = 0
    while done < b.count {
        let n = Glibc.write(fd, b.baseAddress! + done, b.count - done)
        if n < 0 {
            if errno == EINTR { continue }
            return errno
        }
        done += n
    }
    return 0
}

/// One read(2) or pread(2), retried on EINTR; -errno on failure.
func rawRead(_ fd: CInt, _ p: UnsafeMutableRawPointer, _ n: Int, at offset: Int?) -> Int {
    while true {
        let r = offset.map { pread(fd, p, n, off_t($0)) } ?? Glibc.read(fd, p, n)
        if r >= 0 { return r }
        if errno != EINTR { return -Int(errno) }
    }
}

/// Writes all of `bytes` to a descriptor this code does not own.
public func writeAll(fd: CInt, _ bytes: [UInt8]) throws(Errno) {
    let e = bytes.withUnsafeBytes { rawWriteAll(fd, $0) }
    if e != 0 { throw Errno(rawValue: e) }
}

/// Writes a string to a raw descriptor, ignoring errors (for stderr and pipes
/// that may be gone).
public func writeString(_ fd: CInt, _ s: String) {
    var s = s
    s.withUTF8 { b in
        var done = 0
        while done < b.count {
            let n = Glibc.write(fd, b.baseAddress! + done, b.count - done)
            if n < 0 { if errno == EINTR { continue }; return }
            done += n
        }
    }
}

public func writeStderr(_ s: String) { writeString(2, s) }

/// open(2) relative to a directory, never following a final symlink.
func openAt(_ dir: CInt, _ name: String, _ flags: CInt, _ mode: mode_t = 0o600) throws(Errno) -> FileDescriptor {
    let fd = try retryingEINTR { openat(dir, name, flags | O_CLOEXEC | O_NOFOLLOW, mode) }
    return FileDescriptor(rawValue: fd)
}

/// A close-on-exec pipe, as raw descriptors: the two ends go separate ways
/// across fork().
/// `openAt`, with a failure described as `what: <strerror>`.
func openAt(_ dir: CInt, _ name: String, _ flags: CInt, _ mode: mode_t = 0o600, or what: @autoclosure () -> String) throws(JobctlError) -> FileDescriptor {
    let fd = openat(dir, name, flags | O_CLOEXEC | O_NOFOLLOW, mode)
    if fd < 0 { throw .system(what(), .current) }
    return FileDescriptor(rawValue: fd)
}

func pipeCloexec() throws(Errno) -> (read: CInt, write: CInt) {
    var fds: [CInt] = [-1, -1]
    _ = try retryingEINTR { jc_pipe_cloexec(&fds) }
    return (fds[0], fds[1])
}

/// Waits for `fds` to become readable; returns which ones are, or [] on timeout.
/// `timeoutNs` < 0 waits for ever.
func pollReadable(_ fds: [CInt], timeoutNs: Int64) -> [Bool] {
    var pfds = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    let ms: CInt = timeoutNs < 0 ? -1 : CInt(min((timeoutNs + 999_999) / 1_000_000, Int64(Int32.max)))
    while true {
        let r = poll(&pfds, nfds_t(pfds.count), ms)
        if r < 0 && errno == EINTR { continue }
        if r <= 0 { return fds.map { _ in false } }
        return pfds.map { $0.revents != 0 }
    }
}

/// Watches what descriptor `fd` is open on, by its /proc/self/fd link (which
/// inotify follows to the very inode): no path is rebuilt, so a name that
/// is not UTF-8, or a directory renamed since, is watched all the same.
func addWatch(_ inotify: CInt, on fd: CInt, _ mask: UInt32) throws(Errno) -> Int32 {
    let wd = inotify_add_watch(inotify, "/proc/self/fd/\(fd)", mask)
    if wd < 0 { throw .current }
    return wd
}

/// Reads every pending inotify event (the descriptor is non-blocking): the
/// events only say "look again".
func drainInotify(_ fd: CInt) {
    var buf = [UInt8](repeating: 0, count: 4096)
    while buf.withUnsafeMutableBytes({ Glibc.read(fd, $0.baseAddress!, $0.count) }) > 0 {}
}

/// The entries of directory `name` below `dir` (never through a symlink),
/// without `.` and `..`: each name as bytes, with its inode. Empty if the
/// directory cannot be opened.
func directoryEntries(_ dir: CInt, _ name: String) -> [(name: [UInt8], inode: UInt64)] {
    let fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0, let d = fdopendir(fd) else {
        if fd >= 0 { close(fd) }
        return []
    }
    defer { closedir(d) }
    var out: [(name: [UInt8], inode: UInt64)] = []
    while let e = readdir(d) {
        let n = withUnsafeBytes(of: e.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
        if n != [46] && n != [46, 46] { out.append((n, UInt64(e.pointee.d_ino))) }
    }
    return out
}

/// Nanoseconds on CLOCK_MONOTONIC.
public func monotonicNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// Microseconds since the epoch, CLOCK_REALTIME.
public func wallClockMicros() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}

/// Converts a Swift string array into a NULL-terminated C array that lives
/// until `body` returns.
func withCStringArray<R>(_ strings: [[UInt8]], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var ptrs: [UnsafeMutablePointer<CChar>?] = strings.map { s in
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: s.count + 1)
        s.withUnsafeBufferPointer { b in
            for i in 0..<s.count { p[i] = CChar(bitPattern: b[i]) }
        }
        p[s.count] = 0
        return p
    }
    ptrs.append(nil)
    defer { for p in ptrs { p?.deallocate() } }
    return ptrs.withUnsafeBufferPointer { body($0.baseAddress!) }
}

extension Array where Element == UInt8 {
    /// The bytes as a NUL-terminated C string while `body` runs: paths and
    /// names reach the system exactly, whether or not they are UTF-8.
    func withCString<R>(_ body: (UnsafePointer<CChar>) -> R) -> R {
        var z = self
        z.append(0)
        return z.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}

/// The bytes of a C string.
func bytes(_ p: UnsafePointer<CChar>) -> [UInt8] {
    let n = strlen(p)
    return p.withMemoryRebound(to: UInt8.self, capacity: n) { Array(UnsafeBufferPointer(start: $0, count: n)) }
}

/// Bytes as they are shown in a message: escaped (see `escaped`), so that
/// any name or path is one line, and nothing in it reaches the terminal as
/// a control.
public func display(_ b: [UInt8]) -> String { escaped(b) }
