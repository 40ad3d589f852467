import Foundation
import Testing
@testable import JobControl
import JobControlSystem

/// Queues under a failing system: a put that cannot take the queue's lock
/// adds nothing and gives no sequence number away.
@Suite struct QueueTests {
    let temp = TemporaryDirectory()

    func getAll(_ q: Queues, _ name: [UInt8]) throws -> [String] {
        var out: [String] = []
        while true {
            do throws(JobctlError) {
                try q.get(name, timeout: 0) { (v) throws(JobctlError) in out.append(String(decoding: v, as: UTF8.self)) }
            } catch {
                guard error == .timedOut else { throw error }
                return out
            }
        }
    }

    /// Taking the lock, moving the value in, making it durable: whichever
    /// fails, the put throws and leaves no value and no temporary file.
    @Test(arguments: ["flock", "renameat", "fdatasync"])
    func aPutThatFailsChangesNothing(_ call: String) throws {
        let store = try temp.store()
        let q = Queues(store: store)
        let name = Array("work".utf8)
        try q.put(name, Array("a".utf8))
        #expect(throws: JobctlError.self) {
            try SystemFaults.with({ $0 == call ? .ioError : nil }) { try q.put(name, Array("lost".utf8)) }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: temp.path + "/s/queues/work")
        #expect(files.filter { $0.hasPrefix(".put") } == [])
        try q.put(name, Array("b".utf8))
        #expect(try q.count(name) == 2)
        #expect(try getAll(q, name) == ["a", "b"])
    }
}
