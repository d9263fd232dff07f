#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gpugate-check.service / .timer, gpugate-guard.service and gpugate-textfile,
as installed.

    tests/systemd/test-systemd.py

1. `make install DESTDIR=TMP PREFIX=/usr` installs the units, the textfile
   helper and the man pages where SPEC.md's install layout says.
2. The units parse: known sections, Type=oneshot, every ExecStart program
   installed and executable, the timer's schedule and [Install], the
   Documentation= man pages installed; the guard service is Type=simple,
   runs `gpugate guard daemon`, may write /var/lib/gpugate, sysfs and
   /dev/kmsg. `systemd-analyze verify --man=no`
   prints nothing (skipped, with a note, when systemd-analyze is missing).
3. The service's ExecStart lines, run the way systemd runs them (a '-'
   line's status is ignored, the first other failure ends the unit), with
   the installed binary pointed at generated sysfs trees via --root, the
   textfile directory redirected to a scratch directory:
   - passing host: unit succeeds, textfile valid, gpugate_result 0;
   - violated policy: unit fails, textfile still written (result 1);
   - undetermined state: unit fails, textfile written (result 3);
   - policy error: unit fails, textfile holds gpugate_result 2;
   - textfile directory missing: the helper writes nothing, the unit's
     result is gpugate check's.
   The textfile is replaced by rename (new inode, mode 0644, no temporary
   file left behind).
"""

import configparser
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "prom"))
sys.path.insert(0, str(REPO / "tests" / "lib"))
import gpugate_test as gt  # noqa: E402
from gpugate_test import mktree  # noqa: E402
import validate  # noqa: E402

UNITDIR = "usr/lib/systemd/system"
TEXTFILE_DIR = "/var/lib/prometheus/node-exporter"
problems = []


def bad(msg):
    problems.append(msg)


def parse_unit(path):
    cp = configparser.ConfigParser(strict=False, interpolation=None,
                                   delimiters=("=",), comment_prefixes=("#", ";"),
                                   empty_lines_in_values=False)
    cp.optionxform = str
    # configparser keeps only the last of repeated keys: collect ExecStart by hand
    execs, section = [], None
    for line in path.read_text().splitlines():
        s = line.strip()
        if s.startswith("["):
            section = s.strip("[]")
        elif section == "Service" and s.startswith("ExecStart="):
            execs.append(s.split("=", 1)[1])
    cp.read_string(path.read_text())
    return cp, execs


def check_install(dest):
    want = {
        "usr/sbin/gpugate": 0o755,
        "usr/lib/gpugate/gpugate-textfile": 0o755,
        UNITDIR + "/gpugate-check.service": 0o644,
        UNITDIR + "/gpugate-check.timer": 0o644,
        UNITDIR + "/gpugate-guard.service": 0o644,
        "usr/share/man/man8/gpugate.8": 0o644,
        "usr/share/man/man5/gpugate.conf.5": 0o644,
        "usr/lib/dracut/modules.d/90gpugate/module-setup.sh": 0o755,
        "etc/gpugate/policy.conf": 0o644,
        "etc/dracut.conf.d/90-gpugate.conf": 0o644,
    }
    for rel, mode in want.items():
        p = dest / rel
        if not p.is_file():
            bad("make install: %s missing" % rel)
        elif p.stat().st_mode & 0o777 != mode:
            bad("make install: %s mode %o, expected %o" % (rel, p.stat().st_mode & 0o777, mode))


def check_guard_unit(dest):
    """gpugate-guard.service: the daemon in the foreground, able to write
    sysfs, /dev/kmsg and the guard's state."""
    svc, execs = parse_unit(dest / UNITDIR / "gpugate-guard.service")
    if set(svc.sections()) != {"Unit", "Service", "Install"}:
        bad("guard service sections %s" % svc.sections())
    if svc.get("Service", "Type", fallback="") != "simple":
        bad("guard service is not Type=simple")
    if len(execs) != 1 or shlex.split(execs[0])[1:] != ["guard", "daemon"]:
        bad("guard service ExecStart lines %s: want gpugate guard daemon" % execs)
    elif not os.access(dest / shlex.split(execs[0])[0].lstrip("/"), os.X_OK):
        bad("guard ExecStart program %s not installed executable" % execs[0])
    rw = svc.get("Service", "ReadWritePaths", fallback="").split()
    if "/var/lib/gpugate" not in rw or "-" + TEXTFILE_DIR not in rw:
        bad("guard ReadWritePaths %s: want /var/lib/gpugate and -%s" % (rw, TEXTFILE_DIR))
    for key in ("ProtectKernelTunables", "PrivateDevices", "ProtectKernelLogs"):
        if svc.get("Service", key, fallback="no") != "no":
            bad("guard service sets %s: it writes sysfs and /dev/kmsg" % key)
    if "CAP_SYS_ADMIN" not in svc.get("Service", "CapabilityBoundingSet", fallback=""):
        bad("guard service lacks CAP_SYS_ADMIN (config space writes)")
    sa = shutil.which("systemd-analyze")
    if not sa:
        return
    # its only ExecStart is checked for an executable: the installed one
    unit = dest / "verify" / "gpugate-guard.service"
    unit.parent.mkdir(exist_ok=True)
    unit.write_text((dest / UNITDIR / unit.name).read_text().replace(
        "/usr/sbin/gpugate", str(dest / "usr/sbin/gpugate")))
    r = subprocess.run([sa, "verify", "--man=no", str(unit)], capture_output=True, text=True)
    out = (r.stdout + r.stderr).strip()
    if r.returncode or out:
        bad("systemd-analyze verify gpugate-guard.service: rc %d: %s" % (r.returncode, out))


