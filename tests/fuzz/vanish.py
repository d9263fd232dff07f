#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Devices that vanish while gpugate runs: it must neither hang nor crash,
and what it could not read must make the run undetermined (exit 3).

    tests/fuzz/vanish.py [--race-big N] [--races K]

Pause tests (deterministic), on a copy of the hgx_pass tree (8 H100s),
with the fault-injection build: GPUGATE_FAULT_PAUSE makes it stop itself
(SIGSTOP) in libpci's open of the first GPU's `class` file A, during the
scan, before the topology is read and before the checks read B, the last
GPU's config. While it is stopped, B is damaged; then SIGCONT lets it go
on:

  rmdir    B's whole sysfs directory removed (bus/pci/devices/B dangles)
  dangling B's config replaced by a dangling symlink
  gone     B's config file removed
  empty    B's config truncated to 0 bytes
  all      every device directory under sys/devices removed

Each must exit 3 within TIMEOUT with JSON naming B (rmdir/dangling/gone/
empty) under access.config.

FIFO tests, with the program itself: A's vendor, device, class or config
file, or revision, is a FIFO (a hostile --root tree). libpci opens those
files itself; under --root gpugate's open() refuses a FIFO there, so the run
must end within FIFO_LIMIT seconds (not at the 120 s watchdog): exit 3
naming A under access.config, or for revision (libpci then reads it from
config) any verdict. A's `resource` (read by gpugate itself, for
bar.assigned under `require_bars = yes`) as a FIFO: exit 3 with
bar.assigned undetermined on A ("not a regular file").

Race test (--race-big N, default off): on an N-function tree from
`mktree.py --big N`, K runs of `check` while a thread removes random
device directories after a random delay within the run; every run must end
within TIMEOUT with exit 0, 1 or 3 and no signal. Timings are printed.

Env: GPUGATE (default build/gpugate), GPUGATE_FAULT (default
build/gpugate-fault).
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "lib"))
import gpugate_test as gt  # noqa: E402
from gpugate_test import mktree  # noqa: E402
TIMEOUT = 60
FIFO_LIMIT = 10


def dev_dir(root, bdf):
    return Path(os.path.realpath(root / "sys/bus/pci/devices" / bdf))


def damage(root, b, how):
    d = dev_dir(root, b)
    if how == "rmdir":
        shutil.rmtree(d)
    elif how == "dangling":
        (d / "config").unlink()
        os.symlink("../../../firmware/gone/config", d / "config")
    elif how == "gone":
        (d / "config").unlink()
    elif how == "empty":
        (d / "config").write_bytes(b"")
    elif how == "all":
        for rc in (root / "sys/devices").glob("pci*"):
            shutil.rmtree(rc)


def wait_stopped(pid, limit):
    """True once @pid is stopped (state T: it raised SIGSTOP)."""
    end = time.time() + limit
    while time.time() < end:
        try:
            with open("/proc/%d/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False                      # exited
        if state in ("T", "t"):
            return True
        time.sleep(0.005)
    return False


def copy_tree(src, policy, tag, work):
    d = Path(tempfile.mkdtemp(prefix="vanish-" + tag + ".", dir=work))
    root = d / "root"
    shutil.copytree(src, root, symlinks=True)
    pol = root / "etc/gpugate/policy.conf"
    pol.parent.mkdir(parents=True, exist_ok=True)
    pol.write_text(policy)
    return d, root, pol


def first_last_gpu(binary, root, pol):
    cmd = [binary, "--root", str(root), "-p", str(pol), "-f", "json", "check"]
    base = json.loads(subprocess.run(cmd, capture_output=True, text=True).stdout)
    gpus = [x["bdf"] for x in base["devices"]]
    return gpus[0], gpus[-1]


def check_named(out, want):
    """None if the JSON report's access.config failures name @want."""
    try:
        rep = json.loads(out)
    except ValueError:
        return "stdout is not JSON: %r" % out[:200], set()
    named = {c.get("device") for c in rep.get("checks", [])
             if c.get("id") == "access.config" and c.get("status") == "fail"}
    if want and want not in named:
        return "access.config does not name %s (names %s)" % (want, sorted(named)), named
    return None, named


def bar_unknown(out, want):
    """None if bar.assigned is undetermined on @want, its resource file
    refused as not a regular file."""
    try:
        rep = json.loads(out)
    except ValueError:
        return "stdout is not JSON: %r" % out[:200]
    for c in rep.get("checks", []):
        if c.get("id") == "bar.assigned" and c.get("device") == want:
            if c.get("undetermined") and "not a regular file" in c.get("message", ""):
                return None
            return "bar.assigned on %s: %r" % (want, c.get("message"))
    return "no bar.assigned finding on %s" % want


def pause_test(binary, fault_bin, src, policy, how, work):
    d, root, pol = copy_tree(src, policy, how, work)
    a, b = first_last_gpu(binary, root, pol)
    cmd = [fault_bin, "--root", str(root), "-p", str(pol), "-f", "json", "check"]
    env = dict(os.environ, GPUGATE_FAULT_PAUSE="/%s/class" % a)
    for k in ("GPUGATE_FAULT_AT", "GPUGATE_FAULT_NOSTICK", "GPUGATE_FAULT_COUNT"):
        env.pop(k, None)
    t0 = time.time()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, stdin=subprocess.DEVNULL, env=env)
    try:
        if not wait_stopped(p.pid, TIMEOUT):
            return "gpugate never stopped opening %s's class" % a, 0
        t_block = time.time() - t0
        damage(root, b, how)
        os.kill(p.pid, signal.SIGCONT)
        out, err = p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "hung: no exit %ds after B was damaged" % TIMEOUT, 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    dt = time.time() - t0
    shutil.rmtree(d, ignore_errors=True)
    if p.returncode != 3:
        return "exit %d, expected 3: %s" % (p.returncode, err[-300:]), dt
    prob, named = check_named(out, b if how != "all" else None)
    if prob:
        return prob, dt
    print("ok pause %-8s stopped at A after %.2fs, exit 3 after %.2fs, "
          "access.config names %d device(s)" % (how, t_block, dt, len(named)))
    return None, dt


