import Testing
@testable import JobControl
import JobControlSystem

/// The state's subdirectories: made on first use, and a failure to make
/// one is said, with the path, rather than read as an empty directory.
@Suite struct SubdirectoryTests {
    let temp = TemporaryDirectory()

    @Test(arguments: [Errno.noSpace, .permissionDenied])
    func aDirectoryThatCannotBeMadeIsReported(_ e: Errno) throws {
        let store = try temp.store()
        #expect(throws: JobctlError.system("cannot create directory \(temp.path)/s/queues", e)) {
            try SystemFaults.with({ $0 == "mkdirat" ? e : nil }) {
                _ = try store.subdirectory([Array("queues".utf8), Array("q".utf8)])
            }
        }
        // Nothing was left half made: the next use makes both levels.
        _ = try store.subdirectory([Array("queues".utf8), Array("q".utf8)])
        #expect(store.names(in: "queues") == [Array("q".utf8)])
    }

    @Test func oneLevelTwoLevelsAndAgain() throws {
        let store = try temp.store()
        _ = try store.subdirectory([Array("pools".utf8)])
        _ = try store.subdirectory([Array("pools".utf8), Array("x".utf8)])
        _ = try store.subdirectory([Array("pools".utf8), Array("x".utf8)])
        #expect(store.names(in: "pools") == [Array("x".utf8)])
    }
}