def check_units(dest):
    svc, execs = parse_unit(dest / UNITDIR / "gpugate-check.service")
    tmr, _ = parse_unit(dest / UNITDIR / "gpugate-check.timer")
    if set(svc.sections()) != {"Unit", "Service"}:
        bad("service sections %s" % svc.sections())
    if svc.get("Service", "Type", fallback="") != "oneshot":
        bad("service is not Type=oneshot")
    if len(execs) != 2 or not execs[0].startswith("-") or execs[1].startswith("-"):
        bad("service ExecStart lines %s: want the '-' textfile line, then gpugate check" % execs)
    for e in execs:
        argv = shlex.split(e.lstrip("-@:+!"))
        p = dest / argv[0].lstrip("/")
        if not (p.is_file() and os.access(p, os.X_OK)):
            bad("ExecStart program %s not installed executable" % argv[0])
    if execs and shlex.split(execs[-1].lstrip("-"))[1:] != ["-q", "check"]:
        bad("the deciding ExecStart is not 'gpugate -q check': %s" % execs[-1])
    rw = svc.get("Service", "ReadWritePaths", fallback="")
    if TEXTFILE_DIR not in rw:
        bad("ReadWritePaths does not include %s" % TEXTFILE_DIR)
    for doc in svc.get("Unit", "Documentation", fallback="").split():
        name, sec = doc[len("man:"):].rstrip(")").split("(")
        if not (dest / "usr/share/man" / ("man" + sec) / ("%s.%s" % (name, sec))).is_file():
            bad("Documentation=%s not installed" % doc)
    if set(tmr.sections()) != {"Unit", "Timer", "Install"}:
        bad("timer sections %s" % tmr.sections())
    if not tmr.get("Timer", "OnBootSec", fallback="") or \
            not tmr.get("Timer", "OnUnitActiveSec", fallback=""):
        bad("timer lacks OnBootSec/OnUnitActiveSec")
    if tmr.get("Timer", "Unit", fallback="gpugate-check.service") != "gpugate-check.service":
        bad("timer does not start gpugate-check.service")
    if tmr.get("Install", "WantedBy", fallback="") != "timers.target":
        bad("timer is not WantedBy=timers.target")
    sa = shutil.which("systemd-analyze")
    if not sa:
        print("note: systemd-analyze not installed; units only parsed")
        return execs
    r = subprocess.run([sa, "verify", "--man=no", str(dest / UNITDIR / "gpugate-check.service"),
                        str(dest / UNITDIR / "gpugate-check.timer")],
                       capture_output=True, text=True)
    out = (r.stdout + r.stderr).strip()
    if r.returncode or out:
        bad("systemd-analyze verify: rc %d: %s" % (r.returncode, out))
    return execs



