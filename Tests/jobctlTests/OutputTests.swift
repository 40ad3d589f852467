import Testing
@testable import jobctl
import JobControl


@Suite struct OutputTests {
    @Test func elapsedReadsLikeAHuman() {
        #expect(humanElapsed(3_200_000) == "3.2s")
        #expect(humanElapsed(0) == "0.0s")
        #expect(humanElapsed(245_000_000) == "4m05s")
        #expect(humanElapsed(7_260_000_000) == "2h01m")
        #expect(humanElapsed(2 * 86_400_000_000 + 3_600_000_000) == "2d01h")
    }

    @Test func tableColumnsAlignForAnyNameWidth() {
        var a = Job(id: 1, name: Array("a".utf8)); a.pid = 10; a.command = [Array("x".utf8)]
        var b = Job(id: 123, name: Array("a-much-longer-name".utf8)); b.pid = 123456; b.command = [Array("y".utf8)]
        b.exit = ExitStatus(code: -15); b.ended = 0
        let lines = renderTable([(a, .running), (b, .killed)], now: 0).split(separator: "\n").map(String.init)
        let col = { (l: String, word: String) in l.firstRange(of: word).map { l.distance(from: l.startIndex, to: $0.lowerBound) } }
        #expect(col(lines[0], "STATE") == col(lines[1], "running"))
        #expect(col(lines[0], "STATE") == col(lines[2], "killed"))
        #expect(col(lines[0], "COMMAND") == col(lines[1], "x"))
    }

    @Test func controlBytesAreShownEscaped() {
        #expect(printable(Array("a\nb\t\u{1}".utf8)) == "a\\nb\\t\\x01")
        #expect(printable([0x61, 0xff]) == "a\\xff")
        #expect(printable(Array("é".utf8)) == "é")
    }
}
