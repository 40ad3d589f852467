import JobControlSystem

/// The log's standby (`jobctl-logkeep`): a child of the monitor that holds
/// the job's output pipes too, and does nothing while the monitor lives.
/// Why: the monitor copies the job's output, and a monitor that is
/// SIGKILLed would otherwise take the pipes' only reader with it, so that
/// the job's next write failed (EPIPE) and its output was lost. The standby
/// learns of the monitor's end from a pipe only the monitor writes to: a
/// byte is an orderly end (the monitor has drained the pipes), EOF alone is
/// a monitor killed, and then the standby copies the job's output into the
/// log, as the monitor did, until the job has closed it.
extension Monitor {
    static let standbyName = "jobctl-logkeep"

    /// Forks the standby, off spawn's path (the job already runs; its output
    /// waits in the pipes meanwhile). Without it the job still runs and is
    /// logged; only a SIGKILLed monitor would then lose its output.
    func startStandby() {
        guard let c = copier, !c.sources.isEmpty, let line = try? Pipe() else { return }
        guard let pid = try? Processes.fork() else { return }
        if pid == 0 {
            Processes.setName(Monitor.standbyName)
            // Its stdio too: the monitor's stderr is the job's stderr pipe,
            // which would then never reach EOF.
            if let null = try? FileDescriptor.open(Array("/dev/null".utf8), .readWrite) {
                for fd: CInt in 0...2 { try? null.duplicate(onto: fd) }
            }
            Processes.closeDescriptors(except: [line.read.rawValue, store.dirFD] + c.descriptors)
            let word = try? StandardStreams.read(line.read.rawValue, upTo: 1)
            if word != [1] {
                c.reopen()
                _ = c.pump(until: nil, timeoutNs: nil)
            }
            Processes.exitNow(0)
        }
        standby = (pid, line.write.release())
    }

    /// The monitor's orderly end: the standby is told, and reaped.
    func stopStandby() {
        guard let s = standby else { return }
        standby = nil
        try? writeAll(fd: s.line, [1])
        FileDescriptor(rawValue: s.line).close()
        _ = Processes.reap(s.pid, wait: true)
    }
}
