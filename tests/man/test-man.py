#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The man pages render cleanly and match the code.

    tests/man/test-man.py

1. docs/man/gpugate.8 and docs/man/gpugate.conf.5 render with
   `groff -man -Tutf8 -ww -z` and with `man --warnings -l` (what lintian
   runs) at 80 and 60 columns without a single warning.
2. gpugate.8 documents, each as a .TP tag in its section:
   - every command of the commands[] table in src/cmd/main.c (COMMANDS),
   - every long option of longopts[] and every short option of the
     getopt string (OPTIONS),
   - every exit status of enum exit_status (EXIT STATUS),
   - every check id of the check table (build/check-ids, through
     tests/lib/gpugate_test.py) and the post-boot check of src/check/gate.c
     (CHECKS); docs/checks.md must have a section for each id too, opening
     with the man page's text for it (tests/man/checks_summary.py writes
     those paragraphs; this test fails when they are out of date).
3. gpugate.conf.5 documents every (section, key) of the key table in
   src/parse/policy.c under .SH "[section]", and no key that does not exist; each
   key's "Default:" equals the value config/policy.conf gives it (that file
   states every default but those in SHIPPED_NOT_DEFAULT; tests/trees
   checks it against the built-in ones).
4. Every example policy in gpugate.conf.5 is accepted by
   `gpugate -p FILE modprobe` (which loads only the policy).
5. Options a command does not take are usage errors (exit 2), as gpugate.8
   says (USAGE).

Env: GPUGATE (binary, default build/gpugate; step 4 is skipped with a note
when it does not exist).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "lib"))
sys.path.insert(0, str(REPO / "tests" / "man"))
import gpugate_test as gt  # noqa: E402
import checks_summary  # noqa: E402
MAN8 = REPO / "docs" / "man" / "gpugate.8"
MAN5 = REPO / "docs" / "man" / "gpugate.conf.5"

problems = []


def bad(msg):
    problems.append(msg)


def render_clean(page):
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)],
                       capture_output=True, text=True)
    if r.returncode or r.stderr.strip():
        bad("%s: groff -ww: rc %d: %s" % (page.name, r.returncode, r.stderr.strip()))
    if not shutil.which("man"):
        print("note: man (man-db) not installed; only groff was run")
        return
    for width in ("80", "60"):
        env = dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH=width)
        r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z",
                            str(page)], capture_output=True, text=True, env=env)
        if r.returncode or r.stderr.strip():
            bad("%s: man --warnings at %s columns: %s" % (page.name, width,
                                                          r.stderr.strip()))


def unroff(s):
    """Plain text of a roff fragment: no font escapes, no \\- or quotes."""
    s = re.sub(r"\\f[BIRP]", "", s)
    s = s.replace("\\-", "-").replace("\\(lq", '"').replace("\\(rq", '"')
    s = s.replace("\\ ", " ").replace("\\:", "")  # \: a break point, no text
    return s


def macro_text(line):
    """The words of a macro line like '.BR "a b" c' without the macro."""
    if not line.startswith("."):
        return unroff(line)
    body = line.split(None, 1)[1] if " " in line else ""
    words = re.findall(r'"([^"]*)"|(\S+)', body)
    return unroff("".join(a or b for a, b in words)
                  if line.split()[0] in (".BR", ".RB", ".BI", ".IB", ".IR", ".RI")
                  else " ".join(a or b for a, b in words))


def sections(page):
    """{section title: [lines]}"""
    out, cur = {}, None
    for line in page.read_text().splitlines():
        if line.startswith(".SH "):
            cur = line[4:].strip().strip('"')
            out[cur] = []
        elif cur is not None:
            out[cur].append(line)
    return out


def tags(lines):
    """The tag line text of every .TP/.TQ entry, and the body lines after it."""
    out = []
    for i, line in enumerate(lines):
        if line in (".TP", ".TQ") and i + 1 < len(lines):
            body = []
            for nxt in lines[i + 2:]:
                if nxt in (".TP", ".TQ") or nxt.startswith(".SH"):
                    break
                body.append(nxt)
            out.append((macro_text(lines[i + 1]), body))
    return out


def c_table(path, start_re, row_re):
    text = path.read_text()
    m = re.search(start_re, text)
    if not m:
        bad("%s: cannot find /%s/" % (path, start_re))
        return []
    end = text.index("};", m.end())
    return re.findall(row_re, text[m.end():end])


