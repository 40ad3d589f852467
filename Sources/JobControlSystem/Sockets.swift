import Glibc

/// TCP over IPv4 or IPv6, as `serve` needs it: a listening socket, and the
/// connections it accepts with their peers.
public enum TCP {
    public struct Listener: ~Copyable {
        public var socket: FileDescriptor
        /// The port it got (the one asked for, or the free one port 0 found).
        public var port: UInt16
    }
    public struct Connection: ~Copyable {
        public var socket: FileDescriptor
        public var ip: String
        public var port: UInt16
    }

    /// Is `host` a numeric address of that family?
    public static func isAddress(_ host: String, v6: Bool) -> Bool {
        var probe = [UInt8](repeating: 0, count: 16)
        return inet_pton(v6 ? AF_INET6 : AF_INET, host, &probe) == 1
    }

    /// Binds `host:port` (port 0: a free one) and listens; returns the socket
    /// and the port it got.
    public static func listen(host: String, port: UInt16, v6: Bool) throws(Errno) -> Listener {
        let fd = FileDescriptor(rawValue: try valueOrErrno("socket") {
            socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        })
        var one: Int32 = 1
        _ = setsockopt(fd.rawValue, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if v6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = port.bigEndian
            inet_pton(AF_INET6, host, &sa.sin6_addr)
            try bind(fd, &sa)
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = port.bigEndian
            inet_pton(AF_INET, host, &sa.sin_addr)
            try bind(fd, &sa)
        }
        try nothingOrErrno("listen") { Glibc.listen(fd.rawValue, 128) }
        var ss = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &ss) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd.rawValue, $0, &len) } }
        return Listener(socket: fd, port: peer(ss).port)
    }

    /// bind(2) to a sockaddr_in or sockaddr_in6.
    static func bind<Address>(_ fd: borrowing FileDescriptor, _ sa: inout Address) throws(Errno) {
        try withUnsafePointer(to: &sa) { p throws(Errno) in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { s throws(Errno) in
                try nothingOrErrno("bind") { Glibc.bind(fd.rawValue, s, socklen_t(MemoryLayout<Address>.size)) }
            }
        }
    }

    /// Accepts a connection (close-on-exec) and says who is at the other end.
    public static func accept(_ listener: borrowing FileDescriptor) throws(Errno) -> Connection {
        var ss = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let conn = try valueOrErrno("accept4") {
            withUnsafeMutablePointer(to: &ss) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listener.rawValue, $0, &len) }
            }
        }
        let socket = FileDescriptor(rawValue: conn)
        try socket.setCloseOnExec()  // single-threaded: no exec can come between
        let (ip, port) = peer(ss)
        return Connection(socket: socket, ip: ip, port: port)
    }

    static func peer(_ ss: sockaddr_storage) -> (ip: String, port: UInt16) {
        var s = ss
        var buf = [CChar](repeating: 0, count: 64)
        func text() -> String { String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return withUnsafePointer(to: &s) { p -> (String, UInt16) in
            if Int32(ss.ss_family) == AF_INET6 {
                return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { q in
                    var addr = q.pointee.sin6_addr
                    inet_ntop(AF_INET6, &addr, &buf, 64)
                    return (text(), UInt16(bigEndian: q.pointee.sin6_port))
                }
            }
            return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { q in
                var addr = q.pointee.sin_addr
                inet_ntop(AF_INET, &addr, &buf, 64)
                return (text(), UInt16(bigEndian: q.pointee.sin_port))
            }
        }
    }
}
