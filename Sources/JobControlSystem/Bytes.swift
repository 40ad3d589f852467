import CJobControl
import Glibc

/// Converts byte strings into a NULL-terminated C array that lives until
/// `body` returns.
func withCStringArray<R>(_ strings: [[UInt8]], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var ptrs: [UnsafeMutablePointer<CChar>?] = strings.map { s in
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: s.count + 1)
        s.withUnsafeBufferPointer { b in
            for i in 0..<s.count { p[i] = CChar(bitPattern: b[i]) }
        }
        p[s.count] = 0
        return p
    }
    ptrs.append(nil)
    defer { for p in ptrs { p?.deallocate() } }
    return ptrs.withUnsafeBufferPointer { body($0.baseAddress!) }
}

extension Array where Element == UInt8 {
    /// The bytes as a NUL-terminated C string while `body` runs: paths and
    /// names reach the system exactly, whether or not they are UTF-8.
    func withCString<R, E: Error>(_ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R {
        var z = self
        z.append(0)
        return try z.withUnsafeBufferPointer { (b) throws(E) -> R in
            try b.withMemoryRebound(to: CChar.self) { (c) throws(E) -> R in try body(c.baseAddress!) }
        }
    }
}

/// The bytes of a C string.
func bytes(_ p: UnsafePointer<CChar>) -> [UInt8] {
    let n = strlen(p)
    return p.withMemoryRebound(to: UInt8.self, capacity: n) { Array(UnsafeBufferPointer(start: $0, count: n)) }
}

/// Byte searches the C library does fastest (memchr and memrchr use SIMD).
public enum ByteSearch {
    /// The offset of the first `byte` in `b`, or nil.
    @inline(__always)
    public static func first(_ byte: UInt8, in b: UnsafeRawBufferPointer) -> Int? {
        guard let base = b.baseAddress, let hit = memchr(base, Int32(byte), b.count) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }
    /// The offset of the last `byte` in `b`, or nil.
    @inline(__always)
    public static func last(_ byte: UInt8, in b: UnsafeRawBufferPointer) -> Int? {
        guard let base = b.baseAddress, let hit = jc_memrchr(base, Int32(byte), b.count) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }
    /// Do the `count` bytes at `a` and `b` match?
    @inline(__always)
    public static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        memcmp(a, b, count) == 0
    }
}
