import JobControlSystem

/// The state directory's subdirectories: `logs`, `locks`, `queues`,
/// `pools`, `pipes`, each made on first use.
extension StateStore {
    /// Opens `components` below the state directory (`["queues", name]`),
    /// creating each level with mode 0700 on first use and never following
    /// a symlink planted at any level.
    public func subdirectory(_ components: [[UInt8]]) throws(JobctlError) -> FileDescriptor {
        precondition(!components.isEmpty)
        var here = path + [UInt8(ascii: "/")] + components[0]
        var d = try openOrMake(components[0], in: dir, shown: display(here))
        for c in components.dropFirst() {
            here += [UInt8(ascii: "/")] + c
            d = try openOrMake(c, in: d, shown: display(here))
        }
        return d
    }

    /// Opens directory `name` in `parent`, making it first if it is
    /// missing; one that another process makes in between is used as it is.
    private func openOrMake(_ name: [UInt8], in parent: borrowing FileDescriptor, shown here: String) throws(JobctlError) -> FileDescriptor {
        do throws(Errno) {
            return try parent.open(name, [.readOnly, .directory])
        } catch where error == .noEntry {
            do throws(Errno) { try parent.makeDirectory(name) }
            catch where error == .exists {}
            catch { throw .system("cannot create directory \(here)", error) }
            return try attempt("cannot open \(here)") { () throws(Errno) in try parent.open(name, [.readOnly, .directory]) }
        } catch {
            throw .system("cannot open \(here)", error)
        }
    }

    /// The names in a subdirectory of the state directory (`locks`,
    /// `queues`, `pools`), as bytes, sorted; hidden ones left out. None if
    /// it does not exist yet.
    public func names(in subdirectory: String) -> [[UInt8]] {
        ((try? dir.entries(of: subdirectory)) ?? []).map(\.name).filter { $0.first != UInt8(ascii: ".") }
            .sorted { $0.lexicographicallyPrecedes($1) }
    }
}