def check_gpugate8(secs):
    main_c = REPO / "src" / "cmd" / "main.c"
    cmds = c_table(main_c, r"\} commands\[\] = \{", r'\{ "([a-z-]+)", ')
    if not cmds:
        bad("src/cmd/main.c: no commands found")
    got = [t.split()[0] for t, _ in tags(secs.get("COMMANDS", [])) if t.split()]
    for c in cmds:
        if c not in got:
            bad("gpugate.8 COMMANDS: command %r of src/cmd/main.c is not documented" % c)
    for c in got:
        if c not in cmds:
            bad("gpugate.8 COMMANDS: %r is documented but not in src/cmd/main.c" % c)

    longs = c_table(main_c, r"static const struct option longopts\[\] = \{",
                    r'\{ "([a-z-]+)", \w+, NULL, \'(.)\' \}')
    text = main_c.read_text()
    m = re.search(r'getopt_long\(argc, argv, "([^"]*)"', text)
    shorts = set(re.sub(":", "", m.group(1))) if m else set()
    opt_tags = " ".join(t for t, _ in tags(secs.get("OPTIONS", [])))
    for name, _ in longs:
        if not re.search(r"(^|[ ,])--%s\b" % re.escape(name), opt_tags):
            bad("gpugate.8 OPTIONS: --%s is not documented" % name)
    for s in sorted(shorts):
        if not re.search(r"(^|[ ,])-%s\b" % re.escape(s), opt_tags):
            bad("gpugate.8 OPTIONS: -%s is not documented" % s)
    synopsis = unroff(" ".join(secs.get("SYNOPSIS", [])))
    for s in sorted(shorts):
        if "-" + s not in synopsis:
            bad("gpugate.8 SYNOPSIS: -%s missing" % s)

    codes = re.findall(r"EXIT_\w+ = (\d+)", text)
    got = [t for t, _ in tags(secs.get("EXIT STATUS", []))]
    if sorted(codes) != sorted(got):
        bad("gpugate.8 EXIT STATUS lists %s, src/cmd/main.c has %s" % (got, codes))

    try:
        ids = list(gt.table_ids())
    except RuntimeError as e:
        bad("the check table: %s" % e)
        ids = []
    # the post-boot check of the boot report, outside the table: `check`
    # runs it (src/check/gate.c)
    boot = re.findall(r'check_add\(c, "(gate\.[a-z_.]+)"',
                      (REPO / "src" / "check" / "gate.c").read_text())
    if not boot:
        bad("src/check/gate.c: no gate.* check id found")
    ids += [i for i in boot if i not in ids]
    if len(ids) < 10:
        bad("the check table: found only %d check ids" % len(ids))
    got = [t for t, _ in tags(secs.get("CHECKS", []))]
    if got != ids:
        bad("gpugate.8 CHECKS %s differ from the check table (in order) %s" % (
            sorted(set(got) ^ set(ids)) or "order", ids))
    md = set(re.findall(r"^## ([a-z_]+\.[a-z_.]+)\s*$",
                        (REPO / "docs" / "checks.md").read_text(), re.M))
    for i in ids:
        if i not in md:
            bad("docs/checks.md has no section for %s" % i)
    try:
        md = (REPO / "docs" / "checks.md").read_text()
        if checks_summary.render(md, checks_summary.man_texts(MAN8)) != md:
            bad("docs/checks.md: the check texts differ from gpugate.8 CHECKS;"
                " run tests/man/checks_summary.py")
    except checks_summary.Error as e:
        bad(str(e))
    return cmds, ids


# Keys config/policy.conf sets to something else than the built-in default:
# (section, key): (shipped, default). The package installs a gate that
# cannot stop the host (docs/operations.md).
SHIPPED_NOT_DEFAULT = {("gate", "mode"): ("audit-readonly", "enforce")}


def conf_defaults():
    """{(section, key): value} from config/policy.conf."""
    out, sec = {}, None
    for line in (REPO / "config" / "policy.conf").read_text().splitlines():
        line = re.sub(r"(^|\s)[#;].*", "", line).strip()
        if not line:
            continue
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            sec = m.group(1)
            continue
        k, _, v = line.partition("=")
        out[(sec, k.strip())] = " ".join(v.split())
    return out


def documented_default(body):
    """The value after "Default:" in a tag's body, or None."""
    for i, line in enumerate(body):
        if "Default:" not in line:
            continue
        rest = unroff(line.split("Default:", 1)[1]).strip()
        if rest:
            return "" if rest.rstrip(".") == "empty" else rest.rstrip(".")
        if i + 1 < len(body):
            v = body[i + 1]
            words = re.findall(r'"([^"]*)"|(\S+)', v.split(None, 1)[1])
            words = [a or b for a, b in words]
            if v.startswith(".BR") and words and words[-1] == ".":
                words = words[:-1]
            return unroff(" ".join(words)).strip()
    return None


