import JobControlSystem

/// `logs --stdout`, `--stderr`, `--timestamps`: readings of a job's log
/// through its index (`LogIndex`), once or followed to the job's end.
public struct LogReading: Sendable {
    public var streams: Set<LogStream> = [.stdout, .stderr]
    public var timestamps = false
    public init() {}
    /// Plain `logs`: the file as it is, no index needed.
    public var isPlain: Bool { streams.count == 2 && !timestamps }
}

/// One job's log and index as a reader holds them: the same pair, even
/// when a capped log is cut (a new pair renamed into place) meanwhile.
final class IndexedLog {
    let store: StateStore
    let id: JobID
    var log: FileDescriptor
    var index: FileDescriptor
    var dropped: Int64 = 0
    var header = 0
    /// The next entry to read, and where its piece starts (logical).
    var entry = 0
    var position: Int64 = 0

    static func noIndex(_ id: JobID) -> JobctlError {
        .failure("job \(id)'s log does not say which stream wrote what, or when (its output went to a --stdout file, or to the cluster, or it was started by an older jobctl)")
    }

    init(store: StateStore, id: JobID) throws(JobctlError) {
        self.store = store
        self.id = id
        // The index first: a cut renames the log before the index, so a
        // reader holding the new index holds the new log too.
        guard let i = try? store.dir.open(LogIndex.indexName(id), .readOnly) else { throw IndexedLog.noIndex(id) }
        index = consume i
        log = try attempt("cannot open the log of job \(id)") { () throws(Errno) in
            try store.dir.open(LogIndex.logName(id), .readOnly)
        }
        readBase()
        if !consistent { _ = reopen() }
    }

    /// Do the log and index held belong together? A cut renames the log,
    /// then the index: a reader between the two would hold a new log with
    /// an old index. The log's first line says what the index's base must.
    var consistent: Bool {
        let first = (try? log.read(at: 0, count: 64)) ?? []
        if dropped > 0 { return first.starts(with: LogIndex.header(dropped: dropped)) }
        let mark = Array("[jobctl: ".utf8)
        return !(first.starts(with: mark) && first.contains(UInt8(ascii: "\n")))
    }

    /// The dropped count from the index's base entry, if it has one.
    private func readBase() {
        dropped = 0
        header = 0
        entry = 0
        if let b = try? index.read(at: 0, count: LogChunk.size), b.count == LogChunk.size, LogChunk(b, at: 0).isBase {
            dropped = LogChunk(b, at: 0).end
            header = LogIndex.header(dropped: dropped).count
            entry = 1
        }
    }

    /// True if the index (and so the log) was replaced by a cut since it
    /// was opened here.
    var wasCut: Bool {
        guard let now = try? store.dir.status(of: LogIndex.indexName(id)), let held = try? index.status() else { return false }
        return now.inode != held.inode
    }

    /// Opens the new pair after a cut and finds where this reader was in
    /// it; how many bytes it had not read yet were dropped (0 if none).
    func reopen() -> Int64 {
        // Bounded: a job whose own first line looks like the cut's is
        // taken at its word after a while.
        for _ in 0..<1000 {
            guard let i = try? store.dir.open(LogIndex.indexName(id), .readOnly),
                  let l = try? store.dir.open(LogIndex.logName(id), .readOnly) else { return 0 }
            index = consume i
            log = consume l
            readBase()
            if consistent { break }
        }
        let missed = max(0, dropped - position)
        // Skip the entries for what was read already.
        seek(to: position)
        return missed
    }

    /// Reads from logical offset `at` on (or what was kept of it).
    func seek(to at: Int64) {
        position = max(at, dropped)
        while let b = try? index.read(at: entry * LogChunk.size, count: LogChunk.size), b.count == LogChunk.size,
              LogChunk(b, at: 0).end <= position {
            entry += 1
        }
    }

    /// The pieces indexed since the last call, with their bytes (those of
    /// logical offsets `c.end - bytes.count ..< c.end`), until `each`
    /// returns false.
    func newPieces(_ each: (LogChunk, [UInt8]) throws(JobctlError) -> Bool) throws(JobctlError) {
        let size = ((try? index.size()) ?? 0) / LogChunk.size * LogChunk.size
        guard size > entry * LogChunk.size,
              let all = try? index.read(at: entry * LogChunk.size, count: size - entry * LogChunk.size) else { return }
        var at = 0
        while at + LogChunk.size <= all.count {
            let c = LogChunk(all, at: at)
            // The piece may have started before what was kept: only its kept part.
            let start = max(position, dropped)
            let newest = at + 2 * LogChunk.size > all.count
            guard c.end > start else { at += LogChunk.size; if !newest { entry += 1 }; continue }
            let count = Int(c.end - start)
            let bytes = (try? log.read(at: header + Int(start - dropped), count: count)) ?? []
            // A short read: the log was cut after the index was read; the
            // rest comes from the new pair.
            if bytes.count < count { return }
            guard try each(c, bytes) else { return }
            position = c.end
            at += LogChunk.size
            // The newest entry may still grow in place (the same stream in
            // the same millisecond): it is read again next time, from
            // `position` on.
            if !newest { entry += 1 }
        }
    }
}

