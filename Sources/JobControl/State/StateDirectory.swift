import JobControlSystem

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
            guard let s = Processes.environment(k), !s.isEmpty else { return nil }
            return s
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
        let me = Processes.effectiveUser
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
            let st: FileStatus
            do throws(Errno) { st = try dir.status(of: c) } catch {
                guard error == .noEntry, !linked else { throw .system("cannot use \(display(here))", error) }
                do throws(Errno) { try dir.makeDirectory(c) } catch where error == .exists {} catch {
                    throw .system("cannot create directory \(display(here))", error)
                }
                pending.append((c, false))  // look at what is there now
                continue
            }
            if st.kind == .symbolicLink {
                guard st.owner == me || st.owner == 0 else {
                    throw .failure("\(display(here)) is a symbolic link owned by uid \(st.owner), not by you (uid \(me)): refusing to follow it")
                }
                links += 1
                guard links <= 40 else { throw .system("cannot use \(display(here))", .tooManyLinks) }
                let target = try attempt("cannot read the link \(display(here))") { () throws(Errno) in try dir.readLink(c) }
                if target.first == slash {
                    dir = try openRoot()
                    shown = []
                }
                pending += target.split(separator: slash).map { (Array($0), true) }.reversed()
                continue
            }
            guard st.kind == .directory else {
                throw .failure("\(display(here)) is not a directory")
            }
            let last = pending.isEmpty
            if last {
                if st.owner != me {
                    throw .failure("state directory \(display(here)) is owned by uid \(st.owner), not by you (uid \(me)): refusing to use it")
                }
                if st.permissions & 0o022 != 0 {
                    throw .failure("state directory \(display(here)) is writable by group or others (mode \(String(st.permissions & 0o777, radix: 8))): refusing to use it; chmod 700 it")
                }
            } else if c != [46, 46] {
                try checkOnTheWay(here, st, me: me)
            }
            let opened = try attempt("cannot open \(display(here))") { () throws(Errno) in try dir.open(c, [.readOnly, .directory]) }
            let now = try attempt("cannot open \(display(here))") { () throws(Errno) in try opened.status() }
            guard now.device == st.device && now.inode == st.inode else {
                throw .failure("\(display(here)) changed while it was being checked: refusing it")
            }
            dir = opened
            shown = here
        }
        return dir
    }

    static func openRoot() throws(JobctlError) -> FileDescriptor {
        try attempt("cannot open /") { () throws(Errno) in try FileDescriptor.open([UInt8(ascii: "/")], [.readOnly, .directory]) }
    }

    /// A directory the state directory lies below: root's or the caller's,
    /// and nobody else may change it (but for a sticky one of root's).
    static func checkOnTheWay(_ here: [UInt8], _ st: FileStatus, me: UInt32) throws(JobctlError) {
        guard st.owner == me || st.owner == 0 else {
            throw .failure("\(display(here)) is owned by uid \(st.owner), who could replace the state directory below it: refusing to use it")
        }
        let sticky = st.isSticky && st.owner == 0
        if st.permissions & 0o022 != 0 && !sticky {
            throw .failure("\(display(here)) is writable by group or others (mode \(String(st.permissions & 0o777, radix: 8))), who could replace the state directory below it: refusing to use it")
        }
    }

    /// The working directory as bytes.
    static func currentDirectory() throws(JobctlError) -> [UInt8] {
        try attempt("cannot get the current directory") { () throws(Errno) in try Processes.currentDirectory() }
    }
}
