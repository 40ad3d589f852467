import Foundation
import Testing
@testable import JobControl
import JobControlSystem

/// Spare logs (`logs/.spare-K.log`): a monitor makes the next job's log
/// ahead of time and spawn renames it into place. Whatever sits under a
/// spare's name, the log spawn gets is a new, empty file of its own, and a
/// name already taken is still refused.
@Suite struct SpareLogTests {
    let temp = TemporaryDirectory()
    var logs: String { temp.path + "/s/logs" }
    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: logs + "/" + name) }
    func contents(_ name: String) -> Data? { FileManager.default.contents(atPath: logs + "/" + name) }

    // The first id, the ends of a slot's range, the next range, far past.
    @Test(arguments: [1, 15, 16, 17, 100_003])
    func aPreparedSpareBecomesTheLog(_ id: Int) throws {
        let s = try temp.store()
        s.prepareLog(for: id)
        let spare = StateStore.spareLogName(id)
        #expect(exists(spare))
        let fd = try s.createLog(id)
        try fd.writeAll(Array("out\n".utf8))
        #expect(!exists(spare))
        #expect(contents("\(id).log") == Data("out\n".utf8))
        let mode = try FileManager.default.attributesOfItem(atPath: logs + "/\(id).log")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func withoutASpareTheLogIsCreated() throws {
        let s = try temp.store()
        _ = try s.createLog(7)
        #expect(contents("7.log") == Data())
    }

    /// What can be planted under a spare's name: it is never written to,
    /// never followed, never waited on, and the log is made anew.
    enum Planted: CaseIterable { case notEmpty, symlink, fifo, directory }

    @Test(arguments: Planted.allCases)
    func anythingButAnEmptyFileIsLeftAlone(_ planted: Planted) throws {
        let s = try temp.store()
        _ = try s.createLog(1)  // makes logs/
        let spare = logs + "/" + StateStore.spareLogName(2)
        let target = temp.path + "/target"
        switch planted {
        case .notEmpty: #expect(FileManager.default.createFile(atPath: spare, contents: Data("old\n".utf8)))
        case .symlink:
            #expect(FileManager.default.createFile(atPath: target, contents: Data()))
            try FileManager.default.createSymbolicLink(atPath: spare, withDestinationPath: target)
        case .fifo: #expect(mkfifo(spare, 0o600) == 0)
        case .directory: try FileManager.default.createDirectory(atPath: spare, withIntermediateDirectories: false)
        }
        try s.createLog(2).writeAll(Array("new\n".utf8))
        #expect(contents("2.log") == Data("new\n".utf8))
        #expect(try FileManager.default.attributesOfItem(atPath: logs + "/2.log")[.type] as? FileAttributeType == .typeRegular)
        if planted == .notEmpty { #expect(contents(StateStore.spareLogName(2)) == Data("old\n".utf8)) }
        if planted == .symlink { #expect(FileManager.default.contents(atPath: target) == Data()) }
    }

    @Test func aTakenNameIsStillRefused() throws {
        let s = try temp.store()
        _ = try s.createLog(1)
        #expect(FileManager.default.createFile(atPath: logs + "/3.log", contents: Data("planted\n".utf8)))
        s.prepareLog(for: 3)
        #expect(throws: JobctlError.self) { _ = try s.createLog(3) }
        #expect(contents("3.log") == Data("planted\n".utf8))
        #expect(exists(StateStore.spareLogName(3)))  // kept for the next
    }
}