def run_service(execs, dest, root, policy, textdir):
    """Run the ExecStart lines like systemd; return the unit's result code."""
    binary = str(dest / "usr/sbin/gpugate")
    env = dict(os.environ, GPUGATE=binary)
    result = 0
    for line in execs:
        ignore = line.startswith("-")
        argv = shlex.split(line.lstrip("-"))
        argv[0] = str(dest / argv[0].lstrip("/"))
        argv = [a.replace(TEXTFILE_DIR, str(textdir)) for a in argv]
        extra = ["--root", str(root), "-p", str(policy)]
        if argv[0] == binary:
            argv = argv[:1] + extra + argv[1:]
        else:
            argv += extra
        r = subprocess.run(argv, capture_output=True, text=True, env=env,
                           stdin=subprocess.DEVNULL, timeout=120)
        if r.returncode and not ignore:
            return r.returncode
        if r.returncode and r.returncode not in (1, 2, 3):
            bad("%s: exit %d: %s" % (argv[0], r.returncode, r.stderr.strip()))
    return result


def prom_result(path):
    text = path.read_bytes()
    for no, msg in validate.validate(text, textfile=True):
        bad("%s:%d: %s" % (path.name, no, msg))
    for line in text.decode().splitlines():
        if line.startswith("gpugate_result"):
            return int(float(line.split()[-1]))
    return None


def check_runs(execs, dest):
    cache = gt.tree_cache()
    scs = {sc.name: sc for sc in mktree.load_scenarios()}
    cases = [("intel_single_gpu_pass", 0), ("gpu_ats_enabled", 1),
             ("gpu_config_ones", 3), ("policy_bad_value", 2)]
    with tempfile.TemporaryDirectory(prefix="gpugate-units-") as tmp:
        textdir = Path(tmp) / "node-exporter"
        textdir.mkdir()
        prom = textdir / "gpugate.prom"
        for name, want in cases:
            sc = scs[name]
            root = gt.pristine(sc, cache)
            pol = Path(tmp) / "policy.conf"
            pol.write_text(sc.policy_text())
            before = prom.stat().st_ino if prom.exists() else None
            rc = run_service(execs, dest, root, pol, textdir)
            if rc != want:
                bad("%s: unit result %d, expected %d" % (name, rc, want))
            if not prom.exists():
                bad("%s: no textfile written" % name)
                continue
            got = prom_result(prom)
            if got != want:
                bad("%s: gpugate_result %s in the textfile, expected %d" % (name, got, want))
            if before is not None and prom.stat().st_ino == before:
                bad("%s: textfile rewritten in place, not renamed" % name)
            if prom.stat().st_mode & 0o777 != 0o644:
                bad("%s: textfile mode %o" % (name, prom.stat().st_mode & 0o777))
            left = [p.name for p in textdir.iterdir() if p.name != "gpugate.prom"]
            if left:
                bad("%s: left behind %s" % (name, left))
        shutil.rmtree(textdir)
        sc = scs["gpu_ats_enabled"]
        pol = Path(tmp) / "policy.conf"
        pol.write_text(sc.policy_text())
        rc = run_service(execs, dest, gt.pristine(sc, cache), pol, textdir)
        if rc != 1 or textdir.exists():
            bad("without the textfile directory: unit result %d (expected 1), directory %s" % (
                rc, "created" if textdir.exists() else "absent"))
    return len(cases) + 1


def main():
    with tempfile.TemporaryDirectory(prefix="gpugate-install-") as tmp:
        dest = Path(tmp)
        r = subprocess.run(["make", "-s", "-C", str(REPO), "install", "DESTDIR=" + tmp,
                            "PREFIX=/usr"], capture_output=True, text=True)
        if r.returncode:
            print("FAIL make install: %s" % (r.stderr.strip() or r.stdout.strip()))
            return 1
        check_install(dest)
        execs = check_units(dest)
        check_guard_unit(dest)
        n = check_runs(execs, dest) if not problems else 0
    for p in problems:
        print("FAIL %s" % p)
    if problems:
        return 1
    print("ok systemd units: installed, verified, %d service runs behave" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