def fifo_test(binary, src, policy, attr, work):
    """A's @attr is a FIFO: the run must end quickly, never block."""
    d, root, pol = copy_tree(src, policy, "fifo-" + attr, work)
    a, _ = first_last_gpu(binary, root, pol)
    f = dev_dir(root, a) / attr
    f.unlink()
    os.mkfifo(f)
    cmd = [binary, "--root", str(root), "-p", str(pol), "-f", "json", "check"]
    t0 = time.time()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=FIFO_LIMIT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "blocked: no exit within %ds (a FIFO %s)" % (FIFO_LIMIT, attr)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    dt = time.time() - t0
    if attr == "revision":
        if r.returncode not in (0, 3):
            return "exit %d: %s" % (r.returncode, r.stderr[-300:])
    elif attr == "resource":
        if r.returncode != 3:
            return "exit %d, expected 3: %s" % (r.returncode, r.stderr[-300:])
        prob = bar_unknown(r.stdout, a)
        if prob:
            return prob
    else:
        if r.returncode != 3:
            return "exit %d, expected 3: %s" % (r.returncode, r.stderr[-300:])
        prob, _ = check_named(r.stdout, a)
        if prob:
            return prob
    print("ok fifo  %-8s exit %d after %.2fs" % (attr, r.returncode, dt))
    return None


def race_test(binary, n, runs, work):
    top = Path(tempfile.mkdtemp(prefix="vanish-big.", dir=work))
    root = top / "root"
    t = time.time()
    mktree.write_tree(mktree.big_host(n), root)
    print("built --big %d in %.1fs" % (n, time.time() - t))
    pol = top / "empty.conf"
    pol.write_text("")
    cmd = [binary, "--root", str(root), "-p", str(pol), "-f", "json", "check"]
    t = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT * 5)
    undisturbed = time.time() - t
    print("undisturbed check: exit %d in %.2fs" % (r.returncode, undisturbed))
    rng = random.Random(1)
    probs, stats = [], {}
    for i in range(runs):
        devs = sorted(p.name for p in (root / "sys/bus/pci/devices").iterdir())
        victims = rng.sample(devs, min(20, len(devs)))
        delay = rng.uniform(0, undisturbed)

        def killer():
            time.sleep(delay)
            for v in victims:
                shutil.rmtree(dev_dir(root, v), ignore_errors=True)

        th = threading.Thread(target=killer)
        t = time.time()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        th.start()
        try:
            _, err = p.communicate(timeout=TIMEOUT * 5)
        except subprocess.TimeoutExpired:
            p.kill()
            probs.append("run %d hung" % i)
            th.join()
            continue
        th.join()
        dt = time.time() - t
        stats.setdefault(p.returncode, []).append(dt)
        if p.returncode not in (0, 1, 3):
            probs.append("run %d: exit %d: %s" % (i, p.returncode, err[-300:]))
    for rc, ts in sorted(stats.items()):
        print("race --big %d: exit %d x%d, %.2f-%.2fs" % (n, rc, len(ts), min(ts), max(ts)))
    shutil.rmtree(top, ignore_errors=True)
    return probs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--race-big", type=int, default=0)
    ap.add_argument("--races", type=int, default=10)
    a = ap.parse_args()
    binary = os.environ.get("GPUGATE", str(REPO / "build" / "gpugate"))
    fault_bin = os.environ.get("GPUGATE_FAULT", str(REPO / "build" / "gpugate-fault"))
    sc = next(s for s in mktree.load_scenarios() if s.name == "hgx_pass")
    base = gt.scratch_base()
    cache = gt.tree_cache(base)
    src = gt.pristine(sc, cache)
    work = Path(tempfile.mkdtemp(prefix="gpugate-vanish-", dir=base))
    bad = 0
    try:
        for how in ("rmdir", "dangling", "gone", "empty", "all"):
            prob, _ = pause_test(binary, fault_bin, src, sc.policy_text(), how, work)
            if prob:
                bad += 1
                print("FAIL pause %s: %s" % (how, prob))
        for attr in ("vendor", "device", "class", "config", "revision", "resource"):
            policy = sc.policy_text()
            if attr == "resource":  # read only for bar.assigned
                policy += "[devices]\nrequire_bars = yes\n"
            prob = fifo_test(binary, src, policy, attr, work)
            if prob:
                bad += 1
                print("FAIL fifo %s: %s" % (attr, prob))
        if a.race_big:
            for prob in race_test(binary, a.race_big, a.races, work):
                bad += 1
                print("FAIL race: %s" % prob)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("vanish: %d failed" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
