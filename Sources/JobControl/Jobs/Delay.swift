import JobControlSystem

/// `spawn --delay D`: the job is `queued` until D from its spawn, then
/// waits for whatever else it waits for (dependencies, a slot). Its
/// monitor sleeps on a timer, answering kill requests meanwhile.
extension Monitor {
    /// Sleeps until the wall clock reaches `micros`; false if the job was
    /// killed (or its owner ended) first.
    func waitUntil(_ micros: Int64) -> Bool {
        sleepAnsweringKills(until: monotonicNow() + max(0, micros - wallClockMicros()) * 1000) == nil
    }

    /// Sleeps until `deadline` (monotonic ns) on the monitor's grace timer,
    /// which nothing else uses before the job runs, answering requests;
    /// the signal of a kill that came first, if one did (`killRequest`).
    func sleepAnsweringKills(until deadline: Int64) -> Int32? {
        defer { graceTimer.arm(0) }
        while true {
            let left = deadline - monotonicNow()
            if left <= 0 { return nil }
            graceTimer.arm(left)
            var fds = [signals.fd.rawValue, graceTimer.fd.rawValue]
            if let o = ownerPidfd?.rawValue { fds.append(o) }
            let ready = pollReadable(fds, timeoutNs: nil)
            if ready[1] { graceTimer.drain() }
            if let sig = killRequest(signalsReady: ready[0], ownerGone: fds.count > 2 && ready[2]) { return sig }
        }
    }
}
