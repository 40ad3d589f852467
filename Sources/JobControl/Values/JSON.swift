import JobControlSystem

/// Hand-written JSON for the state file and `ps --json`: on the hot path, and
/// it must carry any bytes. Valid UTF-8 is written as is; every byte that is
/// not part of valid UTF-8 is written as `\udcXX`, Python's surrogateescape,
/// so `os.fsencode(json.loads(s))` gives the original bytes back, and so does
/// `JSONReader` here.
/// A growable byte buffer written through a pointer: JSON is written a
/// byte or a few at a time, and an Array append checks capacity and
/// uniqueness on each (that was a third of `ps --json`).
final class ByteBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }
    deinit { base.deallocate() }

    /// Makes room for `n` more bytes; returns where they go.
    @inline(__always) func reserve(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        if count + n > capacity { grow(count + n) }
        return base + count
    }
    @inline(never) private func grow(_ need: Int) {
        var c = capacity * 2
        while c < need { c *= 2 }
        let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        nb.update(from: base, count: count)
        base.deallocate()
        base = nb
        capacity = c
    }
    @inline(__always) func append(_ b: UInt8) { reserve(1).pointee = b; count += 1 }
    @inline(__always) func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n).update(from: p, count: n)
        count += n
    }
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }
}

public struct JSONWriter {
    let buffer: ByteBuffer
    private var needsComma = false

    public init(capacity: Int = 256) { buffer = ByteBuffer(capacity: capacity) }

    /// What has been written.
    public var bytes: [UInt8] { buffer.bytes }
    public var count: Int { buffer.count }
    /// Starts again, keeping the memory (for a writer reused per chunk).
    public mutating func reset() { buffer.count = 0; needsComma = false }
    /// Writes what has been written to `fd` (not owned), without a copy.
    public func write(to fd: CInt) throws(Errno) {
        try writeAll(fd: fd, UnsafeRawBufferPointer(start: buffer.base, count: buffer.count))
    }
    public func append(_ b: UInt8) { buffer.append(b) }

