import Foundation
import Glibc
import Testing
@testable import JobControl
import JobControlSystem

@Suite struct StateFoldTests {
    @Test func startThenExit() {
        let bytes = Records.encode(sampleJob(1)) + Records.encodeExit(1, ExitStatus(code: -15), ended: 1_764_091_489_000_000)
        let (jobs, skipped) = StateStore.fold(bytes)
        #expect(skipped == StateStore.Skipped())
        #expect(jobs.count == 1)
        #expect(jobs[0].exit == ExitStatus(code: -15))
        #expect(jobs[0].recordedState == .killed)
        #expect(jobs[0].command == [Array("sleep".utf8), [0xff, 0x0a, 0x22]])
    }

    /// A skipped job's end has no exit code and a reason, any bytes; its
    /// dependencies and creation time survive the exit line and a
    /// compaction's `job` line alike.
    @Test(arguments: [[UInt8](), Array("dependency 12 exited 3".utf8), [0xff, 0x0a, 0x22, 0x5c]])
    func skippedEndsAndDependenciesRoundTrip(reason: [UInt8]) throws {
        var j = sampleJob(7)
        j.pid = nil
        j.after = [1, 300, Int(Int32.max) + 5]
        j.afterAny = [2]
        j.created = 1_764_091_480_000_000
        j.started = 1_764_091_481_000_000
        let end = ExitStatus.skipped(bytes: reason)
        let bytes = Records.encode(j) + Records.encodeExit(7, end, ended: 1_764_091_489_000_000)
        var whole = j
        whole.exit = end
        whole.ended = 1_764_091_489_000_000
        for data in [bytes, Records.encode(whole)] {
            let (jobs, skipped) = StateStore.fold(data)
            #expect(skipped == StateStore.Skipped())
            let f = try #require(jobs.first)
            #expect(f.recordedState == .skipped)
            #expect(f.exit?.shown == nil)
            #expect(f.exit?.reason == reason)
            #expect(f.exit?.shellStatus == 1)
            #expect(f.after == j.after && f.afterAny == [2])
            #expect(f.created == j.created && f.started == j.started)
        }
    }

    @Test func tornAndGarbageLinesAreSkipped() {
        var bytes = Records.encode(sampleJob(1))
        bytes += Array("not json at all\n".utf8)
        bytes += Records.encode(sampleJob(2))
        bytes += Array(Records.encode(sampleJob(3)).prefix(40))  // torn last line: no newline
        let (jobs, skipped) = StateStore.fold(bytes)
        #expect(jobs.map(\.id) == [1, 2])
        #expect(skipped.invalid == 1)  // the unfinished last line is not counted
    }

    @Test func tornLineInTheMiddleCountsOnce() {
        var bytes = Array(Records.encode(sampleJob(1)).prefix(30)) + [10]
        bytes += Records.encode(sampleJob(2))
        let (jobs, skipped) = StateStore.fold(bytes)
        #expect(jobs.map(\.id) == [2])
        #expect(skipped.invalid == 1)
    }

    @Test func newerVersionsAreCountedApart() {
        let bytes = Records.encode(sampleJob(1)) + Array("{\"v\":2,\"event\":\"start\",\"id\":2}\n".utf8)
        let (jobs, skipped) = StateStore.fold(bytes)
        #expect(jobs.count == 1)
        #expect(skipped.newer == 1)
    }

    @Test func removedJobsAreGoneAndOrderIsById() {
        var bytes = Records.encode(sampleJob(2)) + Records.encode(sampleJob(1))
        bytes += Records.encodeExit(1, ExitStatus(code: 0), ended: 1_764_091_489_000_000)
        bytes += Records.encodeRemove(1)
        bytes += Records.encode(sampleJob(3))
        let (jobs, _) = StateStore.fold(bytes)
        #expect(jobs.map(\.id) == [2, 3])
    }

    @Test func compactedJobLinesCarryTheirEnd() {
        var j = sampleJob(5)
        j.exit = ExitStatus(code: 3)
        j.ended = 1_764_091_489_000_000
        let line = Records.encode(j)
        #expect(String(decoding: line, as: UTF8.self).contains("\"event\":\"job\""))
        let (jobs, _) = StateStore.fold(line)
        #expect(jobs.first?.exit == ExitStatus(code: 3))
        #expect(jobs.first?.ended == j.ended)
    }

    @Test func seededFuzzNeverCrashes() {
        // Random mutations of a valid file: the fold must return, whatever it keeps.
        var rng = SplitMix(seed: 7)
        let base = (1...5).flatMap { Records.encode(sampleJob($0)) }
        for _ in 0..<3000 {
            var b = base
            for _ in 0..<Int(rng.next() % 8 + 1) {
                let k = Int(rng.next() % UInt64(b.count))
                switch rng.next() % 3 {
                case 0: b[k] = UInt8(truncatingIfNeeded: rng.next())
                case 1: b.remove(at: k)
                default: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: k)
                }
            }
            let (jobs, _) = StateStore.fold(b)
            #expect(jobs.count <= 6)
        }
    }
}
