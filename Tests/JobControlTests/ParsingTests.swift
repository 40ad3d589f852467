import Testing
@testable import JobControl

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

@Suite struct TimestampTests {
    @Test func roundTrip() {
        for micros: Int64 in [0, 1, 999_999, 1_764_091_488_123_456, 951_782_400_000_000, 4_102_444_800_000_000] {
            let s = Timestamp.format(micros: micros)
            #expect(Timestamp.parse(Array(s.utf8)) == micros, "\(s)")
        }
        #expect(Timestamp.format(micros: 1_764_091_488_123_456) == "2025-11-25T17:24:48.123456Z")
        #expect(Timestamp.format(micros: 951_782_400_000_000) == "2000-02-29T00:00:00.000000Z")
    }

    @Test func rejectsGarbage() {
        #expect(Timestamp.parse(Array("2025-11-25T17:24:48".utf8)) == nil)
        #expect(Timestamp.parse(Array("yesterday at noon...Z".utf8)) == nil)
    }
}

@Suite struct KillRequestTests {
    @Test func payloadRoundTrip() {
        for r in [KillRequest(signal: 15, grace: 10_000_000_000), KillRequest(signal: 9, grace: nil),
                  KillRequest(signal: 1, grace: 0), KillRequest(signal: 64, grace: 86_400_000_000_000)] {
            #expect(KillRequest(payload: r.payload) == r)
        }
    }
}

@Suite struct ExitStatusTests {
    @Test func shellConvention() {
        #expect(ExitStatus(code: 7).shellStatus == 7)
        #expect(ExitStatus(code: -15).shellStatus == 143)
        #expect(ExitStatus(code: -9).shellStatus == 137)
        #expect(ExitStatus(waitStatus: 7 << 8).code == 7)
        #expect(ExitStatus(waitStatus: 9).code == -9)
    }
}
