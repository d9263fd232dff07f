#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`make bench`: gpugate's cost, measured (docs/benchmarks.md).

    tests/bench/bench.py [--runs N] [--sizes 1000,2500,5000,10000] [--no-qemu]

1. Speed against lspci: on the HGX-like tree (scenario hgx_pass of
   tests/trees/scenarios.py) and on generated N-function trees
   (`mktree.py --big N`), median wall time of

       gpugate --root T -p POLICY check
       lspci -A linux-sysfs -O sysfs.path=T/sys/bus/pci -vvv

   over N interleaved runs each (after one warm-up run each), and the ratio.
2. Linearity: gpugate's time for 1k, 2.5k, 5k and 10k functions, per
   function and as a least-squares line (slope, intercept, R^2).
3. Peak RSS with /usr/bin/time -v on the HGX and the largest tree.
4. Size of build/gpugate.
5. Unless --no-qemu or BENCH_QEMU=0: initramfs size with and without the
   dracut module (and the initramfs-tools hook), guest boot time with and
   without it, per round and as medians, the gate's own run time, and where
   the pre-udev gate spends its time (a traced boot), from
   tests/bench/qemu-boot.sh (the QEMU lab; BENCH_BOOTS boots per image,
   default 7; BENCH_ICOUNT, BENCH_ITOOLS: see there), on each kernel of
   BENCH_KERNELS (default "6.1 6.12"), the kernels side by side.

With --versus REV it measures only the build/gpugate against git revision
REV's binary (built once by tests/lib/gpugate_test.py's build_rev; REV may
also be the path of a gpugate binary): median
wall and CPU time of `check`, interleaved run by run, on the HGX tree and the
generated trees; peak RSS; binary size; each as the ratio current / REV.
That is the "nothing got slower or bigger" measurement of a refactoring, in
one run on one machine. Writes build/bench/versus.md.

Writes build/bench/results.md (the tables of docs/benchmarks.md) and
build/bench/results.json, and prints the tables. The trees are cached in
build/bench/trees/ (keyed by the generator's source; a 10k tree is about
1.5 GB and 470k files).
"""

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "lib"))
from gpugate_test import build_rev  # noqa: E402
OUT = REPO / "build" / "bench"
BIN = REPO / "build" / "gpugate"
MKTREE = REPO / "tests" / "gen" / "mktree.py"
HGX = "hgx_pass"
# the images with gpugate and those they are compared with (tests/bench/qemu-boot.sh)
IMAGES = ("gate", "vfio-ids", "plain", "itgate", "itvfio-ids", "itplain")
PAIRS = (("gate", "vfio-ids"), ("gate", "plain"), ("itgate", "itvfio-ids"), ("itgate", "itplain"))
TARGETS = {"ratio": 5.0, "binary_kib": 512, "rss_mib": 4.0, "boot_pct": 2.0}


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def tree_key():
    h = hashlib.sha256()
    for p in (MKTREE, REPO / "tests" / "trees" / "scenarios.py"):
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def tree(name, args):
    """Build (once) a tree with `mktree.py ARGS OUT`; return its path."""
    base = OUT / "trees"
    root = base / ("%s-%s" % (name, tree_key()))
    if (root / ".done").exists():
        return root
    if base.is_dir():                     # trees of older generator sources
        for old in base.iterdir():
            if old.name.startswith(name + "-") and old != root:
                shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(root, ignore_errors=True)
    base.mkdir(parents=True, exist_ok=True)
    log("building tree %s (mktree.py %s)" % (name, " ".join(args)))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(MKTREE)] + args + [str(root)], check=True,
                   stdout=subprocess.DEVNULL)
    (root / ".done").write_text("")
    log("  %.0f s" % (time.perf_counter() - t0))
    return root


def nfuncs(root):
    return len(os.listdir(root / "sys" / "bus" / "pci" / "devices"))


def run_once(cmd):
    """(wall s, cpu s, exit status) of one run, output discarded."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, p.returncode


def peak_rss_kib(cmd):
    """Maximum resident set size from GNU time -v, in KiB."""
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return int(m.group(1)) if m else None


