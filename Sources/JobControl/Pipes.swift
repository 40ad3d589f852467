import CJobControl
import Glibc

/// `spawn --stdin pipe` and `send`: the job's stdin is the fifo
/// `STATE/pipes/ID`. Its monitor holds a write end, so the job sees EOF only
/// after `send --eof` (or once the monitor ends); senders open the fifo
/// themselves, from any shell.
public struct Pipes {
    public let store: StateStore
    public static let dir = "pipes"
    public init(store: StateStore) { self.store = store }

    /// Creates the fifo and returns the job's read end (blocking) and the
    /// monitor's keep-alive write end, both close-on-exec.
    public func create(_ id: JobID) throws(JobctlError) -> (read: CInt, keepalive: CInt) {
        close(try store.subdirectory([Array(Pipes.dir.utf8)]))
        let name = "\(Pipes.dir)/\(id)"
        _ = unlinkat(store.dirFD, name, 0)
        if mkfifoat(store.dirFD, name, 0o600) != 0 { throw .system("cannot create \(store.shown)/\(name)", .current) }
        // Non-blocking so that opening the read end does not wait for a writer.
        let r = openat(store.dirFD, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        if r < 0 { throw .system("cannot open \(store.shown)/\(name)", .current) }
        _ = fcntl(r, F_SETFL, fcntl(r, F_GETFL) & ~O_NONBLOCK)
        let w = openat(store.dirFD, name, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        if w < 0 { close(r); throw .system("cannot open \(store.shown)/\(name)", .current) }
        return (r, w)
    }

    /// Refuses a job whose stdin cannot take data, saying why: it has no
    /// pipe, it has ended, or `send --eof` closed it (the monitor removes
    /// the fifo then).
    public func checkOpen(_ job: Job, alive: Bool) throws(JobctlError) {
        guard job.stdinPipe else {
            throw .failure("job \(job.id) has no stdin pipe (spawn it with --stdin pipe)")
        }
        guard job.exit == nil && alive else { throw .failure("job \(job.id) has ended") }
        var st = stat()
        if fstatat(store.dirFD, "\(Pipes.dir)/\(job.id)", &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT {
            throw .failure("the stdin of job \(job.id) was closed by send --eof")
        }
    }

    /// Writes `data` to the job's stdin: one write(2), atomic up to PIPE_BUF
    /// bytes. Blocks while the pipe is full, up to `timeout` (then `.timedOut`).
    public func send(_ job: Job, _ data: [UInt8], timeout: Int64?) throws(JobctlError) {
        let notReading = JobctlError.failure("job \(job.id) is running but not reading its stdin (it closed it)")
        let fd = openat(store.dirFD, "\(Pipes.dir)/\(job.id)", O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 {
            // ENXIO: nobody holds the read end; ENOENT: the fifo is gone.
            let e = errno
            let alive = JobControl(store: store).isAlive(job)
            if e == ENXIO && alive { throw notReading }
            if e == ENOENT && alive { throw .failure("the stdin of job \(job.id) was closed by send --eof") }
            if e == ENXIO || e == ENOENT { throw .failure("job \(job.id) has ended") }
            throw .system("cannot open the stdin of job \(job.id)", Errno(rawValue: e))
        }
        defer { close(fd) }
        let deadline = timeout.map { monotonicNow() + $0 }
        var done = 0
        while done < data.count {
            let n = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, data.count - done) }
            if n > 0 { done += n; continue }
            if n < 0 && errno == EPIPE {
                throw JobControl(store: store).isAlive(job) ? notReading : .failure("job \(job.id) has ended")
            }
            if n < 0 && errno != EAGAIN && errno != EINTR { throw .system("cannot write to job \(job.id)", .current) }
            // Full: wait until the job reads, or the deadline.
            let left = deadline.map { $0 - monotonicNow() }
            if let l = left, l <= 0 { throw .timedOut }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&p, 1, left.map { CInt(min(($0 + 999_999) / 1_000_000, 1 << 30)) } ?? -1)
            if p.revents & Int16(POLLERR) != 0 {
                throw JobControl(store: store).isAlive(job) ? notReading : .failure("job \(job.id) has ended")
            }
        }
    }
}
