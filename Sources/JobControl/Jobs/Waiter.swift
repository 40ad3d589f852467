import JobControlSystem

/// `wait`: joins local jobs, by their monitors' ends.
struct Waiter {
    let store: StateStore
    /// Told of each job as it ends (`wait --progress`).
    var onEnd: ((JobEnd) -> Void)?

    /// Blocks until every job (or, with `any`, the first) has ended, or
    /// until `timeout` (nanoseconds) passes: then throws `.timedOut`.
    /// Sleeps on a pidfd per monitor: a monitor exits right after its exit
    /// record is synced, so the record is there when the pidfd turns
    /// readable; a monitor that ended without one was killed, and its job is
    /// `lost`. (Not inotify: tearing down an inotify instance waits for an
    /// SRCU grace period, which added milliseconds to every wait's exit.)
    ///
    /// Under a low descriptor limit, jobs beyond what pidfds can be opened
    /// for are looked at again after a short sleep (1 ms, doubling to 100
    /// ms) until descriptors free up: slower, never wrong. A job is `lost`
    /// only when its monitor and its command are known to be gone.
    func wait(for jobs: [Job], any: Bool, timeout: Int64?) throws(JobctlError) -> [JobEnd] {
        let deadline = timeout.map { monotonicNow() + $0 }
        Processes.raiseDescriptorLimit()
        var tail = TailReader(store: store)

        // The pidfds live in `pidfds`, one per watched job, in step.
        struct Watched { var job: Job; var watchingLeader: Bool }
        var watched: [Watched] = []
        var pidfds = Descriptors()
        var unwatched: [Job] = []  // no descriptor for these yet
        var done: [JobEnd] = [] {
            didSet { if let tell = onEnd, let last = done.last, done.count > oldValue.count { tell(last) } }
        }

        func ended(_ j: Job) -> JobEnd? {
            j.exit.map { _ in JobEnd(job: j, state: j.recordedState) }
        }
        /// Decides a job: it has ended for `wait` once its end is recorded
        /// and its monitor is gone, so that what the job left running (which
        /// the monitor ends) has ended too. Watches its monitor, or its
        /// orphaned leader, or calls it lost; false if it cannot be watched now.
        func watch(_ j: Job) -> Bool {
            let monitor = pin(j.monitor, start: j.monitorStart)
            switch consume monitor {
            case .pinned(let fd): pidfds.append(fd); watched.append(Watched(job: j, watchingLeader: false)); return true
            case .unknown:
                if let e = ended(j) { done.append(e); return true }
                return false
            case .gone: break
            }
            if let e = ended(j) { done.append(e); return true }
            // The monitor is gone; it may have written the record just before.
            let fresh: Job?
            do throws(JobctlError) { fresh = try store.job(id: j.id) } catch { return false }
            if let f = fresh, let e = ended(f) { done.append(e); return true }
            let leader: Pin = if let pid = j.pid { pin(pid, start: j.pidStart) } else { .gone }
            switch consume leader {
            case .pinned(let fd): pidfds.append(fd); watched.append(Watched(job: j, watchingLeader: true)); return true
            case .unknown: return false
            case .gone: done.append(JobEnd(job: j, state: .lost)); return true
            }
        }

        for j in jobs where !watch(j) { unwatched.append(j) }
        var backoff: Int64 = 1_000_000
        while !(watched.isEmpty && unwatched.isEmpty) && !(any && !done.isEmpty) {
            let left = deadline.map { $0 - monotonicNow() }
            if let l = left, l <= 0 { throw .timedOut }
            var sleep = left
            if !unwatched.isEmpty { sleep = min(sleep ?? backoff, backoff) }
            let ready = pidfds.pollReadable(after: [], timeoutNs: sleep)
            if !ready.contains(true) && unwatched.isEmpty { continue }
            // Close what fired first: under a low limit, reading the state
            // needs the descriptor back.
            var fired: [Watched] = []
            var still: [Watched] = []
            for (k, w) in watched.enumerated() {
                if ready[k] { fired.append(w) } else { still.append(w) }
            }
            pidfds.close(where: ready)
            watched = still
            // Exit records appended since we last looked: kept with their
            // jobs, which end for us when their monitors do.
            let exits = tail.newExits()
            func withExit(_ j: Job) -> Job {
                guard let (e, t) = exits[j.id] else { return j }
                var j = j
                j.exit = e
                j.ended = t
                return j
            }
            for k in watched.indices { watched[k].job = withExit(watched[k].job) }
            for w in fired {
                let j = withExit(w.job)
                if w.watchingLeader {
                    // The orphaned leader ended; its monitor, gone, wrote nothing.
                    if let e = ended(j) { done.append(e); continue }
                    let fresh: Job?
                    do throws(JobctlError) { fresh = try store.job(id: j.id) } catch { unwatched.append(j); continue }
                    done.append(fresh.flatMap(ended) ?? JobEnd(job: j, state: .lost))
                } else if !watch(j) {
                    unwatched.append(j)
                }
            }
            if !unwatched.isEmpty {
                let again = unwatched
                unwatched = []
                for j in again.map(withExit) where !watch(j) { unwatched.append(j) }
                backoff = min(backoff * 2, 100_000_000)
            }
        }
        return done
    }
}
