import Testing
@testable import JobControl
import JobControlSystem

/// A pool whose lock files cannot be locked is an error, never a wait on a
/// line the job is not in.
@Suite struct PoolTests {
    let temp = TemporaryDirectory()

    @Test(arguments: [Errno.ioError, .permissionDenied])
    func aLockThatFailsIsReported(_ e: Errno) throws {
        let pools = Pools(store: try temp.store())
        #expect(throws: JobctlError.system("cannot queue in pool p", e)) {
            try SystemFaults.with({ $0 == "flock" ? e : nil }) {
                _ = try pools.waitForSlot(pool: Array("p".utf8), id: 1, extraFDs: []) { _ in true }
            }
        }
    }

    @Test func aFreeSlotIsTakenAtOnce() throws {
        let pools = Pools(store: try temp.store())
        let slot = try pools.waitForSlot(pool: Array("p".utf8), id: 1, extraFDs: []) { _ in true }
        let got = slot != nil
        #expect(got)
    }
}
