import JobControlSystem

/// The monitor's side of a job's log: the job's stdout and stderr are pipes,
/// and the monitor moves what arrives into `logs/ID.log` (splice(2): the
/// bytes never pass through its memory), noting in `logs/ID.idx` which
/// stream each piece came from and when (`LogIndex`), and with `--log-max`
/// keeping the log under twice the cap by dropping its oldest whole lines.
///
/// Why a copier at all: only a reader of the two streams can tell them apart
/// and say when each line came. Why the job never waits on it: the pipes are
/// drained whenever they are readable, the copy is in the kernel, and a
/// capped log is cut by copying its newest part, never by waiting.
final class LogCopier {
    let store: StateStore
    let id: JobID
    var log: FileDescriptor
    /// /dev/null until `start` makes the index (so an index that cannot be
    /// made costs the job nothing but its timestamps).
    var index: FileDescriptor
    var indexed = false
    /// The pipes still open, with the stream each is.
    var sources: [(fd: CInt, stream: LogStream)]
    let cap: Int?

    /// The log's size on disk, and where the job's bytes start in it.
    var size = 0
    var headerLength = 0
    /// Bytes written since the job started, and how many were dropped.
    var logical: Int64 = 0
    var dropped: Int64 = 0
    var indexSize = 0
    /// The newest entry, extended in place while the same stream writes
    /// within the same millisecond (a chatty job's index stays small).
    var last: (chunk: LogChunk, at: Int)?
    /// false once splice(2) is refused here (a file system without it).
    var splices = true
    /// The pipes, for the order they became readable in: copied in that
    /// order, a job's `echo error >&2; echo done` stays in that order in
    /// the log even when the monitor wakes after both writes.
    var epoll: Epoll?

    init(store: StateStore, id: JobID, log: consuming FileDescriptor, sources: [(fd: CInt, stream: LogStream)], cap: Int?) {
        self.store = store
        self.id = id
        self.log = log
        self.sources = sources
        self.cap = cap
        index = (try? FileDescriptor.open(Array("/dev/null".utf8), .writeOnly)) ?? FileDescriptor(rawValue: -1)
        try? self.log.clearAppend()
        size = (try? self.log.size()) ?? 0
        logical = Int64(size)
        watchSources()
    }

    private func watchSources() {
        epoll = nil
        guard let e = try? Epoll() else { return }
        for s in sources { try? e.add(s.fd) }
        epoll = consume e
    }

    /// What the monitor polls for the job's output: the epoll instance,
    /// or the pipes themselves if it could not be made.
    var pollFDs: [CInt] {
        if sources.isEmpty { return [] }
        if let e = epoll?.fd.rawValue { return [e] }
        return sources.map(\.fd)
    }

    /// Copies what has arrived, in the order it arrived (`pollFDs` was
    /// readable).
    func copyReady() {
        guard let order = epoll?.ready() else {
            return copy(ready: ArraySlice(pollReadable(sources.map(\.fd), timeoutNs: 0)))
        }
        copy(order: order)
    }

    private func copy(order: [CInt]) {
        for fd in order {
            guard let k = sources.firstIndex(where: { $0.fd == fd }) else { continue }
            if copy(sources[k], limit: 16) { FileDescriptor(rawValue: fd).close(); sources.remove(at: k) }
        }
    }

    deinit { for s in sources { FileDescriptor(rawValue: s.fd).close() } }

    /// Creates the index: off spawn's path, once the monitor runs.
    func start() {
        // A capped log is read back when it is cut: spawn made it write-only.
        if cap != nil, let l = try? store.dir.open(LogIndex.logName(id), .readWrite) { log = consume l }
        guard let i = try? store.dir.open(LogIndex.indexName(id), [.readWrite, .create, .truncate]) else { return }
        index = consume i
        indexed = true
        indexSize = 0
    }

    /// Copies from these pipes instead (the hook's), closing the job's.
    func replaceSources(_ new: [(fd: CInt, stream: LogStream)]) {
        for s in sources { FileDescriptor(rawValue: s.fd).close() }
        sources = new
        watchSources()
    }

