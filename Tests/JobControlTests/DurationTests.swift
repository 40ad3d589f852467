import Testing
@testable import JobControl
import JobControlSystem

@Suite struct DurationTests {
    @Test(arguments: [
        ("0", Int64(0)), ("1", 1_000_000_000), ("1.5", 1_500_000_000), ("250ms", 250_000_000),
        ("2m", 120_000_000_000), ("1h", 3_600_000_000_000), ("1d", 86_400_000_000_000),
        (".5s", 500_000_000), ("0.001", 1_000_000), ("10s", 10_000_000_000), ("1.", 1_000_000_000),
    ])
    func accepts(_ text: String, _ ns: Int64) throws {
        #expect(try JobDuration(parsing: text).nanoseconds == ns)
    }

    @Test(arguments: ["", "-1", "1x", "NaN", "inf", "1e3", "+1", " 1", "1 s", ".", "s", "1..2",
                      "99999999999999999999", "36501d", "1.5.5", "0x10", "١"])
    func rejects(_ text: String) {
        #expect(throws: JobctlError.self) { try JobDuration(parsing: text) }
        do { _ = try JobDuration(parsing: text) } catch { #expect(error.exitCode == 2) }
    }
}
