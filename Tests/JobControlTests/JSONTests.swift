import Testing
@testable import JobControl
import JobControlSystem

func encodeString(_ b: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    JSONWriter.appendString(b, to: &out)
    return out
}

func decodeString(_ json: [UInt8]) -> [UInt8]? {
    var got: [UInt8]?
    let line = Array("{\"k\":".utf8) + json + Array("}".utf8)
    let ok = line.withUnsafeBufferPointer { b in
        JSONReader.parseObject(b) { _, v in if let s = v.stringBytes { got = s } }
    }
    return ok ? got : nil
}

@Suite struct JSONTests {
    @Test func escapesWhatJSONRequires() {
        #expect(encodeString(Array("a\"b\\c\n\t\u{1}".utf8)) == Array(#""a\"b\\c\n\t\u0001""#.utf8))
        #expect(encodeString(Array("é✓😀".utf8)) == Array("\"é✓😀\"".utf8))
        #expect(encodeString([0x62, 0xff, 0xfe]) == Array(#""b\udcff\udcfe""#.utf8))
        // An overlong encoding and a lone surrogate are not valid UTF-8.
        #expect(encodeString([0xc0, 0xaf]) == Array(#""\udcc0\udcaf""#.utf8))
        #expect(encodeString([0xed, 0xa0, 0x80]) == Array(#""\udced\udca0\udc80""#.utf8))
    }

    @Test func everyByteRoundTrips() {
        var all: [UInt8] = Array(0...255)
        all += [0xe2, 0x9c, 0x93, 0xf0, 0x9f, 0x98, 0x80, 0xe2, 0x9c]  // valid, then truncated
        #expect(decodeString(encodeString(all)) == all)
        // Seeded random byte strings, a bounded number of them.
        var rng = SplitMix(seed: 42)
        for _ in 0..<2000 {
            let s = (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(decodeString(encodeString(s)) == s)
        }
    }

    @Test func readsStandardEscapes() {
        #expect(decodeString(Array(#""\u00e9\ud83d\ude00\/\b\f""#.utf8)) == Array("é😀/\u{8}\u{c}".utf8))
        #expect(decodeString(Array(#""\ud800""#.utf8)) == nil)       // a high surrogate alone
        #expect(decodeString(Array(#""\x""#.utf8)) == nil)
        #expect(decodeString(Array("\"raw\ncontrol\"".utf8)) == nil)
    }

    @Test func readerRejectsMalformedObjects() {
        for text in ["", "{", "{\"a\":}", "{\"a\":1,}", "{\"a\":1} x", "[1]", "{\"a\":tru}", "{\"a\":99999999999999999999}"] {
            let ok = Array(text.utf8).withUnsafeBufferPointer { JSONReader.parseObject($0) { _, _ in } }
            #expect(!ok, "\(text)")
        }
        let nested = Array(#"{"a":{"b":[1,{"c":2.5e3}]},"id":3}"#.utf8)
        #expect(nested.withUnsafeBufferPointer { JSONReader.parseObject($0) { _, _ in } })
    }
}

/// A small deterministic generator: tests that use random input repeat.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