    var descriptors: [CInt] { [log.rawValue, index.rawValue, epoll?.fd.rawValue].compactMap { $0 } + sources.map(\.fd) }

    /// Copies what the ready pipes hold (`ready[k]` for `sources[k]`), a
    /// bounded amount each, so that the monitor's other work is not starved
    /// by a job that writes without pause. A pipe at EOF is closed.
    func copy(ready: ArraySlice<Bool>) {
        var closed: [Int] = []
        for (k, r) in zip(sources.indices, ready) where r {
            if copy(sources[k], limit: 16) { closed.append(k) }
        }
        for k in closed.reversed() { FileDescriptor(rawValue: sources[k].fd).close(); sources.remove(at: k) }
    }

    /// Everything the pipes hold now: before the job's end is recorded, so
    /// that `wait` then `logs` shows all the job wrote.
    func drain() {
        if let order = epoll?.ready() { copy(order: order) }
        copy(ready: ArraySlice(repeating: true, count: sources.count))
        for s in sources { _ = copy(s, limit: Int.max) }
    }

    /// Moves what `source` holds into the log, at most `limit` times a
    /// megabyte; true at EOF.
    private func copy(_ source: (fd: CInt, stream: LogStream), limit: Int) -> Bool {
        var rounds = 0
        while rounds < limit {
            rounds += 1
            var room = 1 << 20
            if let c = cap {
                if size + 4096 > 2 * c { cut(c) }
                room = max(4096, min(room, 2 * c - size))
            }
            let moved: Int?
            do throws(Errno) { moved = try move(source.fd, room) } catch {
                // The log cannot take it (a full disk): what the job writes
                // is dropped rather than left to fill the pipe and stop it.
                guard let d = try? StandardStreams.read(source.fd, upTo: 65536) else { return false }
                if d.isEmpty { return true }
                continue
            }
            guard let n = moved else { return false }
            if n == 0 { return true }
            size += n
            logical += Int64(n)
            note(source.stream)
        }
        return false
    }

    private func move(_ fd: CInt, _ count: Int) throws(Errno) -> Int? {
        let pipe = FileDescriptor(rawValue: fd)
        let moved = Result { () throws(Errno) in try move(pipe, count) }
        _ = pipe.release()
        return try moved.get()
    }

    private func move(_ pipe: borrowing FileDescriptor, _ count: Int) throws(Errno) -> Int? {
        if splices {
            do throws(Errno) { return try pipe.splice(to: log, at: size, count: count) } catch where error == .invalidArgument {
                splices = false
            }
        }
        let chunk: [UInt8]
        do throws(Errno) { chunk = try pipe.read(upTo: min(count, 65536)) } catch where error == .wouldBlock { return nil }
        try log.writeAll(chunk, at: size)
        return chunk.count
    }

    /// Notes that the log now ends at `logical`, the newest piece from `stream`.
    private func note(_ stream: LogStream) {
        guard indexed else { return }
        let now = max(1, wallClockMicros())
        var c = LogChunk(end: logical, micros: now, stream: stream)
        var at = indexSize
        if let l = last, l.chunk.stream == stream, l.chunk.micros / 1000 == now / 1000 {
            c.micros = l.chunk.micros
            at = l.at
        }
        guard (try? index.writeAll(c.encoded, at: at)) != nil else { return }
        if at == indexSize { indexSize += LogChunk.size }
        last = (c, at)
    }

    /// `--log-max`: the log grew to about twice `cap`; it becomes a line
    /// saying how much was dropped and the newest whole lines, under `cap`
    /// in all. A new file renamed into place, so a reader that has the old
    /// one open reads it whole; the index follows the same way. If that
    /// cannot be done (a full disk), the log goes on growing.
    private func cut(_ cap: Int) {
        let keepFrom = size - (cap - 64)
        guard keepFrom > headerLength, let start = lineStart(from: keepFrom) else { return }
        let newDropped = dropped + Int64(start - headerLength)
        let header = LogIndex.header(dropped: newDropped)
        let tmp = "\(StateStore.logsDir)/.\(id).log.new"
        store.dir.removeIfPresent(tmp)
        guard let fresh = try? store.dir.open(tmp, [.readWrite, .create, .exclusive]),
              (try? fresh.writeAll(header, at: 0)) != nil,
              (try? log.copy(from: start, count: size - start, to: fresh, at: header.count)) != nil,
              (try? store.dir.rename(tmp, to: LogIndex.logName(id))) != nil else {
            store.dir.removeIfPresent(tmp)
            return
        }
        size = header.count + (size - start)
        headerLength = header.count
        dropped = newDropped
        log = consume fresh
        cutIndex()
    }

