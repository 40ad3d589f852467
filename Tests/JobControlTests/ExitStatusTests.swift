import Testing
@testable import JobControl
import JobControlSystem

@Suite struct ExitStatusTests {
    @Test func shellConvention() {
        #expect(ExitStatus(code: 7).shellStatus == 7)
        #expect(ExitStatus(code: -15).shellStatus == 143)
        #expect(ExitStatus(code: -9).shellStatus == 137)
        #expect(ExitStatus(WaitStatus(rawValue: 7 << 8)).code == 7)
        #expect(ExitStatus(WaitStatus(rawValue: 9)).code == -9)
    }
}
