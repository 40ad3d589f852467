import JobControl
import JobControlSystem

/// One cell of a terminal table: `escaped`, so that a name or argument is
/// never more than one line and never acts on the terminal.
func printable(_ b: [UInt8]) -> String { escaped(b) }

extension String {
    func padLeft(_ n: Int, _ c: Character = "0") -> String { count >= n ? self : String(repeating: c, count: n - count) + self }
}

/// `3.2s`, `4m05s`, `2h01m`, `3d04h`.
func humanElapsed(_ micros: Int64) -> String {
    let us = max(0, micros)
    let s = us / 1_000_000
    if s < 60 { return "\(s).\(us / 100_000 % 10)s" }
    if s < 3600 { return "\(s / 60)m\(String(s % 60).padLeft(2))s" }
    if s < 86400 { return "\(s / 3600)h\(String(s / 60 % 60).padLeft(2))m" }
    return "\(s / 86400)d\(String(s / 3600 % 24).padLeft(2))h"
}

func commandLine(_ argv: [[UInt8]]) -> String {
    argv.map { a -> String in
        let p = printable(a)
        let plain = !a.isEmpty && a.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c >= 0x80
                || "-_./=:,+@%".utf8.contains(c)
        }
        return plain ? p : "'" + p.replacingQuotes() + "'"
    }.joined(separator: " ")
}

extension String {
    func replacingQuotes() -> String {
        var o = ""
        for ch in self { o += ch == "'" ? "'\\''" : String(ch) }
        return o
    }
}

/// The `ps` table, columns sized to their widest cell; COMMAND is cut to
/// the terminal's width when stdout is one, never when piped.
func renderTable(_ rows: [(Job, JobState)], now: Int64) -> String {
    var cells: [[String]] = [["ID", "NAME", "PID", "STATE", "EXIT", "DAEMON", "ELAPSED", "COMMAND"]]
    for (j, st) in rows {
        let elapsed = (j.ended ?? now) - j.started
        cells.append([
            String(j.id), printable(j.name), j.pid.map(String.init) ?? "-", st.rawValue,
            j.exit?.shown.map { String($0) } ?? "-", j.daemon ? "yes" : "no",
            st == .queued || (j.pid == nil && j.slurmID == nil) ? "-" : humanElapsed(elapsed), commandLine(j.command),
        ])
    }
    var widths = [Int](repeating: 0, count: 8)
    for r in cells { for (k, c) in r.enumerated() { widths[k] = max(widths[k], c.count) } }
    let columns = StandardStreams.terminalColumns(1) ?? Int.max
    var out = ""
    for r in cells {
        var line = ""
        for k in 0..<7 {
            let c = r[k]
            // Numbers right-aligned, words left-aligned.
            let right = k == 0 || k == 2 || k == 4
            line += (right ? c.padLeft(widths[k], " ") : c + String(repeating: " ", count: widths[k] - c.count)) + "  "
        }
        // Only COMMAND is cut to the terminal's width, and never below a
        // few characters: the other columns are what a row is for.
        var command = r[7]
        let room = max(columns - line.count, minimumCommand)
        if command.count > room { command = String(command.prefix(room - 1)) + "…" }
        out += line + command + "\n"
    }
    return out
}

/// What a cut COMMAND keeps, however narrow the terminal.
let minimumCommand = 8

/// The `locks` table: each lock with who holds it and who waits for it.
func renderLocks(_ locks: [NamedLocks.Holder]) -> String {
    var cells = [["NAME", "MODE", "SLOTS", "HOLDERS", "WAITERS"]]
    for l in locks {
        cells.append([printable(l.name), l.holders.isEmpty ? "free" : l.mode, "\(l.slots)",
                      l.holders.isEmpty ? "-" : l.holders.map(String.init).joined(separator: ","),
                      l.waiters.isEmpty ? "-" : l.waiters.map(String.init).joined(separator: ",")])
    }
    return renderColumns(cells)
}

/// A table of words, each column as wide as its widest cell, two spaces
/// apart (`locks`, `pools`).
func renderColumns(_ cells: [[String]]) -> String {
    guard let n = cells.first?.count else { return "" }
    var w = [Int](repeating: 0, count: n)
    for r in cells { for k in 0..<n { w[k] = max(w[k], r[k].count) } }
    return cells.map { r in
        (0..<(n - 1)).map { r[$0] + String(repeating: " ", count: w[$0] - r[$0].count) + "  " }.joined() + r[n - 1] + "\n"
    }.joined()
}

/// One `ps --json` line, appended to `w`. Not `Records.encode`: the state's
/// lines and `ps --json` are two contracts (a versioned file format with the
/// identities jobctl needs, and the documented fields a script reads, with
/// the state as `ps` shows it), kept apart so that neither changes when the
/// other must.
func jsonLine(_ j: Job, _ st: JobState, waitingFor: [JobID] = [], into w: inout JSONWriter) {
    w.beginObject()
    w.field("id", j.id)
    w.field("name", j.name)
    if let p = j.pid { w.field("pid", p) } else { w.null("pid") }
    if let g = j.pgid { w.field("pgid", g) } else { w.null("pgid") }
    w.field("state", st.rawValue)
    if let c = j.exit?.shown { w.field("exitcode", c) } else { w.null("exitcode") }
    w.field("daemon", j.daemon)
    w.field("owner", j.owner)
    w.field("monitor", j.monitor)
    w.field("command", j.command)
    w.field("cwd", j.cwd)
    w.field("log", j.log)
    if let pool = j.pool { w.field("pool", pool) } else { w.null("pool") }
    w.field("backend", j.onSlurm ? "slurm" : "local")
    if let s = j.slurmID { w.field("slurm_id", s) } else { w.null("slurm_id") }
    w.field("after", j.after)
    w.field("after_any", j.afterAny)
    if st == .queued {
        // Only what is still awaited.
        w.key("waiting_for")
        w.beginObject()
        if let t = j.notBefore, t > wallClockMicros() { w.timestamp("until", micros: t) }
        if !waitingFor.isEmpty { w.field("jobs", waitingFor) }
        if let pool = j.pool { w.field("pool", pool) }
        if j.waitsForLock, let l = j.lock { w.field("lock", l) }
        w.endObject()
    } else {
        w.null("waiting_for")
    }
    if let r = j.exit?.reason { w.field("reason", r) } else { w.null("reason") }
    w.field("attempt", j.attempt)
    if let m = j.logMax { w.field("log_max", m) } else { w.null("log_max") }
    w.timestamp("created", micros: j.created)
    // `started` is when the command really started: none while queued,
    // and none for a job that never ran.
    if st == .queued || st == .skipped { w.null("started") } else { w.timestamp("started", micros: j.started) }
    if let t = j.ended { w.timestamp("ended", micros: t) } else { w.null("ended") }
    w.endObject()
    w.newline()
}

/// Buffered stdout: one write(2) per 64 KiB, not per line.
struct Stdout {
    var buf: [UInt8] = []
    mutating func write(_ b: [UInt8]) throws(JobctlError) {
        buf += b
        if buf.count >= 65536 { try flush() }
    }
    mutating func write(_ s: String) throws(JobctlError) { try write(Array(s.utf8)) }
    mutating func flush() throws(JobctlError) {
        defer { buf.removeAll(keepingCapacity: true) }
        do throws(Errno) { try writeAll(fd: 1, buf) }
        catch { throw .system("cannot write to standard output", error) }
    }
}
