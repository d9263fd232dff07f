#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Each check's one-paragraph text has one source: gpugate.8's CHECKS list.

docs/checks.md opens the section of every check id with the same text, as
a "**In short.**" paragraph generated from the man page. This script writes
them; tests/man/test-man.py fails when the committed docs/checks.md is not
what it would write (edit the man page, then run this).

    tests/man/checks_summary.py            # rewrite docs/checks.md
    tests/man/checks_summary.py --check    # exit 1 when it is out of date
"""

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MAN8 = REPO / "docs" / "man" / "gpugate.8"
CHECKS_MD = REPO / "docs" / "checks.md"
LEAD = "**In short.**"
WIDTH = 75


class Error(Exception):
    pass


def roff_args(s):
    """Arguments of a macro line: words, or "quoted strings"."""
    out = re.findall(r'"([^"]*)"|(\S+)', s)
    return [a or b for a, b in out]


def escapes(s):
    s = s.replace("\\-", "-").replace("\\(lq", '"').replace("\\(rq", '"')
    s = s.replace("\\ ", " ").replace("\\&", "")
    s = re.sub(r"\\fB(.*?)\\f[RP]", r"`\1`", s)
    s = re.sub(r"\\fI(.*?)\\f[RP]", r"*\1*", s)
    if "\\" in s:
        raise Error("gpugate.8: roff escape this script does not know: %r" % s)
    return s


FONTS = {"B": "`%s`", "I": "*%s*", "R": "%s"}


def line_md(line):
    if not line.startswith("."):
        return escapes(line)
    m = re.match(r"\.([BIR]{1,2})(?:\s+(.*))?$", line)
    if not m:
        raise Error("gpugate.8: macro this script does not know in CHECKS: %r"
                    % line)
    fonts, args = m.group(1), roff_args(m.group(2) or "")
    if len(fonts) == 1:
        return FONTS[fonts] % escapes(" ".join(args))
    return "".join(FONTS[fonts[i % 2]] % escapes(a) for i, a in enumerate(args))


def man_texts(man=MAN8):
    """{check id: markdown text} from the .TP entries of gpugate.8 CHECKS."""
    lines, cur = [], False
    for line in man.read_text().splitlines():
        if line.startswith(".SH "):
            cur = line[4:].strip().strip('"') == "CHECKS"
        elif cur:
            lines.append(line)
    out, cid = {}, None
    for i, line in enumerate(lines):
        if line == ".TP":
            cid = None
            m = re.fullmatch(r"\.B ([a-z_]+\.[a-z_]+)", lines[i + 1]
                             if i + 1 < len(lines) else "")
            if not m:
                raise Error("gpugate.8 CHECKS: .TP not followed by .B ID")
            cid = m.group(1)
            out[cid] = []
        elif line.startswith(".PP"):
            cid = None
        elif cid and not (lines[i - 1] == ".TP"):
            out[cid].append(line_md(line))
    if not out:
        raise Error("gpugate.8: no CHECKS entries found")
    return {k: " ".join(v) for k, v in out.items()}


def wrap(text):
    """Greedy wrap at WIDTH that never starts a line with something
    markdown would read as a list or heading."""
    lines, cur = [], ""
    for w in text.split():
        risky = re.match(r"([-*+#>]|\d+[.)])(\s|$)", w + " ")
        if cur and len(cur) + 1 + len(w) > WIDTH and not risky:
            lines.append(cur)
            cur = w
        else:
            cur = cur + " " + w if cur else w
    lines.append(cur)
    return "\n".join(lines)


def render(md, texts):
    """md with the LEAD paragraph of every "## ID" section set from texts."""
    seen = set()

    def one(m):
        cid = m.group(1)
        seen.add(cid)
        if cid not in texts:
            raise Error("docs/checks.md: ## %s is not in gpugate.8 CHECKS" % cid)
        return "## %s\n\n%s\n\n" % (cid, wrap(LEAD + " " + texts[cid]))

    out = re.sub(r"^## ([a-z_]+\.[a-z_]+)\n\n(?:\*\*In short\.\*\*.*?\n\n)?",
                 one, md, flags=re.M | re.S)
    missing = sorted(set(texts) - seen)
    if missing:
        raise Error("docs/checks.md has no section for %s" % " ".join(missing))
    return out


def main(argv):
    try:
        want = render(CHECKS_MD.read_text(), man_texts())
    except Error as e:
        print("checks_summary: %s" % e, file=sys.stderr)
        return 1
    if argv[1:] == ["--check"]:
        if want != CHECKS_MD.read_text():
            print("checks_summary: docs/checks.md is out of date with gpugate.8"
                  " CHECKS; run tests/man/checks_summary.py", file=sys.stderr)
            return 1
        return 0
    if argv[1:]:
        print(__doc__, file=sys.stderr)
        return 2
    CHECKS_MD.write_text(want)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
