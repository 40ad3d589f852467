import Glibc

/// Every system call jobctl makes goes through `valueOrErrno`, as in
/// swift-system's Internals/Syscalls.swift: -1 becomes a thrown `Errno`,
/// and EINTR is retried, the same way everywhere.
@inline(__always)
func valueOrErrno<T: FixedWidthInteger>(_ name: StaticString, retryOnInterrupt: Bool = true,
                                        _ call: () -> T) throws(Errno) -> T {
    while true {
        #if DEBUG
        if let fault = SystemFaults.check(name) { throw fault }
        #endif
        let r = call()
        if r != -1 { return r }
        let e = Errno.current
        if e == .interrupted && retryOnInterrupt { continue }
        throw e
    }
}

/// `valueOrErrno` for calls whose result means nothing beyond success.
@inline(__always)
func nothingOrErrno<T: FixedWidthInteger>(_ name: StaticString, retryOnInterrupt: Bool = true,
                                          _ call: () -> T) throws(Errno) {
    _ = try valueOrErrno(name, retryOnInterrupt: retryOnInterrupt, call)
}

#if DEBUG
/// A hook to make a system call fail in a test, as swift-system's
/// MockTestCase does: for the paths only a broken machine takes (ENOSPC on
/// an exit record, EMFILE in `wait`). Debug builds only; the hook is a task
/// local, so a test's faults reach only the code it runs.
public enum SystemFaults {
    /// Asked before each call, by the call's C name (`"write"`, `"flock"`):
    /// an `Errno` makes the call fail with it, untried; nil lets it run.
    public typealias Injector = @Sendable (String) -> Errno?
    @TaskLocal public static var injector: Injector?

    static func check(_ name: StaticString) -> Errno? {
        guard let f = injector else { return nil }
        return f(name.description)
    }

    /// Runs `body` with `injector` asked before every system call it makes.
    public static func with<R>(_ injector: @escaping Injector, _ body: () throws -> R) rethrows -> R {
        try $injector.withValue(injector, operation: body)
    }
}
#endif
