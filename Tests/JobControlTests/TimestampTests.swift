import Testing
@testable import JobControl
import JobControlSystem

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
