import JobControlSystem

/// `spawn --retries N [--retry-delay D]`: a command that fails (exits
/// non-zero, or is ended by a signal that no `jobctl kill` asked for; a
/// --timeout is a failure) runs again, up to N more times, D, 2D, 4D …
/// apart (at most 5 minutes). It stays one job: the monitor records a
/// `retry` event (the attempt that starts, the exit code of the one that
/// failed) and the new command's `run`; `exitcode` is the last attempt's.
/// A kill ends the retries: between attempts the job ends `killed` by the
/// signal sent.
extension Monitor {
    static let longestRetryDelay: Int64 = 300_000_000_000

    /// Does this end call for another attempt?
    func shouldRetry(_ e: ExitStatus) -> Bool {
        relaunch != nil && job.attempt <= job.retries && e.code != 0 && !killRequested
    }

    /// The pause before attempt `job.attempt + 1`: D doubled per attempt.
    var retryPause: Int64 {
        var d = max(job.retryDelayNs, 0)
        for _ in 1..<job.attempt where d < Monitor.longestRetryDelay { d *= 2 }
        return min(d, Monitor.longestRetryDelay)
    }

    /// Between attempts: waits out the pause, answering kill requests,
    /// then starts the command again. Returns the job's end if there is to
    /// be no next attempt (killed meanwhile, or the command cannot start).
    func retry(after failure: ExitStatus) -> ExitStatus? {
        if let killed = pauseBeforeRetry() { return ExitStatus(code: -killed) }
        job.attempt += 1
        try? store.append(Records.encodeRetry(job.id, attempt: job.attempt, previous: failure, at: wallClockMicros()))
        switch relaunch!() {
        case .failure(let f):
            let why = f.error(command: job.command[0], directory: job.cwd)
            if let fd = complaintFD { writeString(fd, "jobctl: \(why.message)\n") }
            return ExitStatus(code: why.exitCode == 127 ? 127 : 126)
        case .success(let pid):
            leaderStatus = nil
            ran(pid, group: true)
            job.started = wallClockMicros()
            try? store.appendRun(job)
            if let t = timeout { timeoutTimer.arm(t.nanoseconds) }
            return nil
        }
    }

    /// Sleeps for `retryPause`; the signal of a kill that came first, if one did.
    func pauseBeforeRetry() -> Int32? { sleepAnsweringKills(until: monotonicNow() + retryPause) }
}

extension Records {
    /// A failed attempt is followed by another: `attempt` is the one that
    /// starts, `exitcode` the one that failed.
    public static func encodeRetry(_ id: JobID, attempt: Int, previous: ExitStatus, at micros: Int64) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.field("v", version)
        w.field("event", "retry")
        w.field("id", id)
        w.field("attempt", attempt)
        w.field("exitcode", previous.code)
        w.timestamp("time", micros: micros)
        w.endObject()
        w.append(10)
        return w.bytes
    }
}