/// Prints job `id`'s log as `reading` says; with `follow`, until the job
/// has ended (`ended` readable) and everything it wrote is out.
func copyIndexedLog(store: StateStore, job: Job, reading: LogReading, follow: Bool,
                    ended: CInt?, to out: CInt) throws(JobctlError) {
    let source = try IndexedLog(store: store, id: job.id)
    var lines = LineStamper(reading: reading, out: out)
    func step() throws(JobctlError) {
        while true {
            try source.newPieces { (c, bytes) throws(JobctlError) in try lines.add(bytes, c.stream, c.micros); return true }
            guard source.wasCut else { return }
            let missed = source.reopen()
            // Said on a line of its own, after what was printed of a line
            // the cut then took.
            if missed > 0 { try lines.write((lines.midLine ? [UInt8(ascii: "\n")] : []) + LogIndex.header(dropped: missed)) }
        }
    }
    // Plain, followed, capped: the file's own first line, as `cat` shows it.
    if reading.isPlain && source.dropped > 0 { try lines.write(LogIndex.header(dropped: source.dropped)) }
    try step()
    if follow, job.exit == nil, let end = ended {
        let inotify = try attempt("cannot follow the log of job \(job.id)") { () throws(Errno) in try Inotify() }
        var watched: UInt64? = nil
        while true {
            // The index is watched, the new one after a cut: then what was
            // written between the read and the watch is read now.
            let inode = try? source.index.status().inode
            if inode != watched {
                _ = try? inotify.watch(source.index, [.modified, .attributes])
                watched = inode
                try step()
                continue
            }
            let ready = poll([(inotify.fd.rawValue, PollEvents.readable), (end, PollEvents.readable), (out, 0)], timeoutNs: nil)
            if ready[2] & PollEvents.failed != 0 { return }
            if ready[0] != 0 { inotify.drain() }
            try step()
            if ready[1] != 0 { break }
        }
    }
    try lines.finish()
}

/// Writes the chosen streams' bytes; with timestamps, whole lines, each
/// stamped with the time its first byte was read, a line of one stream
/// kept whole even when the other wrote in its middle.
struct LineStamper {
    let reading: LogReading
    let out: CInt
    /// Each stream's unfinished line, and when it began.
    var pending: [LogStream: (bytes: [UInt8], micros: Int64)] = [:]

    init(reading: LogReading, out: CInt) {
        self.reading = reading
        self.out = out
    }

    /// The last byte written was not a newline.
    var midLine = false

    mutating func write(_ bytes: [UInt8]) throws(JobctlError) {
        try attempt("cannot write output") { () throws(Errno) in try writeAll(fd: out, bytes) }
        if let b = bytes.last { midLine = b != UInt8(ascii: "\n") }
    }

    mutating func add(_ bytes: [UInt8], _ stream: LogStream, _ micros: Int64) throws(JobctlError) {
        guard reading.streams.contains(stream) else { return }
        guard reading.timestamps else { return try write(bytes) }
        var rest = bytes[...]
        while !rest.isEmpty {
            let nl = rest.firstIndex(of: UInt8(ascii: "\n"))
            let piece = nl.map { rest[...$0] } ?? rest
            rest = nl.map { rest[($0 + 1)...] } ?? []
            var line = pending[stream] ?? ([], micros)
            line.bytes += piece
            // A line longer than 64 KiB goes out in pieces, each stamped.
            if nl != nil || line.bytes.count >= 65536 {
                try write(LineStamper.stamp(line.micros) + line.bytes)
                pending[stream] = nil
            } else {
                pending[stream] = line
            }
        }
    }

    /// What is left unfinished, oldest first, as the job left it.
    mutating func finish() throws(JobctlError) {
        for (_, line) in pending.sorted(by: { $0.value.micros < $1.value.micros }) {
            try write(LineStamper.stamp(line.micros) + line.bytes)
        }
        pending = [:]
    }

    /// `2026-12-02T13:07:33.123Z `: RFC 3339 UTC, milliseconds, a space.
    static func stamp(_ micros: Int64) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: Timestamp.width)
        b.withUnsafeMutableBufferPointer { Timestamp.write(micros: micros, to: $0.baseAddress!) }
        return Array(b[0..<23]) + Array("Z ".utf8)
    }
}