    public mutating func beginObject() { buffer.append(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { buffer.append(UInt8(ascii: "}")); needsComma = true }

    public mutating func key(_ k: StaticString) {
        let n = k.utf8CodeUnitCount
        var p = buffer.reserve(n + 4)
        if needsComma { p.pointee = UInt8(ascii: ","); p += 1 }
        p.pointee = UInt8(ascii: "\"")
        (p + 1).update(from: k.utf8Start, count: n)
        p[n + 1] = UInt8(ascii: "\"")
        p[n + 2] = UInt8(ascii: ":")
        buffer.count = buffer.base.distance(to: p) + n + 3
        needsComma = true
    }

    public mutating func field(_ k: StaticString, _ v: [UInt8]) { key(k); string(v) }
    public mutating func field(_ k: StaticString, _ v: String) { field(k, Array(v.utf8)) }
    public mutating func field(_ k: StaticString, _ v: Int64) { key(k); int(v) }
    public mutating func field(_ k: StaticString, _ v: Int) { field(k, Int64(v)) }
    public mutating func field(_ k: StaticString, _ v: Int32) { field(k, Int64(v)) }
    public mutating func field(_ k: StaticString, _ v: UInt64) {
        key(k)
        if v <= UInt64(Int64.max) { int(Int64(v)) } else { raw(Array(String(v).utf8)) }
    }
    /// An RFC 3339 timestamp as a JSON string.
    public mutating func timestamp(_ k: StaticString, micros: Int64) {
        key(k)
        let p = buffer.reserve(Timestamp.width + 2)
        p.pointee = 34
        Timestamp.write(micros: micros, to: p + 1)
        p[Timestamp.width + 1] = 34
        buffer.count += Timestamp.width + 2
    }
    /// Ends a line: one object per line.
    public mutating func newline() { buffer.append(10); needsComma = false }

    public mutating func field(_ k: StaticString, _ v: Bool) { key(k); raw(v ? "true" : "false") }
    public mutating func null(_ k: StaticString) { key(k); raw("null") }
    public mutating func field(_ k: StaticString, _ v: [[UInt8]]) {
        key(k)
        buffer.append(UInt8(ascii: "["))
        for (i, s) in v.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: ",")) }
            string(s)
        }
        buffer.append(UInt8(ascii: "]"))
    }

    public mutating func field(_ k: StaticString, _ v: [Int]) {
        key(k)
        buffer.append(UInt8(ascii: "["))
        for (i, n) in v.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: ",")) }
            int(Int64(n))
        }
        buffer.append(UInt8(ascii: "]"))
    }

    func raw(_ s: StaticString) { buffer.append(s.utf8Start, s.utf8CodeUnitCount) }
    func raw(_ b: [UInt8]) { b.withUnsafeBufferPointer { buffer.append($0.baseAddress!, $0.count) } }

    /// Decimal digits without building a String.
    func int(_ v: Int64) {
        if v == Int64.min { raw("-9223372036854775808"); return }
        var m = v < 0 ? -v : v
        var digits = 1
        var t = m
        while t >= 10 { t /= 10; digits += 1 }
        let n = digits + (v < 0 ? 1 : 0)
        let p = buffer.reserve(n)
        if v < 0 { p.pointee = 45 }
        for k in stride(from: n - 1, through: n - digits, by: -1) {
            p[k] = UInt8(48 + m % 10)
            m /= 10
        }
        buffer.count += n
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a JSON string literal: valid UTF-8 as is, `"`, `\\`
    /// and controls escaped, any other byte as `\udcXX`.
    func string(_ s: [UInt8]) {
        s.withUnsafeBufferPointer { b in
            // At most 6 bytes out per byte in (`\udcXX`), and the quotes.
            var o = buffer.reserve(b.count * 6 + 2)
            o.pointee = UInt8(ascii: "\""); o += 1
            var i = 0
            let n = b.count
            while i < n {
                let c = b[i]
                if c >= 0x20 && c < 0x7f && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") {
                    o.pointee = c; o += 1; i += 1
                    continue
                }
                if c < 0x80 {
                    switch c {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"): o[0] = 92; o[1] = c; o += 2
                    case 10: o[0] = 92; o[1] = UInt8(ascii: "n"); o += 2
                    case 9: o[0] = 92; o[1] = UInt8(ascii: "t"); o += 2
                    case 13: o[0] = 92; o[1] = UInt8(ascii: "r"); o += 2
                    default: JSONWriter.escape(0x00, c, &o)
                    }
                    i += 1
                    continue
                }
                let len = JSONWriter.validUTF8Length(b, i)
                if len > 0 {
                    for k in 0..<len { o[k] = b[i + k] }
                    o += len; i += len
                } else {
                    JSONWriter.escape(0xdc, c, &o); i += 1  // surrogateescape: U+DC80...U+DCFF
                }
            }
            o.pointee = UInt8(ascii: "\""); o += 1
            buffer.count = buffer.base.distance(to: o)
        }
    }

    /// `string`, onto an array (for callers outside a writer).
    public static func appendString(_ s: [UInt8], to out: inout [UInt8]) {
        let w = JSONWriter(capacity: s.count * 6 + 2)
        w.string(s)
        out += w.bytes
    }

    private static func escape(_ high: UInt8, _ low: UInt8, _ o: inout UnsafeMutablePointer<UInt8>) {
        o[0] = 92; o[1] = UInt8(ascii: "u")
        o[2] = hex[Int(high >> 4)]; o[3] = hex[Int(high & 15)]
        o[4] = hex[Int(low >> 4)]; o[5] = hex[Int(low & 15)]
        o += 6
    }

    /// Length of the well-formed UTF-8 sequence at `i` (Unicode table 3-7), or 0.
    public static func validUTF8Length(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let c = b[i]
        func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xbf) -> Bool {
            i + k < b.count && b[i + k] >= lo && b[i + k] <= hi
        }
        switch c {
        case 0xc2...0xdf: return cont(1) ? 2 : 0
        case 0xe0: return cont(1, 0xa0) && cont(2) ? 3 : 0
        case 0xe1...0xec, 0xee, 0xef: return cont(1) && cont(2) ? 3 : 0
        case 0xed: return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0
        case 0xf0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
        case 0xf1...0xf3: return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xf4: return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0
        default: return 0
        }
    }
}