def check_conf5(secs):
    keys = c_table(REPO / "src" / "parse" / "policy.c", r"static const struct key keys\[\] = \{",
                   r'\{ "(\w+)", "(\w+)",')
    if len(keys) < 20:
        bad("src/parse/policy.c: found only %d keys" % len(keys))
    defaults = conf_defaults()
    doc = {}
    for title, lines in secs.items():
        m = re.fullmatch(r"\[(\w+)\]", title)
        if not m:
            continue
        for tag, body in tags(lines):
            doc[(m.group(1), tag.split()[0])] = body
    for k in keys:
        if k not in doc:
            bad("gpugate.conf.5: [%s] %s of src/parse/policy.c is not documented" % k)
            continue
        got = documented_default(doc[k])
        if got is None:
            bad("gpugate.conf.5: [%s] %s has no Default:" % k)
        elif k in SHIPPED_NOT_DEFAULT:
            if defaults.get(k) != SHIPPED_NOT_DEFAULT[k][0] or got != SHIPPED_NOT_DEFAULT[k][1]:
                bad("gpugate.conf.5: [%s] %s: expected default %r and shipped %r, got %r and %r" % (
                    k + SHIPPED_NOT_DEFAULT[k][::-1] + (got, defaults.get(k))))
        elif " ".join(got.split()) != defaults.get(k, ""):   # absent: empty
            bad("gpugate.conf.5: [%s] %s default %r, config/policy.conf says %r" % (
                k + (got, defaults.get(k, ""))))
    for k in doc:
        if k not in keys:
            bad("gpugate.conf.5: [%s] %s is documented but not in src/parse/policy.c" % k)
    return keys


def check_examples(secs):
    binary = os.environ.get("GPUGATE", str(REPO / "build" / "gpugate"))
    if not os.access(binary, os.X_OK):
        print("note: %s not built; example policies not parsed" % binary)
        return 0
    blocks, cur = [], None
    for line in secs.get("EXAMPLES", []):
        if line == ".EX":
            cur = []
        elif line == ".EE":
            blocks.append("\n".join(cur) + "\n")
            cur = None
        elif cur is not None:
            cur.append(unroff(line))
    n = 0
    with tempfile.TemporaryDirectory() as tmp:
        for text in blocks:
            if not re.search(r"^\[\w+\]", text, re.M):
                continue
            pol = Path(tmp) / "policy.conf"
            pol.write_text(text)
            r = subprocess.run([binary, "-p", str(pol), "modprobe"], capture_output=True,
                               text=True)
            n += 1
            if r.returncode:
                bad("gpugate.conf.5 example policy rejected: %s" % r.stderr.strip())
    if not n:
        bad("gpugate.conf.5: no example policy found")
    return n


# gpugate.8: an option the command does not use is a usage error (exit 2),
# never silently ignored; the options it takes are accepted.
USAGE = [(["-f", "json", "show"], 2), (["-n", "check"], 2), (["--verify", "check"], 2),
         (["-q", "cmdline"], 2), (["-o", "/dev/null", "modprobe"], 2),
         (["--verify", "enforce"], 2), (["-n", "baseline"], 2), (["policy", "x.y"], 2),
         (["check", "extra"], 2), (["snapshot"], 2), (["-q", "modprobe"], 2),
         (["modprobe"], 0), (["policy", "gate.mode"], 0)]


def check_usage_errors():
    binary = os.environ.get("GPUGATE", str(REPO / "build" / "gpugate"))
    if not os.access(binary, os.X_OK):
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        pol = Path(tmp) / "policy.conf"
        pol.write_text("")
        for args, want in USAGE:
            r = subprocess.run([binary, "-p", str(pol)] + args, capture_output=True,
                               text=True, stdin=subprocess.DEVNULL, timeout=60)
            if r.returncode != want:
                bad("gpugate %s: exit %d, gpugate.8 says %d" % (" ".join(args), r.returncode, want))
    return len(USAGE)


def main():
    for page in (MAN8, MAN5):
        if not page.exists():
            bad("%s missing" % page)
            continue
        render_clean(page)
    cmds, ids = check_gpugate8(sections(MAN8))
    keys = check_conf5(sections(MAN5))
    n = check_examples(sections(MAN5))
    u = check_usage_errors()
    for p in problems:
        print("FAIL %s" % p)
    if problems:
        return 1
    print("ok man pages: render without warnings; %d commands, %d check ids, "
          "%d policy keys with defaults, %d example policies, %d option checks" % (
              len(cmds), len(ids), len(keys), n, u))
    return 0


if __name__ == "__main__":
    sys.exit(main())
