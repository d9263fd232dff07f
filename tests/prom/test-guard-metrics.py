#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""guard_metrics_record(): the [guard] state file and metrics textfile.

Runs build/unit/guard_record (tests/guard/guard_record.c: the function on
the command line) against throwaway --root trees and checks:

- counting: events of several kinds and outcomes land in the state file
  and in the textfile, which passes tests/prom/validate.py --textfile and
  has every kind x outcome series and every kind's last-event timestamp,
  zeros included;
- the lock: 2 processes x 200 records at once give exactly 400;
- a state file that does not parse (junk, or truncated: no end line) is
  kept as STATE.bad, counting restarts at this event, stderr says so;
- a missing textfile directory: return 1, state written, no textfile,
  and the directory is not created; [guard] metrics = "": no textfile;
- a state path that is a directory: an error (exit 1), nothing written;
- no temporary file is left behind.

    tests/prom/test-guard-metrics.py [GUARD_RECORD]
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
import validate  # noqa: E402

KINDS = ("add", "bind", "change", "once", "start", "poll", "vfio")
OUTCOMES = ("ok", "fixed", "finding", "error")
STATE = "var/lib/gpugate/guard.state"
PROM_DIR = "var/lib/prometheus/node-exporter"
PROM = PROM_DIR + "/gpugate-guard.prom"


class Case:
    def __init__(self, binary, tmp, name, policy=""):
        self.binary = binary
        self.root = Path(tmp) / name / "root"
        self.root.mkdir(parents=True)
        self.policy = Path(tmp) / name / "policy.conf"
        self.policy.write_text(policy)

    def cmd(self, kind, outcome, n=1, when=None):
        c = [self.binary, "--root", str(self.root), "-p", str(self.policy), "-n", str(n)]
        if when is not None:
            c += ["-t", str(when)]
        return c + [kind, outcome]

    def record(self, kind, outcome, n=1, when=None):
        r = subprocess.run(self.cmd(kind, outcome, n, when), capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=120)
        m = re.fullmatch(r"rc (-?\d+)\n", r.stdout)
        return (int(m.group(1)) if m else None), r.returncode, r.stderr

    def state(self):
        return (self.root / STATE).read_text()

    def counts(self):
        out = {}
        for line in self.state().splitlines():
            w = line.split(" ")
            if w[0] == "count":
                out[(w[1], w[2])] = int(w[3])
        return out

    def leftovers(self):
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*.tmp"))


def samples(text):
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, labels, value, _ = validate.parse_sample(line)
            out[(name, tuple(sorted(dict(labels).items())))] = value
    return out


def test_counting(c):
    probs = []
    events = [("add", "ok", 3, 1700000001), ("bind", "finding", 1, 1700000002),
              ("bind", "fixed", 2, 1700000003), ("vfio", "error", 1, 1700000004)]
    for kind, outcome, n, when in events:
        rc, code, err = c.record(kind, outcome, n, when)
        if rc != 0 or code != 0:
            probs.append("%s %s: rc %s exit %d %s" % (kind, outcome, rc, code, err.strip()))
    text = (c.root / PROM).read_bytes()
    for no, msg in validate.validate(text, textfile=True):
        probs.append("textfile line %d: %s" % (no, msg))
    got = samples(text.decode())
    want = {}
    for k in KINDS:
        for o in OUTCOMES:
            want[("gpugate_guard_events_total", (("kind", k), ("outcome", o)))] = 0
        want[("gpugate_guard_last_event_timestamp_seconds", (("kind", k),))] = 0
    for kind, outcome, n, when in events:
        want[("gpugate_guard_events_total", (("kind", kind), ("outcome", outcome)))] += n
        want[("gpugate_guard_last_event_timestamp_seconds", (("kind", kind),))] = when
    if got != want:
        probs.append("textfile differs: %s" % sorted(set(got.items()) ^ set(want.items()))[:4])
    for t in ("# TYPE gpugate_guard_events_total counter",
              "# TYPE gpugate_guard_last_event_timestamp_seconds gauge",
              "# HELP gpugate_guard_events_total ",
              "# HELP gpugate_guard_last_event_timestamp_seconds "):
        if t not in text.decode():
            probs.append("textfile lacks %r" % t)
    counts = c.counts()
    if counts.get(("add", "ok")) != 3 or counts.get(("bind", "fixed")) != 2 or len(counts) != 28:
        probs.append("state counts %s" % counts)
    if not c.state().endswith("\nend\n") or "\nlast bind 1700000003\n" not in c.state():
        probs.append("state file %r" % c.state()[-80:])
    return probs