def commands(root, policy):
    g = [str(BIN), "--root", str(root), "-p", str(policy), "check"]
    l = ["lspci", "-A", "linux-sysfs", "-O", "sysfs.path=%s/sys/bus/pci" % root, "-vvv"]
    return g, l


def compare(root, policy, runs):
    g, l = commands(root, policy)
    rc = run_once(g)[2]
    run_once(l)
    gw, gc, lw, lc = [], [], [], []
    for _ in range(runs):
        w, c, _ = run_once(g)
        gw.append(w)
        gc.append(c)
        w, c, _ = run_once(l)
        lw.append(w)
        lc.append(c)
    med = statistics.median
    return {"functions": nfuncs(root), "gpugate_exit": rc, "runs": runs,
            "gpugate_wall": med(gw), "gpugate_cpu": med(gc),
            "gpugate_wall_min": min(gw), "gpugate_wall_max": max(gw),
            "lspci_wall": med(lw), "lspci_cpu": med(lc),
            "lspci_wall_min": min(lw), "lspci_wall_max": max(lw),
            "ratio_wall": med(lw) / med(gw), "ratio_wall_min": min(lw) / min(gw),
            "ratio_cpu": med(lc) / med(gc)}


def linfit(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    slope = sxy / sxx
    icpt = my - slope * mx
    ss_res = sum((y - (icpt + slope * x)) ** 2 for x, y in zip(xs, ys))
    ss_tot = sum((y - my) ** 2 for y in ys)
    return slope, icpt, 1 - ss_res / ss_tot if ss_tot else 1.0


def parse_trace(path):
    """Where the pre-udev `gpugate gate` of the gate-trace boot spent its time.

    The trace (tests/bench/dracut/97benchtrace) has gpugate's system calls
    (enter and exit), module_load and the process's exec and exit, with the
    kernel's trace clock. Phases: start (exec to the first finit_module:
    policy, first scan and checks, libkmod's index), module loading (first
    finit_module to the end of the last), the rest (binding, ACS/ATS
    writes, second scan and checks, report)."""
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return None
    if "BENCH-TRACE-BEGIN" not in text:
        return None
    body = text.split("BENCH-TRACE-BEGIN", 1)[1].split("BENCH-TRACE-END", 1)[0]
    ev = []
    for line in body.splitlines():
        m = re.search(r"\s(\d+\.\d+): (.*)$", line)
        if m and "gpugate-" in line:
            ev.append((float(m.group(1)), m.group(2)))
    exe = [t for t, e in ev if e.startswith("sched_process_exec")]
    ext = [t for t, e in ev if e.startswith("sched_process_exit")]
    if not exe or not ext:
        return None
    t0, t1 = exe[0], ext[0]
    calls, pend, mods = [], None, []
    for t, e in ev:
        m = re.match(r"(sys_\w+)\((.*)\)$", e)
        if m:
            pend = (m.group(1), t, m.group(2))
            continue
        m = re.match(r"(sys_\w+) -> ", e)
        if m and pend and pend[0] == m.group(1):
            calls.append((pend[0], pend[1], t, pend[2]))
            pend = None
            continue
        if e.startswith("module_load:"):
            mods.append((t, e.split(":", 1)[1].split()[0]))
    fin = [c for c in calls if c[0] == "sys_finit_module"]
    res = {"total": t1 - t0, "syscalls": len(calls),
           "syscall_time": sum(c[2] - c[1] for c in calls)}
    res["user_time"] = res["total"] - res["syscall_time"]
    if fin:
        res["modules"] = [m for _, m in mods]
        res["finit_n"] = len(fin)
        res["finit_time"] = sum(c[2] - c[1] for c in fin)
        res["module_each"] = [(m, c[2] - c[1]) for (_, m), c in zip(mods, fin)]
        res["start"] = fin[0][1] - t0
        res["loading"] = fin[-1][2] - fin[0][1]
        res["rest"] = t1 - fin[-1][2]
    long_calls = [c for c in calls if c[0] != "sys_finit_module" and c[2] - c[1] > 0.002]
    res["long_calls"] = [(c[0], c[2] - c[1], re.sub(r"(buf|statbuf|dirent): \w+, ", "", c[3]))
                         for c in long_calls]
    return res


# the guest kernels the boot part runs on (qemu/common.sh's GPUGATE_KERNEL), and
# each one's bench directory under OUT
KERNELS = {"6.1": "qemu", "6.12": "qemu-6.12"}


def qemu_part(boots):
    """The QEMU part on every kernel of BENCH_KERNELS (default both), the
    kernels' qemu-boot.sh runs side by side (TCG keeps one core busy per
    guest; -icount makes the guest's times independent of the host's load)."""
    if not (shutil.which("qemu-system-x86_64") and shutil.which("dracut")):
        return {"skipped": "qemu-system-x86_64 or dracut missing (qemu/install-deps.sh)"}
    kernels = os.environ.get("BENCH_KERNELS", " ".join(KERNELS)).split()
    for k in kernels:
        if k not in KERNELS:
            return {"skipped": "BENCH_KERNELS: unknown kernel %r (6.1 or 6.12)" % k}
    log("QEMU: initramfs images and %d boots per image on %s, side by side "
        "(several minutes)" % (boots, " and ".join(kernels)))
    procs = {}
    for k in kernels:
        logf = open(OUT / ("%s.log" % KERNELS[k]), "w")
        procs[k] = (subprocess.Popen(
            ["bash", str(REPO / "tests" / "bench" / "qemu-boot.sh"),
             str(OUT / KERNELS[k]), str(boots)], stdout=subprocess.PIPE, stderr=logf,
            text=True, env=dict(os.environ, GPUGATE_KERNEL=k)), logf)
    res = {"kernels": {}}
    for k, (p, logf) in procs.items():
        out, _ = p.communicate()
        logf.close()
        if p.returncode:
            res["kernels"][k] = {"skipped": "tests/bench/qemu-boot.sh on %s failed (exit %d, "
                                 "log %s)" % (k, p.returncode, logf.name)}
            continue
        res["kernels"][k] = qemu_parse(out, boots, OUT / KERNELS[k])
    return res


def qemu_parse(stdout, boots, outdir):
    """One kernel's qemu-boot.sh output, summarised."""
    sizes, files, boot, trace = {}, {}, {}, None
    kver = None
    for line in stdout.splitlines():
        f = line.split()
        if f[0] == "kver":
            kver = f[1]
        elif f[0] == "size":
            sizes[f[1]] = {"raw": int(f[2]), "gzip": int(f[3]),
                           "zstd": None if f[4] == "-" else int(f[4])}
        elif f[0] == "files":
            files[f[1]] = int(f[2])
        elif f[0] == "boot":
            vals = [None if v == "none" else float(v) for v in f[3:12]]
            boot.setdefault(f[1], {})[int(f[2])] = vals
        elif f[0] == "trace":
            trace = parse_trace(f[1])
    res = {"kver": kver, "sizes": sizes, "files": files, "boots": boots, "variants": {},
           "icount": os.environ.get("BENCH_ICOUNT", "shift=1,sleep=on"),
           "per_boot": {v: [rows[n][0] for n in sorted(rows)] for v, rows in boot.items()}}
    for v, byround in boot.items():
        rows = list(byround.values())
        ok = [x for x in rows if x[0] is not None]
        d = {"reached_root": "%d/%d" % (len(ok), len(rows))}
        if ok:
            roots = sorted(x[0] for x in ok)
            d["root_median"] = statistics.median(roots)
            d["root_min"], d["root_max"] = roots[0], roots[-1]
            d["run_init_median"] = statistics.median(x[1] for x in ok if x[1] is not None)
            d["wall_median"] = statistics.median(x[8] for x in ok)
            udev = [x[3] - x[1] for x in ok if x[3] is not None and x[1] is not None]
            if udev:
                d["to_udev_median"] = statistics.median(udev)
            wait = [x[7] - x[6] for x in ok if x[6] is not None and x[7] is not None]
            if wait:
                d["disk_wait_median"] = statistics.median(wait)
                d["disk_wait_min"], d["disk_wait_max"] = min(wait), max(wait)
            full = [x for x in ok if None not in x[2:6]]
            if full:
                hooks = [(x[3] - x[2]) + (x[5] - x[4]) for x in full]
                d["hooks_median"] = statistics.median(hooks)
                d["hooks_min"], d["hooks_max"] = min(hooks), max(hooks)
                d["pre_udev_median"] = statistics.median(x[3] - x[2] for x in full)
                d["pre_pivot_median"] = statistics.median(x[5] - x[4] for x in full)
        res["variants"][v] = d
    # the difference per round (boots of one round ran back to back)
    res["paired"] = {}
    for gate, base in PAIRS:
        g, b = boot.get(gate, {}), boot.get(base, {})
        diffs = sorted(g[n][0] - b[n][0] for n in g
                       if n in b and g[n][0] is not None and b[n][0] is not None)
        if diffs:
            res["paired"][base] = {"gate": gate, "median": statistics.median(diffs),
                                   "min": diffs[0], "max": diffs[-1], "n": len(diffs)}
    res["trace"] = trace
    added = outdir / "files-added-by-gpugate.txt"
    if added.exists():
        res["added_files"] = added.read_text().split()
    return res


def env_info():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ver = subprocess.run([str(BIN), "--version"], capture_output=True, text=True).stdout.strip()
    lv = subprocess.run(["lspci", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cpus": os.cpu_count(), "kernel": platform.release(),
            "gpugate": ver, "lspci": lv, "loadavg_start": os.getloadavg()[0]}


def ms(s):
    return "%.1f ms" % (s * 1e3)


def report(res):
    out = []
    e = res["env"]
    out.append("Measured %s on %s (%d CPUs), kernel %s; %s; %s; load average %.1f at the "
               "start, %.1f at the end." % (time.strftime("%Y-%m-%d", time.gmtime(res["time"])),
                                             e["cpu"], e["cpus"], e["kernel"], e["gpugate"],
                                             e["lspci"], e["loadavg_start"], e["loadavg_end"]))
    out.append("")
    out.append("### gpugate check vs lspci -vvv (same tree)")
    out.append("")
    out.append("Wall time: median (minimum) of the runs; CPU time (user + system, from "
               "wait4): median. Runs: %d for trees up to 2,500 functions, %d above." % (
                   res["runs"], max(3, res["runs"] // 2 + 1)))
    out.append("")
    out.append("| tree | functions | gpugate check wall | CPU | lspci -vvv wall | CPU | "
               "ratio CPU | ratio wall median (min) | gpugate exit |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, c in res["compare"].items():
        out.append("| %s | %d | %s (%s) | %s | %s (%s) | %s | %.1f× | %.1f× (%.1f×) | %d |" % (
            name, c["functions"], ms(c["gpugate_wall"]), ms(c["gpugate_wall_min"]),
            ms(c["gpugate_cpu"]), ms(c["lspci_wall"]), ms(c["lspci_wall_min"]),
            ms(c["lspci_cpu"]), c["ratio_cpu"], c["ratio_wall"], c["ratio_wall_min"],
            c["gpugate_exit"]))
    out.append("")
    lin = res["linearity"]
    out.append("### Linearity (gpugate check, median CPU time)")
    out.append("")
    out.append("| functions | CPU time | per function | CPU time / CPU time at half the size |")
    out.append("|---:|---:|---:|---:|")
    prev = {}
    for n, t in lin["points_cpu"]:
        half = prev.get(n / 2)
        out.append("| %d | %s | %.1f µs | %s |" % (n, ms(t), t / n * 1e6,
                                                  "%.2f" % (t / half) if half else "–"))
        prev[n] = t
    out.append("")
    out.append("Least-squares line, CPU time: %.1f µs per function %+.1f ms, R² = %.4f; "
               "wall time: %.1f µs per function %+.1f ms, R² = %.4f." % (
                   lin["slope_cpu"] * 1e6, lin["intercept_cpu"] * 1e3, lin["r2_cpu"],
                   lin["slope"] * 1e6, lin["intercept"] * 1e3, lin["r2"]))
    out.append("")
    out.append("### Memory and size")
    out.append("")
    out.append("| what | measured | target |")
    out.append("|---|---:|---:|")
    for name, kib in res["rss"].items():
        out.append("| peak RSS, %s | %.2f MiB (%d KiB) | %s |" % (
            name, kib / 1024, kib, "≤ 4 MiB" if "gpugate" in name and HGX in name else "–"))
    out.append("| build/gpugate (static, stripped) | %.0f KiB (%d bytes) | ≤ 512 KiB |" % (
        res["binary_bytes"] / 1024, res["binary_bytes"]))
    return "\n".join(out) + "\n" + report_qemu(res["qemu"])


def report_qemu(q):
    out = [""]
    out.append("### Initramfs and boot (QEMU lab)")
    out.append("")
    if "skipped" in q:
        out.append("Not measured: %s." % q["skipped"])
        return "\n".join(out) + "\n"
    for k, part in q["kernels"].items():
        out.append("#### Kernel %s (%s)" % (k, part.get("kver") or "?"))
        out.append("")
        if "skipped" in part:
            out.append("Not measured: %s." % part["skipped"])
            out.append("")
            continue
        out.append(report_qemu_kernel(part))
    return "\n".join(out)


def report_qemu_kernel(q):
    """The tables of one kernel's boots."""
    out = []
    s = q["sizes"]
    out.append("| image | files | uncompressed | gzip -9 | zstd -19 |")
    out.append("|---|---:|---:|---:|---:|")
    for v in IMAGES:
        if v in s:
            out.append("| %s | %d | %d | %d | %s |" % (v, q["files"].get(v, 0), s[v]["raw"],
                                                       s[v]["gzip"], s[v]["zstd"] or "–"))
    for g, base in PAIRS:
        if g in s and base in s:
            out.append("| %s − %s | %+d | %+d (%.1f KiB) | %+d (%.1f KiB) | %s |" % (
                g, base, q["files"][g] - q["files"][base],
                s[g]["raw"] - s[base]["raw"], (s[g]["raw"] - s[base]["raw"]) / 1024,
                s[g]["gzip"] - s[base]["gzip"], (s[g]["gzip"] - s[base]["gzip"]) / 1024,
                "%+d" % (s[g]["zstd"] - s[base]["zstd"]) if s[g]["zstd"] and s[base]["zstd"]
                else "–"))
    out.append("")
    out.append("Boots: %d per image, interleaved (the order rotates each round), "
               "`-icount %s`. Times are the guest's uptime (s)." % (q["boots"], q.get("icount", "?")))
    out.append("")
    out.append("| image | reached root | boot to root: median (min–max) | spread | "
               "/init → udev starts | disk found → root mounted | gpugate's hooks | "
               "pre-udev | pre-pivot |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for v in IMAGES:
        d = q["variants"].get(v)
        if not d:
            continue
        if "root_median" not in d:
            out.append("| %s | %s | – | – | – | – | – | – | – |" % (v, d["reached_root"]))
            continue
        out.append("| %s | %s | %.3f (%.3f–%.3f) | %.3f | %s | %s | %s | %s | %s |" % (
            v, d["reached_root"], d["root_median"], d["root_min"], d["root_max"],
            d["root_max"] - d["root_min"],
            "%.3f" % d["to_udev_median"] if "to_udev_median" in d else "–",
            "%.3f (%.3f–%.3f)" % (d["disk_wait_median"], d["disk_wait_min"], d["disk_wait_max"])
            if "disk_wait_median" in d else "–",
            "%.3f (%.3f–%.3f)" % (d["hooks_median"], d["hooks_min"], d["hooks_max"])
            if v == "gate" and "hooks_median" in d else "–",
            "%.4f" % d["pre_udev_median"] if v == "gate" and "pre_udev_median" in d else "–",
            "%.4f" % d["pre_pivot_median"] if v == "gate" and "pre_pivot_median" in d else "–"))
    out.append("")
    out.append("Per boot, boot to root (s), in round order:")
    out.append("")
    for v in IMAGES:
        if v in q.get("per_boot", {}):
            out.append("- %s: %s" % (v, ", ".join("%.3f" % x if x is not None else "none"
                                                  for x in q["per_boot"][v])))
    if q.get("paired"):
        out.append("")
        out.append("| image with gpugate − without | difference of the medians | % | "
                   "per-round difference: median (min–max) | % |")
        out.append("|---|---:|---:|---:|---:|")
        for gate, base in PAIRS:
            g = q["variants"].get(gate, {})
            b = q["variants"].get(base, {})
            pr = q.get("paired", {}).get(base)
            if "root_median" not in b or "root_median" not in g or not pr:
                continue
            out.append("| %s − %s | %+.3f s | %+.2f %% | %+.3f s (%+.3f – %+.3f) | %+.2f %% |" % (
                gate, base, g["root_median"] - b["root_median"],
                100 * (g["root_median"] - b["root_median"]) / b["root_median"],
                pr["median"], pr["min"], pr["max"], 100 * pr["median"] / b["root_median"]))
    g = q["variants"].get("gate", {})
    if "hooks_median" in g and "root_median" in g:
        out.append("")
        out.append("gpugate's two hooks: %.3f s median = %.1f %% of the gate image's boot to "
                   "the root file system (%.3f s): pre-udev `gpugate gate` (loads the vfio "
                   "modules, binds, checks twice) %.3f s = %.1f %%, pre-pivot `gpugate gate "
                   "--verify` (one check) %.4f s = %.2f %%." % (
                       g["hooks_median"], 100 * g["hooks_median"] / g["root_median"],
                       g["root_median"], g["pre_udev_median"],
                       100 * g["pre_udev_median"] / g["root_median"], g["pre_pivot_median"],
                       100 * g["pre_pivot_median"] / g["root_median"]))
    t = q.get("trace")
    if t and "finit_time" in t:
        out.append("")
        out.append("The pre-udev `gpugate gate`, traced (one boot of `gate-trace`, kernel "
                   "trace events; the tracing itself adds a little): %.3f s from exec to "
                   "exit, %d system calls." % (t["total"], t["syscalls"]))
        out.append("")
        out.append("| part | time |")
        out.append("|---|---:|")
        out.append("| start: policy, first scan and checks, libkmod index (exec → first "
                   "finit_module) | %.4f s |" % t["start"])
        out.append("| loading %d modules (first finit_module → end of the last): %s | %.4f s |" % (
            t["finit_n"], ", ".join("%s %.1f ms" % (m, d * 1e3) for m, d in t["module_each"]),
            t["loading"]))
        out.append("| of that, inside finit_module (the kernel) | %.4f s |" % t["finit_time"])
        out.append("| rest: binding, ACS/ATS, second scan and checks, report | %.4f s |" % t["rest"])
        for name, d, args in t["long_calls"]:
            out.append("| of that, one %s (%s) | %.4f s |" % (name, args, d))
        out.append("| all system calls / user space | %.4f s / %.4f s |" % (
            t["syscall_time"], t["user_time"]))
    return "\n".join(out) + "\n"


def qemu_verdicts(q):
    """The boot-time target on every kernel: the gate image against each
    image without gpugate. A kernel that was not measured is a miss."""
    out = []
    for k, part in q.get("kernels", {}).items():
        if "skipped" in part:
            out.append(("boot time on %s: %s" % (k, part["skipped"]), False))
            continue
        out += [("%s: %s" % (part.get("kver") or k, what), ok)
                for what, ok in qemu_verdicts_kernel(part)]
    return out


def qemu_verdicts_kernel(q):
    """One kernel's boot-time verdicts."""
    out = []
    for gate, base in PAIRS:
        pr = q.get("paired", {}).get(base)
        b = q.get("variants", {}).get(base, {})
        if pr and "root_median" in b:
            out.append(("%s < %.0f %% slower to boot than %s (QEMU/TCG, median of "
                        "the per-round differences)" % (gate, TARGETS["boot_pct"], base),
                        100 * pr["median"] / b["root_median"] < TARGETS["boot_pct"]))
    return out


def versus(rev, runs, sizes):
    """Current build/gpugate against REV's binary: ratios current / REV."""
    old = Path(rev) if os.path.isfile(rev) else build_rev(rev)
    hgx = tree(HGX, [HGX])
    empty = OUT / "empty-policy.conf"
    empty.write_text("")
    trees = [(HGX, hgx, hgx / "etc" / "gpugate" / "policy.conf")]
    trees += [("big %d" % n, tree("big%d" % n, ["--big", str(n)]), empty) for n in sizes]
    rows = []
    for name, root, pol in trees:
        cmd = lambda b: [str(b), "--root", str(root), "-p", str(pol), "check"]
        n = max(3, runs if nfuncs(root) <= 2500 else runs // 2 + 1)
        log("versus %s: %s (%d runs each)" % (rev, name, n))
        codes = {run_once(cmd(BIN))[2], run_once(cmd(old))[2]}
        nw, nc, ow, oc = [], [], [], []
        for _ in range(n):
            w, c, _ = run_once(cmd(BIN))
            nw.append(w)
            nc.append(c)
            w, c, _ = run_once(cmd(old))
            ow.append(w)
            oc.append(c)
        med = statistics.median
        rss_new = min(peak_rss_kib(cmd(BIN)) for _ in range(3))
        rss_old = min(peak_rss_kib(cmd(old)) for _ in range(3))
        rows.append((name, n, len(codes) == 1, med(nw), med(ow), med(nc), med(oc),
                     rss_new, rss_old))
    sz_new, sz_old = BIN.stat().st_size, old.stat().st_size
    lines = ["# build/gpugate against %s" % rev, "",
             "load average %.1f at the end; medians of interleaved runs." % os.getloadavg()[0],
             "", "| tree | runs | same exit | wall ms (now / %s) | ratio | CPU ms | ratio | "
             "peak RSS KiB | ratio |" % rev, "|---|---|---|---|---|---|---|---|---|"]
    for name, n, same, nw, ow, nc, oc, rn, ro in rows:
        lines.append("| %s | %d | %s | %.1f / %.1f | %.3f | %.1f / %.1f | %.3f | %d / %d | %.3f |"
                     % (name, n, "yes" if same else "NO", nw * 1e3, ow * 1e3, nw / ow,
                        nc * 1e3, oc * 1e3, nc / oc if oc else 0, rn, ro, rn / ro))
    lines += ["", "binary: %d / %d bytes, ratio %.3f" % (sz_new, sz_old, sz_new / sz_old), ""]
    text = "\n".join(lines)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "versus.md").write_text(text)
    print(text)
    return 0 if all(r[2] for r in rows) else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "21")))
    ap.add_argument("--sizes", default="1000,2500,5000,10000")
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--only-qemu", action="store_true",
                    help="redo only the QEMU part, over build/bench/results.json")
    ap.add_argument("--versus", metavar="REV",
                    help="only compare build/gpugate with git revision REV's binary "
                    "(or the binary at path REV)")
    a = ap.parse_args()
    if a.versus:
        return versus(a.versus, a.runs, [int(x) for x in a.sizes.split(",")])
    if a.only_qemu:
        try:
            res = json.loads((OUT / "results.json").read_text())
        except (OSError, ValueError):
            res = {}
        OUT.mkdir(parents=True, exist_ok=True)
        res["qemu"] = qemu_part(int(os.environ.get("BENCH_BOOTS", "7")))
        res["qemu"]["loadavg"] = os.getloadavg()[0]
        text = report(res) if "compare" in res else report_qemu(res["qemu"])
        (OUT / "results.md").write_text(text)
        (OUT / "results.json").write_text(json.dumps(res, indent=1) + "\n")
        print(text)
        for what, ok in qemu_verdicts(res["qemu"]):
            print("%-4s %s" % ("met" if ok else "MISSED", what))
        return 0
    if not os.access(BIN, os.X_OK):
        log("%s missing: run make" % BIN)
        return 1
    for tool in ("lspci", "/usr/bin/time"):
        if not shutil.which(tool):
            log("%s missing (tests/install-deps.sh)" % tool)
            return 1
    OUT.mkdir(parents=True, exist_ok=True)
    res = {"time": time.time(), "env": env_info(), "runs": a.runs, "compare": {}}
    sizes = [int(x) for x in a.sizes.split(",")]

    hgx = tree(HGX, [HGX])
    hgx_pol = hgx / "etc" / "gpugate" / "policy.conf"
    empty = OUT / "empty-policy.conf"
    empty.write_text("")
    bigs = {n: tree("big%d" % n, ["--big", str(n)]) for n in sizes}

    log("timing %s (%d runs each)" % (HGX, a.runs))
    res["compare"][HGX] = compare(hgx, hgx_pol, a.runs)
    points, points_cpu = [], []
    for n, root in bigs.items():
        runs = max(3, a.runs if n <= 2500 else a.runs // 2 + 1)
        log("timing --big %d (%d runs each)" % (n, runs))
        c = compare(root, empty, runs)
        res["compare"]["big %d" % n] = c
        points.append((c["functions"], c["gpugate_wall"]))
        points_cpu.append((c["functions"], c["gpugate_cpu"]))
    slope, icpt, r2 = linfit([p[0] for p in points], [p[1] for p in points])
    cslope, cicpt, cr2 = linfit([p[0] for p in points_cpu], [p[1] for p in points_cpu])
    res["linearity"] = {"points": points, "slope": slope, "intercept": icpt, "r2": r2,
                        "points_cpu": points_cpu, "slope_cpu": cslope,
                        "intercept_cpu": cicpt, "r2_cpu": cr2}

    log("peak RSS")
    res["rss"] = {}
    big = bigs[max(sizes)]
    for name, root, pol in ((HGX, hgx, hgx_pol), ("big %d" % max(sizes), big, empty)):
        g, l = commands(root, pol)
        res["rss"]["gpugate check, " + name] = max(peak_rss_kib(g) for _ in range(3))
        res["rss"]["lspci -vvv, " + name] = peak_rss_kib(l)
    res["binary_bytes"] = BIN.stat().st_size

    if a.no_qemu or os.environ.get("BENCH_QEMU", "1") == "0":
        res["qemu"] = {"skipped": "--no-qemu / BENCH_QEMU=0"}
    else:
        res["qemu"] = qemu_part(int(os.environ.get("BENCH_BOOTS", "7")))
    res["env"]["loadavg_end"] = os.getloadavg()[0]

    text = report(res)
    (OUT / "results.md").write_text(text)
    (OUT / "results.json").write_text(json.dumps(res, indent=1) + "\n")
    print(text)
    h = res["compare"][HGX]
    rss = res["rss"]["gpugate check, " + HGX] / 1024
    verdicts = [
        ("check ≥ %.0f× faster than lspci -vvv (HGX, CPU time)" % TARGETS["ratio"],
         h["ratio_cpu"] >= TARGETS["ratio"]),
        ("check ≥ %.0f× faster than lspci -vvv (HGX, minimum wall time)" % TARGETS["ratio"],
         h["ratio_wall_min"] >= TARGETS["ratio"]),
        ("check ≥ %.0f× faster than lspci -vvv (10,000 functions, CPU time)" % TARGETS["ratio"],
         res["compare"]["big %d" % max(sizes)]["ratio_cpu"] >= TARGETS["ratio"]),
        ("linear (CPU time fit R² ≥ 0.99)", cr2 >= 0.99),
        ("binary ≤ 512 KiB", res["binary_bytes"] <= TARGETS["binary_kib"] * 1024),
        ("peak RSS ≤ 4 MiB on HGX", rss <= TARGETS["rss_mib"]),
    ]
    verdicts += qemu_verdicts(res["qemu"])
    for what, ok in verdicts:
        print("%-4s %s" % ("met" if ok else "MISSED", what))
    log("written %s and results.json" % (OUT / "results.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
