import Foundation
import Testing
@testable import JobControl
import JobControlSystem

/// `logs -f`: a watch that cannot be set is an error, and what a job
/// writes while the watch is being set is followed, not lost until the
/// job writes again.
@Suite struct LogFollowTests {
    let temp = TemporaryDirectory()

    /// A running job whose monitor is `standIn`, with a log holding `text`.
    func job(_ store: StateStore, _ standIn: StandIn, _ text: String) throws -> Job {
        let log = try store.createLog(1)
        try log.writeAll(Array(text.utf8))
        return standIn.job(1, log: "logs/1.log")
    }

    @Test(arguments: [Errno.permissionDenied, .noSpace])
    func aWatchThatCannotBeSetIsReported(_ e: Errno) throws {
        let store = try temp.store()
        let monitor = try StandIn("exec sleep 30")
        let j = try job(store, monitor, "first\n")
        let out = try JobControlSystem.Pipe()
        #expect(throws: JobctlError.system("cannot follow the log of job 1", e)) {
            try SystemFaults.with({ $0 == "inotify_add_watch" ? e : nil }) {
                try copyLog(store: store, job: j, follow: true, to: out.write.rawValue)
            }
        }
    }

    /// The job writes its one line just as the watch is set (the fault
    /// hook writes it and lets the call run), then waits: a server that
    /// printed its port. The line must come out while the job still runs.
    @Test func aLineWrittenAsTheWatchIsSetIsFollowed() throws {
        let store = try temp.store()
        let monitor = try StandIn("exec sleep 30")
        let j = try job(store, monitor, "first\n")
        let out = try JobControlSystem.Pipe()
        let logPath = temp.path + "/s/logs/1.log"
        let seen = Seen()
        let pid = monitor.identity.pid
        let reader = Thread { [out = out.read.rawValue] in
            // Reads until both lines are out, or 20 s; then ends the stand-in
            // monitor, so that copyLog returns either way.
            var got = ""
            let deadline = Date().addingTimeInterval(20)
            while !got.contains("second\n") && Date() < deadline {
                if !pollReadable([out], timeoutNs: 100_000_000)[0] { continue }
                var b = [UInt8](repeating: 0, count: 256)
                let n = b.withUnsafeMutableBytes { read(out, $0.baseAddress!, $0.count) }
                if n <= 0 { break }
                got += String(decoding: b[0..<n], as: UTF8.self)
            }
            seen.set(got)
            kill(pid, SIGKILL)  // test threads block TERM, and children inherit that
        }
        reader.start()
        try SystemFaults.with({ call in
            if call == "inotify_add_watch", let h = FileHandle(forWritingAtPath: logPath) {
                h.seekToEndOfFile()
                h.write(Data("second\n".utf8))
                try? h.close()
            }
            return nil
        }) {
            try copyLog(store: store, job: j, follow: true, to: out.write.rawValue)
        }
        while seen.value == nil { usleep(10_000) }
        #expect(seen.value == "first\nsecond\n")
        withExtendedLifetime(out) {}  // the reader's end stays open until here
    }
}

final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    func set(_ s: String) { lock.lock(); text = s; lock.unlock() }
    var value: String? { lock.lock(); defer { lock.unlock() }; return text }
}
