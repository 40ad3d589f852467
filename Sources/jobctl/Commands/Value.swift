import JobControl
import JobControlSystem

/// `jobctl value`: a shared 64-bit integer, changed atomically by any shells.
let valueCommand = CommandSpec(
    name: "value", operands: "get|set|add|cas <name> [<n>...]",
    summary: "A shared integer: get, set, add to, compare-and-swap.",
    arguments: [("get <name>", "Print the value (exit 1 if it was never set)."),
                ("set <name> <n>", "Make it N."),
                ("add <name> <n>", "Add N (negative subtracts) and print the new value."),
                ("cas <name> <old> <new>", "Make it NEW if it is OLD: exit 0 if swapped, 1 if not.")],
    options: [],
    example: ["jobctl value add done 1", "jobctl value cas leader 0 $$ && echo 'I lead'", "jobctl value get done"],
    negativeNumbers: true,
    handler: handleValue)

func handleValue(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    var ops = opts.operands
    guard !ops.isEmpty else { throw .usage("missing operand: get, set, add or cas") }
    let verb = String(decoding: ops.removeFirst(), as: UTF8.self)
    let arity = ["get": 0, "set": 1, "add": 1, "cas": 2]
    guard let want = arity[verb] else { throw .usage("unknown value operation '\(verb)' (get, set, add or cas)") }
    guard let name = ops.first else { throw .usage("missing operand: a value name") }
    ops.removeFirst()
    try NamedLocks.validate(name)
    guard ops.count == want else {
        throw .usage(want == 0 ? "value get takes a name only" : "value \(verb) takes a name and \(want == 1 ? "a number" : "two numbers")")
    }
    // Every number is checked before anything is opened: bad input changes nothing.
    var numbers: [Int64] = []
    for o in ops { numbers.append(try SharedValues.parse(o)) }
    let values = SharedValues(store: try openStore(stateDir))
    switch verb {
    case "get":
        guard let v = try values.get(name) else { throw .failure("value \(display(name)) is not set") }
        try printOut("\(v)\n")
    case "set":
        try values.update(name) { _ in numbers[0] }
    case "add":
        let new = try values.update(name) { (old) throws(JobctlError) in
            let (sum, overflow) = (old ?? 0).addingReportingOverflow(numbers[0])
            if overflow { throw .failure("value \(display(name)) would overflow (\(old ?? 0) + \(numbers[0]))") }
            return sum
        }
        try printOut("\(new!)\n")
    default:  // cas
        var swapped = false
        try values.update(name) { old in
            guard (old ?? 0) == numbers[0] else { return nil }
            swapped = true
            return numbers[1]
        }
        return swapped ? 0 : 1
    }
    return 0
}

/// `jobctl values`: every shared value that is set.
let valuesCommand = CommandSpec(
    name: "values", operands: "",
    summary: "List shared values: NAME VALUE.",
    arguments: [],
    options: [OptionSpec(long: "json", short: nil, value: nil, help: "One JSON object per line.")],
    example: ["jobctl values", "jobctl values --json | jq -r 'select(.value > 0) | .name'"],
    handler: handleValues)

func handleValues(_ opts: ParsedOptions, stateDir: [UInt8]?) throws(JobctlError) -> Int32 {
    try refuseOperands(opts)
    let list = SharedValues(store: try openStore(stateDir)).list()
    var out = Stdout()
    if opts.has("json") {
        var w = JSONWriter()
        for v in list {
            w.beginObject()
            w.field("name", v.name)
            w.field("value", v.value)
            w.endObject()
            w.newline()
        }
        try out.write(w.bytes)
    } else {
        try out.write(renderColumns([["NAME", "VALUE"]] + list.map { [printable($0.name), "\($0.value)"] }))
    }
    try out.flush()
    return 0
}
