import JobControlSystem
/// One way to show bytes that came from outside (names, arguments, paths,
/// operands) on a terminal or in a message: always one line, and nothing in
/// it acts as a control. C0 controls and DEL become `\n`, `\t`, `\r` or
/// `\xNN`; bytes that are not UTF-8 become `\xNN`; C1 controls (U+0080 to
/// U+009F, which some terminals obey as CSI and the like), bidirectional
/// overrides and isolates, and line or paragraph separators become
/// `\u{XXXX}`. Everything else, backslashes included, is shown as it is.
public func escaped(_ b: [UInt8]) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(b.count)
    func hex(_ v: UInt32, _ digits: Int) {
        let h = Array("0123456789abcdef".utf8)
        for k in (0..<digits).reversed() { out.append(h[Int((v >> (4 * UInt32(k))) & 15)]) }
    }
    b.withUnsafeBufferPointer { p in
        var i = 0
        while i < p.count {
            let c = p[i]
            if c >= 0x20 && c < 0x7f { out.append(c); i += 1; continue }
            if c < 0x80 {
                switch c {
                case 10: out += [92, UInt8(ascii: "n")]
                case 9: out += [92, UInt8(ascii: "t")]
                case 13: out += [92, UInt8(ascii: "r")]
                default: out += [92, UInt8(ascii: "x")]; hex(UInt32(c), 2)
                }
                i += 1
                continue
            }
            let n = JSONWriter.validUTF8Length(p, i)
            if n == 0 {
                out += [92, UInt8(ascii: "x")]
                hex(UInt32(c), 2)
                i += 1
                continue
            }
            var scalar = UInt32(c) & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07)
            for k in 1..<n { scalar = scalar << 6 | UInt32(p[i + k] & 0x3f) }
            if isUnsafeScalar(scalar) {
                out += Array("\\u{".utf8)
                hex(scalar, 4)
                out.append(UInt8(ascii: "}"))
            } else {
                out.append(contentsOf: p[i..<i + n])
            }
            i += n
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// Scalars a terminal may act on, or that reorder or break the line.
func isUnsafeScalar(_ u: UInt32) -> Bool {
    switch u {
    case 0x80...0x9f,          // C1 controls
         0x061c, 0x200e, 0x200f,  // bidi marks
         0x2028, 0x2029,        // line and paragraph separators
         0x202a...0x202e,       // bidi embeddings and overrides
         0x2066...0x2069:       // bidi isolates
        return true
    default:
        return false
    }
}

/// Bytes as they are shown in a message: escaped (see `escaped`), so that
/// any name or path is one line, and nothing in it reaches the terminal as
/// a control.
public func display(_ b: [UInt8]) -> String { escaped(b) }
