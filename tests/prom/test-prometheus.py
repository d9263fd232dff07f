#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`gpugate -f prometheus check` output is valid exposition format.

For every scenario of tests/trees/scenarios.py (the trees that
tests/run-trees.py builds and caches; built here when missing) run

    $GPUGATE --root TREE -p POLICY -f prometheus check

and validate stdout with tests/prom/validate.py in --textfile mode (what
node_exporter's textfile collector accepts: no timestamps, no duplicate
series). Also asserts what the metrics must say: gpugate_result equals the
exit status and gpugate_policy_holds agrees; one gpugate_check_status (the
worst status as the value: 0 pass, 1 fail, 2 warn, 3 undetermined) and one
gpugate_check_failed_findings series per check id of the JSON report (only
the id label: series per host do not grow with GPUs or ports);
gpugate_build_info and gpugate_policy_info (the JSON's policy_sha256); the
boot gate metrics, from a boot report placed in one tree; and that a policy
error (exit 2) prints no metrics at all. The JSON run is validated against
docs/report-schema.json. The validator itself is exercised on known-bad
input first.

    tests/prom/test-prometheus.py [-k SUBSTRING]

Env: GPUGATE (binary, default build/gpugate).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests" / "lib"))
import gpugate_test as gt  # noqa: E402
from gpugate_test import mktree  # noqa: E402
import report_schema  # noqa: E402
import validate  # noqa: E402


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
    # The same run as JSON (validated against docs/report-schema.json): one
    # gpugate_check_status and one gpugate_check_failed_findings series per
    # check id, the worst status as the value.
    j = subprocess.run(base + ["-f", "json", "check"], capture_output=True,
                       stdin=subprocess.DEVNULL, timeout=120)
    try:
        rep = report_schema.loads(j.stdout)
    except ValueError as e:
        return probs + ["JSON run: %s" % e]
    code = {"pass": 0, "fixed": 0, "skip": 0, "warn": 2, "fail": 1}
    rank = [0, 2, 1, 3]   # by code: pass < warn < fail < undetermined
    want, nfail = {}, {}
    for c in rep["checks"]:
        v = 3 if c["undetermined"] else code[c["status"]]
        old = want.get(c["id"], 0)
        want[c["id"]] = v if rank[v] > rank[old] else old
        nfail[c["id"]] = nfail.get(c["id"], 0) + (c["status"] == "fail")
    got = {s[1].get("id"): s[2] for s in samples if s[0] == "gpugate_check_status"}
    if got != want:
        diff = sorted(set(want.items()) ^ set(got.items()))[:3]
        probs.append("gpugate_check_status differs from the JSON checks: %s" % diff)
    got = {s[1].get("id"): s[2] for s in samples
           if s[0] == "gpugate_check_failed_findings"}
    if got != nfail:
        probs.append("gpugate_check_failed_findings %s, JSON says %s" % (got, nfail))
    for s in samples:
        if s[0].startswith("gpugate_check_") and set(s[1]) != {"id"}:
            probs.append("%s has labels %s: only id keeps the series bounded" % (s[0], sorted(s[1])))
            break
    holds = [s[2] for s in samples if s[0] == "gpugate_policy_holds"]
    if holds != [1 if r.returncode == 0 else 0]:
        probs.append("gpugate_policy_holds %s, exit status %d" % (holds, r.returncode))
    info = [s for s in samples if s[0] == "gpugate_policy_info"]
    if len(info) != 1 or info[0][1].get("sha256") != (rep["policy_sha256"] or ""):
        probs.append("gpugate_policy_info %s, JSON policy_sha256 %r" % (info, rep["policy_sha256"]))
    if len([s for s in samples if s[0] == "gpugate_build_info"]) != 1:
        probs.append("no gpugate_build_info")
    boot = {s[0]: s[2] for s in samples if s[0].startswith("gpugate_boot_")}
    if rep["result"] != "error" and boot != {"gpugate_boot_report_present": 0,
                                             "gpugate_boot_gate_enforcing": 0,
                                             "gpugate_boot_gate_pass": 0}:
        probs.append("boot gate metrics %s for a tree without a boot report" % boot)
    return probs


def boot_gate_metrics(binary, root, policy):
    """A boot report in the tree: the boot gate metrics read it."""
    probs = []
    (root / "run/gpugate").mkdir(parents=True, exist_ok=True)
    rp = root / "run/gpugate/report.json"
    for line, want in [
            ('{"gpugate":"x","schema":1,"mode":"gate","policy_mode":"enforce",'
             '"override":"none","enforcing":true,"result":"pass",', (1, 1, 1)),
            ('{"gpugate":"x","schema":1,"mode":"gate","policy_mode":"audit",'
             '"override":"none","enforcing":false,"result":"fail",', (1, 0, 0))]:
        rp.write_text(line + '\n"checks":[]}\n')
        r = subprocess.run([binary, "--root", str(root), "-p", str(policy),
                            "-f", "prometheus", "check"], capture_output=True,
                           text=True, stdin=subprocess.DEVNULL, timeout=120)
        samples = dict((s[0], s[2]) for s in metric_samples(r.stdout))
        got = tuple(samples.get(m) for m in ("gpugate_boot_report_present",
                                             "gpugate_boot_gate_enforcing",
                                             "gpugate_boot_gate_pass"))
        if got != want:
            probs.append("boot report %s: metrics %s, expected %s" % (line[60:100], got, want))
    rp.unlink()
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
    binary = os.environ.get("GPUGATE", str(REPO / "build" / "gpugate"))
    cache = gt.tree_cache()
    scs = [sc for sc in mktree.load_scenarios() if a.k in sc.name and not sc.bench]
    n = 0
    with tempfile.TemporaryDirectory(prefix="gpugate-prom-") as tmp:
        for sc in scs:
            text = sc.policy_text()
            if text is None:
                continue
            root = gt.pristine(sc, cache)
            pol = Path(tmp) / (sc.name + ".conf")
            pol.write_text(text)
            probs = check_one(binary, sc, root, pol)
            n += 1
            if probs:
                failed += 1
                print("FAIL %s: %s" % (sc.name, "; ".join(probs[:5])))
        sc = next((sc for sc in scs if sc.name == "pass_basic"), None) or scs[0]
        work = Path(tmp) / "boot"
        shutil.copytree(gt.pristine(sc, cache), work, symlinks=True)
        pol = Path(tmp) / "boot.conf"
        pol.write_text(sc.policy_text() or "")
        for p in boot_gate_metrics(binary, work, pol):
            failed += 1
            print("FAIL boot gate metrics: %s" % p)
        n += 1
    print("prometheus: %d scenario outputs checked, %d failed" % (n, failed))
    return 1 if failed or not n else 0


if __name__ == "__main__":
    sys.exit(main())
