import Glibc

/// Finding and opening the per-user state directory safely.
///
/// The path is bytes end to end (a directory name need not be UTF-8), and it
/// is opened one component at a time, as sshd's StrictModes checks a path:
/// every directory on the way must belong to root or to the caller and be
/// writable by nobody else (a root-owned sticky directory such as /tmp is
/// fine on the way, since nobody can replace what the caller owns in it), a
/// symbolic link is followed only if root or the caller owns it, and the
/// state directory itself must be the caller's and private. Each component
/// is opened relative to the one before with O_NOFOLLOW and checked by the
/// descriptor, so nothing can be swapped in between the check and the use.
public enum StateDirectory {
    /// `--state-dir`, else `$JOBCTL_STATE_DIR`, else
    /// `${XDG_STATE_HOME:-$HOME/.local/state}/jobctl`, made absolute.
    public static func resolvePath(option: [UInt8]?) throws(JobctlError) -> [UInt8] {
        func env(_ k: String) -> [UInt8]? {
            guard let v = getenv(k) else { return nil }
            let s = bytes(v)
            return s.isEmpty ? nil : s
        }
        var p: [UInt8]
        if let o = option {
            guard !o.isEmpty else { throw .usage("--state-dir needs a directory") }
            p = o
        } else if let e = env("JOBCTL_STATE_DIR") {
            p = e
        } else if let x = env("XDG_STATE_HOME"), x.first == slash {
            p = x + Array("/jobctl".utf8)
        } else if let h = env("HOME") {
            p = h + Array("/.local/state/jobctl".utf8)
        } else {
            throw .failure("cannot find a state directory: set JOBCTL_STATE_DIR or HOME")
        }
        if p.first != slash { p = try currentDirectory() + [slash] + p }
        while p.count > 1 && p.last == slash { p.removeLast() }
        return p
    }

    static let slash = UInt8(ascii: "/")

    /// Opens the directory at `path` (absolute), creating what is missing
    /// with mode 0700 as `mkdir -p` would, and checks every step.
    static func open(_ path: [UInt8]) throws(JobctlError) -> FileDescriptor {
        let me = geteuid()
        var dir = try openRoot()
        // Components still to walk, last first; those that came from a link's
        // target are never created (as `mkdir -p` does not create the target
        // of a dangling link).
        var pending: [(name: [UInt8], linked: Bool)] = path.split(separator: slash).map { (Array($0), false) }.reversed()
        var shown: [UInt8] = []
        var links = 0
        while let (c, linked) = pending.popLast() {
            if c == [46] { continue }
            let here = shown + [slash] + c
            var st = stat()
            if c.withCString({ fstatat(dir.rawValue, $0, &st, AT_SYMLINK_NOFOLLOW) }) != 0 {
                let e = Errno.current
                guard e.rawValue == ENOENT, !linked else { throw .system("cannot use \(display(here))", e) }
                if c.withCString({ mkdirat(dir.rawValue, $0, 0o700) }) != 0 && errno != EEXIST {
                    throw .system("cannot create directory \(display(here))", .current)
                }
                pending.append((c, false))  // look at what is there now
                continue
            }
            if st.st_mode & S_IFMT == S_IFLNK {
                guard st.st_uid == me || st.st_uid == 0 else {
                    throw .failure("\(display(here)) is a symbolic link owned by uid \(st.st_uid), not by you (uid \(me)): refusing to follow it")
                }
                links += 1
                guard links <= 40 else { throw .system("cannot use \(display(here))", Errno(rawValue: ELOOP)) }
                var buf = [UInt8](repeating: 0, count: Int(PATH_MAX))
                let n = c.withCString { p in buf.withUnsafeMutableBytes { readlinkat(dir.rawValue, p, $0.baseAddress!, $0.count) } }
                if n < 0 { throw .system("cannot read the link \(display(here))", .current) }
                let target = Array(buf[0..<n])
                if target.first == slash {
                    dir = try openRoot()
                    shown = []
                }
                pending += target.split(separator: slash).map { (Array($0), true) }.reversed()
                continue
            }
            guard st.st_mode & S_IFMT == S_IFDIR else {
                throw .failure("\(display(here)) is not a directory")
            }
            let last = pending.isEmpty
            if last {
                if st.st_uid != me {
                    throw .failure("state directory \(display(here)) is owned by uid \(st.st_uid), not by you (uid \(me)): refusing to use it")
                }
                if st.st_mode & 0o022 != 0 {
                    throw .failure("state directory \(display(here)) is writable by group or others (mode \(String(st.st_mode & 0o777, radix: 8))): refusing to use it; chmod 700 it")
                }
            } else if c != [46, 46] {
                try checkOnTheWay(here, st, me: me)
            }
            let next = c.withCString { openat(dir.rawValue, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            if next < 0 { throw .system("cannot open \(display(here))", .current) }
            let opened = FileDescriptor(rawValue: next)
            var now = stat()
            fstat(opened.rawValue, &now)
            guard now.st_dev == st.st_dev && now.st_ino == st.st_ino else {
                throw .failure("\(display(here)) changed while it was being checked: refusing it")
            }
            dir = opened
            shown = here
        }
        return dir
    }

    static func openRoot() throws(JobctlError) -> FileDescriptor {
        let fd = Glibc.open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw .system("cannot open /", .current) }
        return FileDescriptor(rawValue: fd)
    }

    /// A directory the state directory lies below: root's or the caller's,
    /// and nobody else may change it (but for a sticky one of root's).
    static func checkOnTheWay(_ here: [UInt8], _ st: stat, me: uid_t) throws(JobctlError) {
        guard st.st_uid == me || st.st_uid == 0 else {
            throw .failure("\(display(here)) is owned by uid \(st.st_uid), who could replace the state directory below it: refusing to use it")
        }
        let sticky = st.st_mode & S_ISVTX != 0 && st.st_uid == 0
        if st.st_mode & 0o022 != 0 && !sticky {
            throw .failure("\(display(here)) is writable by group or others (mode \(String(st.st_mode & 0o777, radix: 8))), who could replace the state directory below it: refusing to use it")
        }
    }

    /// The working directory as bytes.
    static func currentDirectory() throws(JobctlError) -> [UInt8] {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buf, buf.count) != nil else { throw .system("cannot get the current directory", .current) }
        return buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    }
}