/// A value of the flat objects jobctl writes.
public enum JSONValue {
    case string([UInt8])
    /// A string of printable ASCII without escapes, as the bytes of the line
    /// it is in (valid during the visit only): most of what jobctl writes,
    /// read without an allocation. `stringBytes` copies either kind.
    case text(UnsafeBufferPointer<UInt8>)
    case int(Int64)
    case bool(Bool)
    case null
    case strings([[UInt8]])
    /// A non-empty array of integers (an empty array reads as `strings`).
    case ints([Int64])
    case other  // a value of a kind jobctl does not write (from a newer version)

    /// The bytes of a string value, of either kind.
    public var stringBytes: [UInt8]? {
        switch self {
        case .string(let s): return s
        case .text(let t): return Array(t)
        default: return nil
        }
    }
}

/// Reads one line holding a flat JSON object. Returns nil for anything that
/// is not well-formed, so that a torn or corrupt line is skipped, not fatal.
public struct JSONReader {
    let b: UnsafeBufferPointer<UInt8>
    var i: Int

    /// Calls `visit` with each key's bytes and its value.
    public static func parseObject(_ line: UnsafeBufferPointer<UInt8>,
                                   _ visit: (UnsafeBufferPointer<UInt8>, JSONValue) -> Void) -> Bool {
        var r = JSONReader(b: line, i: 0)
        return r.object(visit) && r.trailer()
    }

    mutating func ws() { while i < b.count, b[i] == 32 || b[i] == 9 || b[i] == 13 || b[i] == 10 { i += 1 } }
    mutating func eat(_ c: UInt8) -> Bool {
        ws()
        if i < b.count && b[i] == c { i += 1; return true }
        return false
    }

    mutating func object(_ visit: (UnsafeBufferPointer<UInt8>, JSONValue) -> Void) -> Bool {
        guard eat(UInt8(ascii: "{")) else { return false }
        if eat(UInt8(ascii: "}")) { return true }
        while true {
            ws()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { return false }
            // Keys are plain ASCII in every format jobctl writes: take the raw span.
            let start = i + 1
            guard let end = b[start...].firstIndex(of: UInt8(ascii: "\"")) else { return false }
            let key = UnsafeBufferPointer(rebasing: b[start..<end])
            i = end + 1
            guard eat(UInt8(ascii: ":")), let v = value() else { return false }
            visit(key, v)
            if eat(UInt8(ascii: ",")) { continue }
            return eat(UInt8(ascii: "}"))
        }
    }

    mutating func trailer() -> Bool { ws(); return i == b.count }

    mutating func value() -> JSONValue? {
        ws()
        guard i < b.count else { return nil }
        switch b[i] {
        case UInt8(ascii: "\""):
            if let t = plainText() { return .text(t) }
            return string().map { .string($0) }
        case UInt8(ascii: "["):
            i += 1
            var items: [[UInt8]] = []
            if eat(UInt8(ascii: "]")) { return .strings(items) }
            var ints: [Int64] = []
            var allStrings = true, allInts = true
            while true {
                ws()
                if i < b.count && b[i] == UInt8(ascii: "\"") {
                    guard let s = string() else { return nil }
                    items.append(s)
                    allInts = false
                } else {
                    guard let v = value() else { return nil }
                    if case .int(let n) = v { ints.append(n) } else { allInts = false }
                    allStrings = false
                }
                if eat(UInt8(ascii: ",")) { continue }
                guard eat(UInt8(ascii: "]")) else { return nil }
                return allStrings ? .strings(items) : allInts ? .ints(ints) : .other
            }
        case UInt8(ascii: "{"):
            // Not a kind jobctl writes; a newer version may: parse and skip it.
            return object { _, _ in } ? .other : nil
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        default: return number()
        }
    }

