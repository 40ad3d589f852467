import CJobControl
import Glibc

/// `jobctl serve`: the socket server of Python's documentation, a process
/// per connection. Each accepted connection becomes a daemon job owned by the
/// server, with the socket as its stdin and stdout, so that it shows in `ps`
/// and ends with the server, however the server ends.
public struct Server {
    public let store: StateStore
    public init(store: StateStore) { self.store = store }

    public struct Address {
        public var host: String
        public var port: UInt16
        public var v6: Bool
    }

    /// `127.0.0.1:8080`, `[::1]:8080`, `localhost:8080`, `:8080` (loopback);
    /// port 0 picks a free one. Only what the user names: no default public bind.
    public static func parse(_ text: String) throws(JobctlError) -> Address {
        let bad = JobctlError.usage("invalid address '\(text)' (expected ADDR:PORT, e.g. 127.0.0.1:8080, [::1]:8080, :0)")
        guard let colon = text.lastIndex(of: ":") else { throw bad }
        var host = String(text[..<colon])
        // Digits only: UInt16("+0") would take a sign no user means.
        let digits = text[text.index(after: colon)...]
        guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = UInt16(digits) else { throw bad }
        var v6 = false
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()); v6 = true }
        if host.isEmpty || host == "localhost" { host = v6 ? "::1" : "127.0.0.1" }
        if host.contains(":") { v6 = true }
        var probe = [UInt8](repeating: 0, count: 16)
        guard inet_pton(v6 ? AF_INET6 : AF_INET, host, &probe) == 1 else { throw bad }
        return Address(host: host, port: port, v6: v6)
    }

    /// Binds and listens; returns the socket and the port it got.
    public func listen(_ a: Address) throws(JobctlError) -> (fd: CInt, port: UInt16) {
        let shown = a.v6 ? "[\(a.host)]:\(a.port)" : "\(a.host):\(a.port)"
        let fd = socket(a.v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw .system("cannot create a socket", .current) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var r: Int32
        if a.v6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = a.port.bigEndian
            inet_pton(AF_INET6, a.host, &sa.sin6_addr)
            r = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = a.port.bigEndian
            inet_pton(AF_INET, a.host, &sa.sin_addr)
            r = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        if r != 0 || Glibc.listen(fd, 128) != 0 {
            let e = Errno.current
            close(fd)
            throw .system("cannot listen on \(shown)", e)
        }
        var ss = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &ss) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let port = withUnsafePointer(to: &ss) { p -> UInt16 in
            a.v6 ? p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
                 : p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        return (fd, port)
    }

    static func peer(_ ss: sockaddr_storage) -> (String, UInt16) {
        var s = ss
        var buf = [CChar](repeating: 0, count: 64)
        return withUnsafePointer(to: &s) { p -> (String, UInt16) in
            if Int32(ss.ss_family) == AF_INET6 {
                return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { q in
                    var addr = q.pointee.sin6_addr
                    inet_ntop(AF_INET6, &addr, &buf, 64)
                    return (String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), UInt16(bigEndian: q.pointee.sin6_port))
                }
            }
            return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { q in
                var addr = q.pointee.sin_addr
                inet_ntop(AF_INET, &addr, &buf, 64)
                return (String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), UInt16(bigEndian: q.pointee.sin_port))
            }
        }
    }

    /// Accepts for ever, a daemon job per connection, at most `max` at once
    /// (further clients wait in the listen backlog).
    public func run(listening fd: CInt, port: UInt16, name: [UInt8], max: Int?, command: [[UInt8]],
                    log: (String) -> Void) throws(JobctlError) -> Never {
        signal(SIGPIPE, SIG_IGN)
        let spawner = Spawner(store: store)
        var live: [(monitor: pid_t, pidfd: CInt)] = []
        while true {
            // Reap monitors that have ended (they are our children).
            var st: Int32 = 0
            while waitpid(-1, &st, WNOHANG) > 0 {}
            let full = max.map { live.count >= $0 } ?? false
            let fds = (full ? [] : [fd]) + live.map(\.pidfd)
            let ready = pollReadable(fds, timeoutNs: -1)
            let offset = full ? 0 : 1
            var still: [(monitor: pid_t, pidfd: CInt)] = []
            for (k, c) in live.enumerated() {
                if ready[k + offset] { close(c.pidfd); _ = waitpid(c.monitor, &st, WNOHANG) } else { still.append(c) }
            }
            live = still
            guard !full, ready[0] else { continue }
            var ss = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let conn = withUnsafeMutablePointer(to: &ss) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(fd, $0, &len) }
            }
            if conn < 0 { continue }
            _ = fcntl(conn, F_SETFD, FD_CLOEXEC)  // single-threaded: no race with an exec
            let (ip, rport) = Server.peer(ss)
            var req = SpawnRequest(command: command)
            req.name = name + Array(":\(ip):\(rport)".utf8)
            req.daemon = true
            req.owner = getpid()
            req.socketFD = conn
            req.environment = [Array("TCPREMOTEIP=\(ip)".utf8), Array("TCPREMOTEPORT=\(rport)".utf8),
                               Array("TCPLOCALPORT=\(port)".utf8)]
            do {
                let (_, monitor) = try spawner.spawnWithMonitor(req)
                let pfd = jc_pidfd_open(monitor)
                if pfd >= 0 { live.append((monitor, pfd)) }
            } catch {
                log("jobctl: \(error.message)\n")
            }
            close(conn)  // the job has it now: its end is the connection's end
        }
    }
}
