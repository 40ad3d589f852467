import Testing
@testable import JobControl
import JobControlSystem

@Suite struct SignalTests {
    @Test(arguments: [("TERM", Int32(15)), ("SIGTERM", 15), ("term", 15), ("sigkill", 9), ("9", 9),
                      ("0", 0), ("HUP", 1), ("usr1", 10), ("RTMIN", 34), ("RTMIN+2", 36), ("RTMAX", 64),
                      ("RTMAX-1", 63), ("64", 64)])
    func accepts(_ text: String, _ n: Int32) throws {
        #expect(try Signal(parsing: text).rawValue == n)
    }

    @Test(arguments: ["99", "65", "-1", "FOO", "SIG", "", "RTMIN+40", "1.5", "0009999", "32"])
    func rejects(_ text: String) {
        #expect(throws: JobctlError.self) { try Signal(parsing: text) }
    }

    @Test func names() throws {
        #expect(Signal(rawValue: 15).name == "TERM")
        #expect(Signal(rawValue: 40).name == "40")
    }
}
