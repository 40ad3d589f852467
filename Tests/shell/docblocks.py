"""Prints the shell examples of README.md or of man/jobctl.1's EXAMPLES as
scripts, so that t-doc-examples.sh can run them as written.
  docblocks.py README.md DIR    one script per ```sh block: DIR/readme-N.sh
  docblocks.py jobctl.1 DIR     every example, in order, as one session: DIR/man.sh
Blocks that build or install jobctl (swift ..., make install) are left out:
CI runs those commands itself, and t-install.sh runs `make install`."""
import os, re, sys

src, out = sys.argv[1], sys.argv[2]
text = open(src, encoding="utf-8").read()

def unescape(line):
    line = line.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")
    return line

blocks = []
if src.endswith(".1"):
    section = text.split("\n.SH EXAMPLES\n", 1)[1].split("\n.SH ", 1)[0]
    for m in re.finditer(r"^\.nf\n(.*?)^\.fi$", section, re.S | re.M):
        blocks.append("\n".join(unescape(l) for l in m.group(1).splitlines()))
else:
    for m in re.finditer(r"^```sh\n(.*?)^```$", text, re.S | re.M):
        blocks.append(m.group(1))

def builds(block):
    first = next((l for l in block.splitlines() if l.strip() and not l.startswith("#")), "")
    return first.startswith("swift ") or first.startswith("make install")

blocks = [b for b in blocks if not builds(b)]
if src.endswith(".1"):
    with open(os.path.join(out, "man.sh"), "w") as f:
        for k, b in enumerate(blocks):
            f.write(f'echo "### example {k + 1}" >&2\n{b}\n')
else:
    for k, b in enumerate(blocks):
        with open(os.path.join(out, f"readme-{k + 1}.sh"), "w") as f:
            f.write(b + "\n")
print(len(blocks))