    /// Where the first whole line at or after `offset` starts; `offset`
    /// itself when none does (one line longer than the cap is cut).
    private func lineStart(from offset: Int) -> Int? {
        var at = offset
        while at < size {
            guard let piece = try? log.read(at: at, count: min(4096, size - at)), !piece.isEmpty else { return nil }
            if let nl = piece.firstIndex(of: UInt8(ascii: "\n")) { return at + nl + 1 < size ? at + nl + 1 : offset }
            at += piece.count
        }
        return offset
    }

    /// The index without the entries for what was dropped, behind a base.
    private func cutIndex() {
        last = nil
        guard indexed else { return }
        // Entries are in order of their ends: the first still needed is
        // found by bisection, not by reading the whole index.
        var lo = 0, hi = indexSize / LogChunk.size
        while lo < hi {
            let mid = (lo + hi) / 2
            guard let b = try? index.read(at: mid * LogChunk.size, count: LogChunk.size), b.count == LogChunk.size else { return }
            if LogChunk(b, at: 0).end <= dropped { lo = mid + 1 } else { hi = mid }
        }
        let tmp = "\(StateStore.logsDir)/.\(id).idx.new"
        store.dir.removeIfPresent(tmp)
        let from = lo * LogChunk.size
        guard let fresh = try? store.dir.open(tmp, [.readWrite, .create, .exclusive]),
              (try? fresh.writeAll(LogChunk.base(dropped: dropped).encoded, at: 0)) != nil,
              (try? index.copy(from: from, count: indexSize - from, to: fresh, at: LogChunk.size)) != nil,
              (try? store.dir.rename(tmp, to: LogIndex.indexName(id))) != nil else {
            store.dir.removeIfPresent(tmp)
            return
        }
        indexSize = LogChunk.size + (indexSize - from)
        index = consume fresh
    }

    /// Copies as the pipes fill until `fd` is readable (true) or
    /// `timeoutNs` has passed (false); with no `fd`, until the pipes' EOF.
    func pump(until fd: CInt?, timeoutNs: Int64?) -> Bool {
        let deadline = timeoutNs.map { monotonicNow() + $0 }
        while true {
            if fd == nil && sources.isEmpty { return false }
            let watched = (fd.map { [$0] } ?? []) + pollFDs
            let left = deadline.map { $0 - monotonicNow() }
            if let l = left, l <= 0 { return false }
            let ready = pollReadable(watched, timeoutNs: left)
            if fd != nil && ready[0] { return true }
            if ready.dropFirst(fd == nil ? 0 : 1).contains(true) { copyReady() }
        }
    }

    /// After a fork, in the process that takes the copying over (the
    /// standby, once the monitor is gone; the hook's process): the files
    /// as they are now on disk, whatever the monitor did since the fork.
    func reopen() {
        guard let l = try? store.dir.open(LogIndex.logName(id), .readWrite) else { return }
        log = consume l
        size = (try? log.size()) ?? 0
        last = nil
        dropped = 0
        headerLength = 0
        logical = Int64(size)
        guard let i = try? store.dir.open(LogIndex.indexName(id), .readWrite) else { indexed = false; return }
        index = consume i
        indexed = true
        indexSize = ((try? index.size()) ?? 0) / LogChunk.size * LogChunk.size
        if indexSize > 0, let b = try? index.read(at: 0, count: LogChunk.size), b.count == LogChunk.size,
           LogChunk(b, at: 0).isBase {
            dropped = LogChunk(b, at: 0).end
            headerLength = LogIndex.header(dropped: dropped).count
        }
        logical = dropped + Int64(size - headerLength)
    }
}
