import JobControlSystem

/// `spawn --delay D`: the job is `queued` until D from its spawn, then
/// waits for whatever else it waits for (dependencies, a slot). Its
/// monitor sleeps on a timer, answering kill requests meanwhile.
extension Monitor {
    /// Sleeps until the wall clock reaches `micros`; false if the job was
    /// killed (or its owner ended) first.
    func waitUntil(_ micros: Int64) -> Bool {
        defer { graceTimer.arm(0) }
        while true {
            let left = micros - wallClockMicros()
            if left <= 0 { return true }
            graceTimer.arm(left * 1000)
            var fds = [signals.fd.rawValue, graceTimer.fd.rawValue]
            if let o = ownerPidfd?.rawValue { fds.append(o) }
            let ready = pollReadable(fds, timeoutNs: nil)
            if ready[1] { graceTimer.drain() }
            if killedWhileQueued(signalsReady: ready[0], ownerGone: fds.count > 2 && ready[2]) { return false }
        }
    }
}
