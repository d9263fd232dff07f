#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`gpugate -f prometheus check` output is valid exposition format.

For every scenario of tests/trees/scenarios.py (the trees that
tests/run-trees.py builds and caches; built here when missing) run

    $GPUGATE --root TREE -p POLICY -f prometheus check

and validate stdout with tests/prom/validate.py in --textfile mode (what
node_exporter's textfile collector accepts: no timestamps, no duplicate
series). Also asserts what the metrics must say: gpugate_result equals the
exit status, one gpugate_check_status series per (id, device, port, status) of
the JSON report's checks, and that a policy error (exit 2) prints no
metrics at all. The validator itself is exercised on known-bad input first.

    tests/prom/test-prometheus.py [-k SUBSTRING]

Env: GPUGATE (binary, default build/gpugate).
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests" / "gen"))
import validate  # noqa: E402
import mktree  # noqa: E402


def load_run_trees():
    spec = importlib.util.spec_from_file_location("run_trees",
                                                  REPO / "tests" / "run-trees.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# (input, substring of the expected problem); each must be rejected
BAD = [
    ("m 1", "newline"),
    ("# TYPE m gauge\nm{a=\"x\"} 1\nm{a=\"x\"} 2\n", "duplicate series"),
    ("# TYPE m gauge\nm{a=\"x\\t\"} 1\n", "invalid escape"),
    ("# TYPE m gauge\nm{a=\"x} 1\n", "unterminated"),
    ("# TYPE m gauge\nm{a=\"1\",a=\"2\"} 1\n", "given twice"),
    ("# TYPE m gauge\nm{__a=\"1\"} 1\n", "reserved"),
    ("# TYPE m gauge\nm{1a=\"1\"} 1\n", "invalid label name"),
    ("# TYPE m gauge\nm one\n", "not a float"),
    ("# TYPE m gauge\nm 1 2 3\n", "value [timestamp]"),
    ("# TYPE m gauge\nm 1 1.5\n", "not an integer"),
    ("# TYPE m gauge\nm 1 1700000000000\n", "timestamp on"),
    ("# TYPE m gauge\n# TYPE m gauge\nm 1\n", "second TYPE"),
    ("# HELP m a\n# HELP m b\nm 1\n", "second HELP"),
    ("# HELP m bad \\t escape\nm 1\n", "invalid escape in HELP"),
    ("# TYPE m teapot\nm 1\n", "unknown type"),
    ("m 1\n# TYPE m gauge\n", "after its samples"),
    ("# TYPE 9m gauge\n", "invalid metric name"),
    ("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n", "continues after"),
    ("# TYPE c counter\nc -1\n", "negative counter"),
    ("# TYPE m gauge\nm{a=\"1\"}1\n", "white space"),
    ("", "empty"),
]
GOOD = [
    "# HELP m x \\\\ y \\n z\n# TYPE m gauge\nm{a=\"q\\\"\\\\\\n\",b=\"\"} -Inf\n"
    "m{a=\"r\"} NaN\nm 1e-3\n# a comment\n\n# TYPE h histogram\n"
    "h_bucket{le=\"+Inf\"} 1\nh_sum 2\nh_count 1\n",
]


def self_test():
    probs = []
    for text, want in BAD:
        got = validate.validate(text.encode(), textfile=True)
        if not any(want in msg for _, msg in got):
            probs.append("validator accepted %r (wanted /%s/; got %s)" % (text, want, got))
    for text in GOOD:
        got = validate.validate(text.encode(), textfile=True)
        if got:
            probs.append("validator rejected %r: %s" % (text, got))
    return probs


def metric_samples(text):
    out = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, labels, value, _ = validate.parse_sample(line)
            out.append((name, dict(labels), value))
    return out


def check_one(binary, sc, root, policy):
    base = [binary, "--root", str(root), "-p", str(policy)]
    r = subprocess.run(base + ["-f", "prometheus", "check"], capture_output=True,
                       stdin=subprocess.DEVNULL, timeout=120)
    probs = []
    if r.returncode < 0:
        return ["killed by signal %d" % -r.returncode]
    if r.returncode == 2:
        return ["exit 2 printed metrics on stdout"] if r.stdout else []
    for no, msg in validate.validate(r.stdout, textfile=True):
        probs.append("line %d: %s" % (no, msg))
    if probs:
        return probs
    samples = metric_samples(r.stdout.decode())
    res = [s for s in samples if s[0] == "gpugate_result"]
    if len(res) != 1 or res[0][2] != r.returncode:
        probs.append("gpugate_result %s, exit status %d" % (
            [s[2] for s in res], r.returncode))
    if res and res[0][1].get("mode") != "check":
        probs.append("gpugate_result mode %r" % res[0][1].get("mode"))
    ts = [s for s in samples if s[0] == "gpugate_last_run_timestamp_seconds"]
    if len(ts) != 1 or ts[0][2] < 1e9:
        probs.append("gpugate_last_run_timestamp_seconds missing or implausible")
    # The same run as JSON: one status sample per finding, same status.
    j = subprocess.run(base + ["-f", "json", "check"], capture_output=True,
                       stdin=subprocess.DEVNULL, timeout=120)
    try:
        rep = json.loads(j.stdout)
    except ValueError:
        return probs + ["JSON run did not print JSON"]
    # JSON lists every finding; the metrics hold one series per label set
    want = sorted(set((c["id"], c["device"] or "", c["port"] or "", c["status"])
                      for c in rep["checks"]))
    got = sorted((s[1].get("id"), s[1].get("device"), s[1].get("port"),
                  "fail" if s[1].get("status") == "error" else s[1].get("status"))
                 for s in samples if s[0] == "gpugate_check_status")
    if want != got:
        diff = sorted(set(want) ^ set(got))[:3]
        probs.append("gpugate_check_status samples differ from the JSON checks: %s" % diff)
    for s in samples:
        if s[0] == "gpugate_check_status":
            fail = s[1].get("status") in ("fail", "error")
            if s[2] != (0 if fail else 1):
                probs.append("status %s with value %s" % (s[1].get("status"), s[2]))
                break
    return probs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", default="")
    a = ap.parse_args()
    failed = 0
    for p in self_test():
        print("FAIL validator: %s" % p)
        failed += 1
    if not failed:
        print("ok validator rejects %d bad and accepts %d good inputs" % (len(BAD), len(GOOD)))
    rt = load_run_trees()
    binary = os.environ.get("GPUGATE", str(REPO / "build" / "gpugate"))
    cache = rt.scratch_base() / ("gpugate-trees-%d" % os.getuid()) / rt.source_key()
    cache.mkdir(parents=True, exist_ok=True)
    mktree.modindex_dir()
    scs = [sc for sc in mktree.load_scenarios() if a.k in sc.name and not sc.bench]
    n = 0
    with tempfile.TemporaryDirectory(prefix="gpugate-prom-") as tmp:
        for sc in scs:
            text = sc.policy_text()
            if text is None:
                continue
            root = rt.pristine(sc, cache)
            pol = Path(tmp) / (sc.name + ".conf")
            pol.write_text(text)
            probs = check_one(binary, sc, root, pol)
            n += 1
            if probs:
                failed += 1
                print("FAIL %s: %s" % (sc.name, "; ".join(probs[:5])))
    print("prometheus: %d scenario outputs checked, %d failed" % (n, failed))
    return 1 if failed or not n else 0


if __name__ == "__main__":
    sys.exit(main())