def test_concurrent(c):
    procs = [subprocess.Popen(c.cmd("poll", "ok", 200), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    probs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        if p.returncode != 0 or out != "rc 0\n":
            probs.append("a writer: exit %d %r %r" % (p.returncode, out, err))
    n = c.counts().get(("poll", "ok"))
    if n != 400:
        probs.append("2 x 200 concurrent records counted %s" % n)
    got = samples((c.root / PROM).read_text())
    if got.get(("gpugate_guard_events_total", (("kind", "poll"), ("outcome", "ok")))) != 400:
        probs.append("textfile after the concurrent records is not at 400")
    return probs


def test_corrupt(c, text, what):
    st = c.root / STATE
    st.parent.mkdir(parents=True, exist_ok=True)
    st.write_text(text)
    rc, code, err = c.record("change", "finding")
    probs = []
    if rc != 0 or code != 0:
        probs.append("%s state: rc %s exit %d" % (what, rc, code))
    bad = c.root / (STATE + ".bad")
    if not bad.is_file() or bad.read_text() != text:
        probs.append("%s state not kept as .bad" % what)
    if c.counts() != {**{(k, o): 0 for k in KINDS for o in OUTCOMES}, ("change", "finding"): 1}:
        probs.append("%s state: counting did not restart at 1: %s" % (what, c.counts()))
    if "did not parse" not in err or ".bad" not in err or "line " not in err:
        probs.append("%s state: stderr does not say so: %r" % (what, err))
    return probs


def test_no_textfile_dir(c):
    rc, code, err = c.record("bind", "finding")
    probs = []
    if rc != 1 or code != 0:
        probs.append("missing textfile directory: rc %s exit %d (want rc 1)" % (rc, code))
    if c.counts().get(("bind", "finding")) != 1:
        probs.append("missing textfile directory: state not written")
    if (c.root / PROM_DIR).exists():
        probs.append("the textfile directory was created")
    return probs


def test_metrics_off(c):
    rc, code, _ = c.record("once", "ok")
    probs = []
    if rc != 0 or code != 0:
        probs.append('metrics = "": rc %s exit %d' % (rc, code))
    if c.counts().get(("once", "ok")) != 1:
        probs.append('metrics = "": state not written')
    if list(c.root.rglob("*.prom")):
        probs.append('metrics = "": a textfile was written')
    return probs


def test_state_is_dir(c):
    (c.root / STATE).mkdir(parents=True)
    (c.root / PROM_DIR).mkdir(parents=True)
    rc, code, _ = c.record("add", "ok")
    probs = []
    if rc is None or rc >= 0 or code != 1:
        probs.append("state path a directory: rc %s exit %d (want -errno, exit 1)" % (rc, code))
    if (c.root / PROM).exists():
        probs.append("state path a directory: a textfile was written")
    return probs


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else str(REPO / "build/unit/guard_record")
    failed = n = 0
    with tempfile.TemporaryDirectory(prefix="gpugate-guardm-") as tmp:
        def case(name, policy="", prom_dir=True):
            c = Case(binary, tmp, name, policy)
            if prom_dir:
                (c.root / PROM_DIR).mkdir(parents=True)
            return c

        tests = [
            ("counting", lambda: test_counting(case("count"))),
            ("concurrent", lambda: test_concurrent(case("conc"))),
            ("corrupt_junk", lambda: test_corrupt(case("junk"), "gpugate-guard-state 1\ncount add ok x\nend\n", "junk")),
            ("corrupt_truncated", lambda: test_corrupt(
                case("trunc"), "gpugate-guard-state 1\ncount add ok 5\n", "truncated")),
            ("no_textfile_dir", lambda: test_no_textfile_dir(case("nodir", prom_dir=False))),
            ("metrics_off", lambda: test_metrics_off(case("off", "[guard]\nmetrics =\n"))),
            ("state_is_dir", lambda: test_state_is_dir(case("isdir", prom_dir=False))),
        ]
        for name, fn in tests:
            probs = fn()
            n += 1
            if probs:
                failed += 1
                print("FAIL %s: %s" % (name, "; ".join(probs[:5])))
            else:
                print("ok %s" % name)
        left = sorted(str(p.relative_to(tmp)) for p in Path(tmp).rglob("*.tmp"))
        if left:
            failed += 1
            print("FAIL temporary files left: %s" % left)
    print("guard metrics: %d tests, %d failed" % (n, failed))
    return 1 if failed or not n else 0


if __name__ == "__main__":
    sys.exit(main())
