import Foundation
import Glibc
import Testing
@testable import JobControl
import JobControlSystem

@Suite(.serialized) struct StateStoreTests {
    let temp = TemporaryDirectory()
    func tempDir() -> String {
        let d = temp.path + "/\(UUID().uuidString)"
        mkdir(d, 0o700)
        return d
    }

    @Test func idsIncreaseAndSurviveRemoval() throws {
        let dir = tempDir()
        let store = try StateStore(path: Array((dir + "/state").utf8))
        #expect(try store.allocateID() == 1)
        #expect(try store.allocateID() == 2)
        var j = sampleJob(2)
        j.exit = ExitStatus(code: 0)
        j.ended = j.started
        try store.append(Records.encode(j))
        try store.remove([j])
        #expect(try store.allocateID() == 3)
        #expect(try store.job(id: 2) == nil)
    }

    @Test func lookupByIdAndNewestName() throws {
        let store = try StateStore(path: Array((tempDir() + "/s").utf8))
        for id in 1...300 { try store.append(Records.encode(sampleJob(id, name: id % 2 == 0 ? "even" : "odd"))) }
        try store.append(Records.encodeExit(7, ExitStatus(code: 4), ended: 1_764_091_489_000_000))
        #expect(try store.job(id: 7)?.exit == ExitStatus(code: 4))
        #expect(try store.job(id: 1)?.name == Array("odd".utf8))
        #expect(try store.job(named: Array("even".utf8))?.id == 300)
        #expect(try store.job(id: 301) == nil)
        #expect(throws: JobctlError.noSuchJob("nope")) { try store.resolve(Array("nope".utf8)) }
    }

    @Test func refusesAGroupWritableDirectory() throws {
        let dir = tempDir()
        chmod(dir, 0o775)
        #expect(throws: JobctlError.self) { try StateStore(path: Array(dir.utf8)) }
    }
}
