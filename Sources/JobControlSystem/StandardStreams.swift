import Glibc

/// Descriptors 0–2, which the process does not own: the caller's.
public enum StandardStreams {
    /// Opens /dev/null on each of 0–2 that is closed, the wrong way round
    /// (stdin write-only, stdout and stderr read-only): the numbers are
    /// taken, so nothing jobctl opens lands on them, and a write to a
    /// closed stdout still fails (EBADF) as it would have.
    public static func fillClosed() {
        for fd: CInt in 0...2 where fcntl(fd, F_GETFD) < 0 && errno == EBADF {
            _ = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY)
        }
    }

    /// One read(2) from `fd`; 0 at EOF.
    public static func read(_ fd: CInt, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try valueOrErrno("read") { Glibc.read(fd, buffer.baseAddress!, buffer.count) }
    }

    /// One read(2) from `fd` of at most `count` bytes, as a new array;
    /// empty at EOF.
    public static func read(_ fd: CInt, upTo count: Int) throws(Errno) -> [UInt8] {
        var failure: Errno?
        let out = [UInt8](unsafeUninitializedCapacity: count) { b, n in
            do throws(Errno) { n = try read(fd, into: UnsafeMutableRawBufferPointer(b)) } catch { failure = error; n = 0 }
        }
        if let e = failure { throw e }
        return out
    }

    /// Everything up to EOF.
    public static func readAll(_ fd: CInt) throws(Errno) -> [UInt8] {
        var out: [UInt8] = []
        while true {
            let chunk = try read(fd, upTo: 65536)
            if chunk.isEmpty { return out }
            out += chunk
        }
    }

    /// A zero-length write: it tells a closed or read-only descriptor
    /// (EBADF) from a usable one without writing anything.
    public static func checkWritable(_ fd: CInt) throws(Errno) {
        try nothingOrErrno("write") { Glibc.write(fd, "", 0) }
    }

    /// The width of the terminal on `fd`, or nil if it is not one.
    /// Is `fd` a terminal?
    public static func isTerminal(_ fd: CInt) -> Bool { isatty(fd) == 1 }

    public static func terminalColumns(_ fd: CInt) -> Int? {
        var ws = winsize()
        guard isatty(fd) != 0, ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 else { return nil }
        return Int(ws.ws_col)
    }
}

extension Processes {
    /// exit(3): what was written is flushed first.
    public static func exit(_ code: Int32) -> Never { Glibc.exit(code) }
}
