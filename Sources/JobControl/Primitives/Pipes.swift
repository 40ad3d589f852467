import JobControlSystem

/// A job's stdin fifo, as `spawn --stdin pipe` makes it: the job's read end
/// and the monitor's keep-alive write end.
public struct StdinPipe: ~Copyable {
    public var read: FileDescriptor
    public var keepalive: FileDescriptor
}

/// `spawn --stdin pipe` and `send`: the job's stdin is the fifo
/// `STATE/pipes/ID`. Its monitor holds a write end, so the job sees EOF only
/// after `send --eof` (or once the monitor ends); senders open the fifo
/// themselves, from any shell.
public struct Pipes {
    public let store: StateStore
    public static let dir = "pipes"
    public init(store: StateStore) { self.store = store }

    /// Creates the fifo and opens both ends (the read end blocking), both
    /// close-on-exec.
    public func create(_ id: JobID) throws(JobctlError) -> StdinPipe {
        _ = try store.subdirectory([Array(Pipes.dir.utf8)])
        let name = "\(Pipes.dir)/\(id)"
        store.dir.removeIfPresent(name)
        return try attempt("cannot create \(store.shown)/\(name)") { () throws(Errno) in
            try store.dir.makeFIFO(name)
            // Non-blocking so that opening the read end does not wait for a writer.
            let r = try store.dir.open(name, [.readOnly, .nonBlocking])
            try r.setBlocking(true)
            let w = try store.dir.open(name, [.writeOnly, .nonBlocking])
            return StdinPipe(read: r, keepalive: w)
        }
    }

    /// Refuses a job whose stdin cannot take data, saying why: it has no
    /// pipe, it has ended, or `send --eof` closed it (the monitor removes
    /// the fifo then).
    public func checkOpen(_ job: Job, alive: Bool) throws(JobctlError) {
        guard job.stdinPipe else {
            throw .failure("job \(job.id) has no stdin pipe (spawn it with --stdin pipe)")
        }
        guard job.exit == nil && alive else { throw .failure("job \(job.id) has ended") }
        do throws(Errno) { _ = try store.dir.status(of: "\(Pipes.dir)/\(job.id)") }
        catch where error == .noEntry { throw .failure("the stdin of job \(job.id) was closed by send --eof") }
        catch {}
    }

    /// Writes `data` to the job's stdin: one write(2), atomic up to PIPE_BUF
    /// bytes. Blocks while the pipe is full, up to `timeout` (then `.timedOut`).
    public func send(_ job: Job, _ data: [UInt8], timeout: Int64?) throws(JobctlError) {
        let notReading = JobctlError.failure("job \(job.id) is running but not reading its stdin (it closed it)")
        let ended = JobctlError.failure("job \(job.id) has ended")
        let alive = { LocalBackend(store: store).isAlive(job) }
        func open() throws(JobctlError) -> FileDescriptor {
            do throws(Errno) {
                return try store.dir.open("\(Pipes.dir)/\(job.id)", [.writeOnly, .nonBlocking])
            } catch {
                // ENXIO: nobody holds the read end; ENOENT: the fifo is gone.
                switch error {
                case .noDevice: throw alive() ? notReading : ended
                case .noEntry: throw alive() ? .failure("the stdin of job \(job.id) was closed by send --eof") : ended
                default: throw .system("cannot open the stdin of job \(job.id)", error)
                }
            }
        }
        let fd = try open()
        let deadline = timeout.map { monotonicNow() + $0 }
        var done = 0
        while done < data.count {
            do throws(Errno) {
                done += try data.withUnsafeBytes { b in
                    Result { () throws(Errno) in try fd.write(UnsafeRawBufferPointer(rebasing: b[done...])) }
                }.get()
                continue
            } catch where error == .brokenPipe {
                throw alive() ? notReading : ended
            } catch where error == .wouldBlock {
                // Full: wait until the job reads, or the deadline.
            } catch {
                throw .system("cannot write to job \(job.id)", error)
            }
            let left = deadline.map { $0 - monotonicNow() }
            if let l = left, l <= 0 { throw .timedOut }
            let revents = poll([(fd.rawValue, PollEvents.writable)], timeoutNs: left)[0]
            if revents & PollEvents.failed != 0 { throw alive() ? notReading : ended }
        }
    }
}
