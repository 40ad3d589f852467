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

    /// The bytes the state file and ps --json get are the text `format`
    /// gives, for the first and last microsecond of a second, a day, a
    /// leap day, the epoch, and far from it.
    @Test(arguments: [Int64(0), 1, 999_999, 1_000_000, 86_399_999_999, 86_400_000_000, 951_782_400_000_000,
                      1_764_091_488_123_456, 253_402_300_799_999_999])
    func appendWritesWhatFormatSays(_ micros: Int64) {
        var out: [UInt8] = [UInt8(ascii: "x")]
        Timestamp.append(micros: micros, to: &out)
        #expect(String(decoding: out.dropFirst(), as: UTF8.self) == Timestamp.format(micros: micros))
        #expect(out.first == UInt8(ascii: "x"))
        #expect(Timestamp.parse(Array(out.dropFirst())) == micros)
        // Parsed in place, from a span of a longer line, too.
        let line = Array("\"".utf8) + out.dropFirst() + Array("\",".utf8)
        let got = line.withUnsafeBufferPointer { Timestamp.parse(UnsafeBufferPointer(rebasing: $0[1..<(line.count - 2)])) }
        #expect(got == micros)
    }

    @Test func rejectsGarbage() {
        #expect(Timestamp.parse(Array("2025-11-25T17:24:48".utf8)) == nil)
        #expect(Timestamp.parse(Array("yesterday at noon...Z".utf8)) == nil)
    }
}
