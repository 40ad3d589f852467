import JobControlSystem

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
        guard TCP.isAddress(host, v6: v6) else { throw bad }
        return Address(host: host, port: port, v6: v6)
    }

    /// Binds and listens; the socket and the port it got.
    public func listen(_ a: Address) throws(JobctlError) -> TCP.Listener {
        let shown = a.v6 ? "[\(a.host)]:\(a.port)" : "\(a.host):\(a.port)"
        return try attempt("cannot listen on \(shown)") { () throws(Errno) in try TCP.listen(host: a.host, port: a.port, v6: a.v6) }
    }

    /// Accepts for ever, a daemon job per connection, at most `max` at once
    /// (further clients wait in the listen backlog). Of the connection jobs
    /// that have ended, the newest `keep` stay in the history; older ones
    /// are removed (as by `rm`: record and log), so that a long-running
    /// server does not grow the state without end.
    public func serve(_ listener: consuming TCP.Listener, name: [UInt8], max: Int?, keep: Int, command: [[UInt8]],
                      log: (String) -> Void) throws(JobctlError) -> Never {
        SignalNumber.ignore(SignalNumber.pipe)
        let spawner = Spawner(store: store)
        // A pidfd per connection's monitor, in step with `monitors` and
        // `jobs`; the ended connection jobs kept, oldest first.
        var monitors: [Int32] = []
        var jobs: [JobID] = []
        var kept: [JobID] = []
        var pidfds = Descriptors()
        while true {
            // Reap monitors that have ended (they are our children).
            while Processes.reap() != nil {}
            let full = max.map { monitors.count >= $0 } ?? false
            let fds = (full ? [] : [listener.socket.rawValue]) + pidfds.raw
            let ready = pollReadable(fds, timeoutNs: nil)
            let offset = full ? 0 : 1
            let ended = Array(ready[offset...])
            monitors = zip(monitors, ended).filter { !$0.1 }.map(\.0)
            kept += zip(jobs, ended).filter { $0.1 }.map(\.0)
            jobs = zip(jobs, ended).filter { !$0.1 }.map(\.0)
            pidfds.close(where: ended)
            if kept.count > keep {
                let old = kept.prefix(kept.count - keep).compactMap { (try? store.job(id: $0)) ?? nil }
                kept.removeFirst(kept.count - keep)
                do throws(JobctlError) { try store.remove(old) } catch { log("jobctl: \(error.message)\n") }
            }
            guard !full, ready[0] else { continue }
            guard let conn = try? TCP.accept(listener.socket) else { continue }
            var req = SpawnRequest(command: command)
            req.name = name + Array(":\(conn.ip):\(conn.port)".utf8)
            req.daemon = true
            req.owner = Processes.current
            req.socketFD = conn.socket.rawValue
            req.environment = [Array("TCPREMOTEIP=\(conn.ip)".utf8), Array("TCPREMOTEPORT=\(conn.port)".utf8),
                               Array("TCPLOCALPORT=\(listener.port)".utf8)]
            // The job has the connection now: its end is the connection's
            // end, and ours is closed once the job has it.
            withExtendedLifetime(conn) {
                do throws(JobctlError) {
                    let (id, monitor) = try spawner.spawnWithMonitor(req)
                    if let pfd = try? Processes.pidfd(monitor) { monitors.append(monitor); jobs.append(id); pidfds.append(pfd) }
                } catch {
                    log("jobctl: \(error.message)\n")
                }
            }
        }
    }
}