    /// A string literal of printable ASCII with no escape, as a span; nil
    /// (and nothing consumed) for any other, which `string()` decodes.
    mutating func plainText() -> UnsafeBufferPointer<UInt8>? {
        var k = i + 1
        while k < b.count {
            let c = b[k]
            if c == UInt8(ascii: "\"") {
                let t = UnsafeBufferPointer(rebasing: b[(i + 1)..<k])
                i = k + 1
                return t
            }
            if c < 0x20 || c >= 0x7f || c == UInt8(ascii: "\\") { return nil }
            k += 1
        }
        return nil
    }

    mutating func literal(_ word: StaticString, _ v: JSONValue) -> JSONValue? {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return nil }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { return nil }
        i += n
        return v
    }

    mutating func number() -> JSONValue? {
        var neg = false
        if b[i] == UInt8(ascii: "-") { neg = true; i += 1 }
        var v: Int64 = 0
        let start = i
        while i < b.count, b[i] >= 48 && b[i] <= 57 {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(b[i] - 48))
            if o1 || o2 { return nil }
            v = s
            i += 1
        }
        if i == start { return nil }
        if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            while i < b.count, (b[i] >= 48 && b[i] <= 57) || b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")
                || b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") { i += 1 }
            return .other
        }
        return .int(neg ? -v : v)
    }

    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 48...57: return UInt32(c - 48)
        case 97...102: return UInt32(c - 87)
        case 65...70: return UInt32(c - 55)
        default: return nil
        }
    }

    mutating func hex4() -> UInt32? {
        guard i + 4 <= b.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            guard let h = JSONReader.hexValue(b[i + k]) else { return nil }
            v = v << 4 | h
        }
        i += 4
        return v
    }

    mutating func string() -> [UInt8]? {
        i += 1  // opening quote
        var out: [UInt8] = []
        // Fast path: a run without escapes is copied whole.
        var runStart = i
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                out.append(contentsOf: b[runStart..<i])
                i += 1
                return out
            }
            if c < 0x20 { return nil }
            if c != UInt8(ascii: "\\") { i += 1; continue }
            out.append(contentsOf: b[runStart..<i])
            i += 1
            guard i < b.count else { return nil }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "u"):
                guard var u = hex4() else { return nil }
                if u >= 0xdc80 && u <= 0xdcff {
                    out.append(UInt8(u & 0xff))  // surrogateescape: the original byte
                } else {
                    if u >= 0xd800 && u <= 0xdbff {
                        // A high surrogate must be followed by a low one.
                        guard i + 6 <= b.count, b[i] == 92, b[i + 1] == UInt8(ascii: "u") else { return nil }
                        i += 2
                        guard let lo = hex4(), lo >= 0xdc00 && lo <= 0xdfff else { return nil }
                        u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00)
                    } else if u >= 0xdc00 && u <= 0xdfff {
                        return nil
                    }
                    appendUTF8(u, &out)
                }
            default: return nil
            }
            runStart = i
        }
        return nil
    }

    func appendUTF8(_ u: UInt32, _ out: inout [UInt8]) {
        switch u {
        case 0..<0x80: out.append(UInt8(u))
        case 0x80..<0x800: out.append(contentsOf: [UInt8(0xc0 | u >> 6), UInt8(0x80 | u & 0x3f)])
        case 0x800..<0x10000:
            out.append(contentsOf: [UInt8(0xe0 | u >> 12), UInt8(0x80 | (u >> 6) & 0x3f), UInt8(0x80 | u & 0x3f)])
        default:
            out.append(contentsOf: [UInt8(0xf0 | u >> 18), UInt8(0x80 | (u >> 12) & 0x3f),
                                    UInt8(0x80 | (u >> 6) & 0x3f), UInt8(0x80 | u & 0x3f)])
        }
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Compares with an ASCII literal without building a String.
    @inline(__always)
    func equals(_ s: StaticString) -> Bool {
        count == s.utf8CodeUnitCount && ByteSearch.equal(baseAddress!, s.utf8Start, count: count)
    }
}
