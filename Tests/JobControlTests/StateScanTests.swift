import Foundation
import Glibc
import Testing
@testable import JobControl
import JobControlSystem

/// The backward scan that finds jobs by id and name: any torn tail is
/// skipped, whatever its length, and lines are found across chunk edges.
@Suite(.serialized) struct StateScanTests {
    let temp = TemporaryDirectory()
    func store() throws -> StateStore { try StateStore(path: Array((temp.path + "/" + UUID().uuidString).utf8)) }

    func appendRaw(_ s: StateStore, _ bytes: [UInt8]) throws {
        let fd = openat(s.dirFD, StateStore.jobsFile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        defer { close(fd) }
        try writeAll(fd: fd, bytes)
    }

    // Empty, one byte, below, at and past the 64 KiB chunk, and far past it.
    @Test(arguments: [0, 1, 4095, 4096, 65535, 65536, 65537, 70_000, 200_000, 3_000_000])
    func aTornTailOfAnyLengthIsSkipped(_ length: Int) throws {
        let s = try store()
        try appendRaw(s, Records.encode(sampleJob(1, name: "first")))
        try appendRaw(s, Records.encode(sampleJob(2, name: "second")))
        try appendRaw(s, Array(repeating: UInt8(ascii: "x"), count: length))
        #expect(try s.job(id: 1)?.name == Array("first".utf8))
        #expect(try s.job(id: 2)?.name == Array("second".utf8))
        #expect(try s.job(named: Array("first".utf8))?.id == 1)
        #expect(try s.job(id: 3) == nil)
        #expect(try s.highestIDEver() == 2)
    }

    @Test(arguments: [10, 65_530, 65_536, 140_000, 2_000_000])
    func longLinesAreReadWholeAcrossChunks(_ argLength: Int) throws {
        let s = try store()
        var big = sampleJob(1, name: "big")
        big.command = [Array("sh".utf8), Array(repeating: UInt8(ascii: "a"), count: argLength)]
        try s.append(Records.encode(big))
        try s.append(Records.encode(sampleJob(2, name: "small")))
        var after = sampleJob(3, name: "big")
        after.command = [Array(repeating: UInt8(ascii: "b"), count: argLength)]
        try s.append(Records.encode(after))
        try s.append(Records.encodeExit(1, ExitStatus(code: 7), ended: 1_764_091_489_000_000))
        let j = try s.job(id: 1)
        #expect(j?.command.last?.count == argLength)
        #expect(j?.exit == ExitStatus(code: 7))
        #expect(try s.job(id: 2)?.name == Array("small".utf8))
        #expect(try s.job(named: Array("big".utf8))?.id == 3)
        #expect(try s.job(named: Array("small".utf8))?.id == 2)
    }

    @Test func namesThatNeedEscapesAreFoundByName() throws {
        let s = try store()
        let odd: [UInt8] = [0x22, 0x5c, 0x0a, 0xff, 0x41]
        try s.append(Records.encode(sampleJob(1, name: "x")))
        var j = sampleJob(2, name: "x")
        j.name = odd
        try s.append(Records.encode(j))
        try s.append(Records.encode(sampleJob(3, name: "y")))
        #expect(try s.job(named: odd)?.id == 2)
    }

    @Test func manyOperandsResolveInOnePass() throws {
        let s = try store()
        for id in 1...50 { try s.append(Records.encode(sampleJob(id, name: "n\(id % 5)"))) }
        let ops = (1...50).map { Array(String($0).utf8) } + [Array("n3".utf8)]
        let jobs = try s.resolve(ops)
        #expect(jobs.map(\.id) == Array(1...50) + [48])
        #expect(throws: JobctlError.noSuchJob("51")) { try s.resolve(ops + [Array("51".utf8)]) }
    }

    @Test func headerPeekReadsOnlyTheCanonicalForm() {
        let line = Records.encode(sampleJob(42, name: "web"))
        let h = line.withUnsafeBufferPointer { Records.peekHeader($0) }
        #expect(h?.id == 42 && h?.kind == .start && h?.name == Array("web".utf8))
        let other = Array("{\"event\":\"start\",\"v\":1,\"id\":42}".utf8)
        #expect(other.withUnsafeBufferPointer { Records.peekHeader($0) } == nil)
    }
}
