import Testing
@testable import jobctl
import JobControl

func args(_ a: String...) -> [[UInt8]] { a.map { Array($0.utf8) } }
func spec(_ name: String) -> CommandSpec { commands.first { $0.name == name }! }

@Suite struct OptionsTests {
    @Test func longShortGluedAndBundled() throws {
        let p = try parse(args("-n", "a", "--timeout=2s", "-dC/tmp", "--", "sleep", "-n", "5"), spec("spawn"))
        #expect(p.value("name") == "a")
        #expect(p.value("timeout") == "2s")
        #expect(p.has("daemon"))
        #expect(p.value("directory") == "/tmp")
        #expect(p.operandStrings == ["sleep", "-n", "5"])
    }

    @Test func optionsStopAtTheCommand() throws {
        let p = try parse(args("-nfoo", "ls", "-l", "--color"), spec("spawn"))
        #expect(p.value("name") == "foo")
        #expect(p.operandStrings == ["ls", "-l", "--color"])
    }

    @Test func killSignalShorthand() throws {
        #expect(try parse(args("-9", "3"), spec("kill")).signalShorthand == "9")
        #expect(try parse(args("-TERM", "3"), spec("kill")).signalShorthand == "TERM")
        #expect(try parse(args("-s", "HUP", "3"), spec("kill")).value("signal") == "HUP")
        #expect(try parse(args("-h"), spec("kill")).has("help"))
    }

    @Test func repeatableCollects() throws {
        let p = try parse(args("-e", "A=1", "--env=B=2", "true"), spec("spawn"))
        #expect(p.all("env").map { String(decoding: $0, as: UTF8.self) } == ["A=1", "B=2"])
    }

    @Test func errorsAreUsageErrors() {
        #expect(throws: JobctlError.usage("unknown option '--jsn'; did you mean '--json'?")) {
            try parse(args("--jsn"), spec("ps"))
        }
        #expect(throws: JobctlError.usage("unknown option '-Z'")) { try parse(args("-Z"), spec("ps")) }
        #expect(throws: JobctlError.usage("option '--timeout' needs a value <duration>")) {
            try parse(args("--timeout"), spec("wait"))
        }
        #expect(throws: JobctlError.usage("option '--json' takes no value")) { try parse(args("--json=1"), spec("ps")) }
    }

    @Test func helpFitsAndListsEveryOption() {
        for c in commands {
            let text = helpText(c)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count < 40, "\(c.name)")
            #expect(lines.allSatisfy { $0.count <= 80 }, "\(c.name): \(lines.filter { $0.count > 80 })")
            for o in c.allOptions { #expect(text.contains("--\(o.long)"), "\(c.name) --\(o.long)") }
        }
    }

    @Test func mainHelpFits() {
        let lines = mainHelp.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count < 40)
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(lines.filter { $0.count > 80 })")
        for c in commands { #expect(mainHelp.contains("  \(c.name) "), "\(c.name)") }
    }

    @Test func seededFuzzOfTheParser() {
        var state: UInt64 = 99
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let pieces = ["-", "--", "-n", "--name", "=", "x", "-9", "-s", "--json", "-e", "A=B", "\u{ff}", "", "--timeout", "1s"]
        for _ in 0..<3000 {
            let a = (0..<Int(next() % 6)).map { _ in Array(pieces[Int(next() % UInt64(pieces.count))].utf8) }
            for c in commands { _ = try? parse(a, c) }  // must return or throw, never crash
        }
    }
}
