#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run gpugate `enforce` and `gate` against generated sysfs trees and check
every byte they change.

Uses the trees of tests/trees/scenarios.py (same cache as run-trees.py) and
a few variants defined here. Every test copies a tree to a scratch
directory (/dev/shm when writable), writes the policy to
ROOT/etc/gpugate/policy.conf, snapshots every file, link and directory, runs
the binary with --root, and compares the tree byte for byte. The expected
new bytes are computed here from the old ones:

  ACS Control (ACS cap + 6)   |= require & cap, &= ~forbid (foreign
                              functions: RR CR EC DT only), on every port of
                              a failed acs.path/acs.peers finding that has
                              an ACS cap; in the same write, on every port
                              of a failed acs.enhanced finding, IB and URR
                              set and a Memory Target Access field to
                              redirect (10), for the required controls
                              that apply there
  ATS Control (ATS cap + 6)   &= ~0x8000 (STU kept)    } on every protected
  PRI Control (PRI cap + 4)   &= ~0x0001               } function that has
  PASID Control (cap + 6)     &= ~0x0001               } the capability
  driver_override             "vfio-pci" written at offset 0, when not set
  driver/unbind, drivers_probe  the BDF written at offset 0, when binding

Nothing else may change. Tests:

  enforce_fixes_*         every scenario whose failing checks are among
  enforce_noop_*          acs.path acs.peers acs.enhanced ats.disabled
                          cmdline.noats
                          (cmdline.noats: with require_noats = no), and
                          the variants below: exit status, JSON actions
                          (before/after), "fixed" findings, exact byte
                          diff, then `check` passes
  enforce_idempotent_*    a second enforce: no non-dry action, no byte
  enforce_dry_run_*       -n writes nothing and plans exactly the writes
                          the real run then does
  enforce_unfixable_*     what enforce cannot fix (no ACS cap, a mandatory
  enforce_bind_*          bit not implemented, pci=noats missing, a
  *_noats_required        binding a static tree cannot do) stays failed,
                          exit 1 (3 for binding), and only the writable
                          bits change
  enforce_nostick_*       a write that does not read back (gpugate-fault,
                          GPUGATE_FAULT_NOSTICK=1): exit 3, action error
  enforce_override_nostick  driver_override reading back other than what
                          was written: exit 3, action error
  lockdown_*              config writes refused with EPERM
                          (GPUGATE_FAULT_REFUSE=1) on a tree whose
                          securityfs says integrity (or none): the report's
                          "lockdown", and the action, finding and banner
                          naming the lockdown and the fix of the tree's
                          kernel (6.1: none for ACS; 6.12: config_acs=)
  fault_sweep_*           GPUGATE_FAULT_AT=N for every operation N of a run:
                          never exit 0, a named failed check or action, and
                          no byte outside the intended registers
  gate_*                  report file, console/kmsg banner, on_failure,
                          audit mode, rd.gpugate=, --dry-run, --verify
  root_confined_*         every writing command under strace: no file
                          opened for writing outside the tree, no real
                          console or kmsg, no mount, reboot, module load

Prints "ok NAME" or "FAIL NAME: reason" per test, then "N passed, M
failed"; exits 1 if anything failed.

    tests/run-enforce.py [-k SUBSTRING] [-j N] [--keep] [--full-sweep]

--full-sweep also sweeps every operation of hgx_one_gpu_ats_enabled (about
3,600 runs; minutes). Env: GPUGATE (default build/gpugate), GPUGATE_FAULT
(default build/gpugate-fault), GPUGATE_TREES_TMP (scratch base).
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import queue
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE / "lib"))
import gpugate_test as gt  # noqa: E402
from gpugate_test import mktree  # noqa: E402
import report_schema  # noqa: E402  (every report is validated)

TIMEOUT = 120
DRIVER = "vfio-pci"
FIXABLE_IDS = {"acs.path", "acs.peers", "acs.enhanced", "ats.disabled",
               "cmdline.noats"}

# PCIe register layout (<pci/header.h>)
ECAP_ACS, ECAP_ATS, ECAP_PRI, ECAP_PASID = 0x000d, 0x000f, 0x0013, 0x001b
ACS_CAP, ACS_CTRL = 4, 6
ATS_CTRL, ATS_ENABLE = 6, 0x8000
PRI_CTRL, PRI_ENABLE = 4, 0x0001
PASID_CTRL, PASID_ENABLE = 6, 0x0001
SV, TB, RR, CR, UF, EC, DT = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40
ACS_NAMES = {"SV": SV, "TB": TB, "RR": RR, "CR": CR, "UF": UF, "EC": EC,
             "DT": DT}
MFD_BITS = RR | CR | EC | DT            # acs.c ACS_MFD_BITS
PT_ROOT_PORT, PT_DOWNSTREAM = 4, 6
MANDATORY = {PT_DOWNSTREAM: SV | TB | RR | CR | UF, PT_ROOT_PORT: SV | TB}
# ACS Enhanced (src/parse/acsx.h): capability bit 7; control IB bit 7,
# DSP/USP Memory Target Access fields at 9:8 and 11:10, URR bit 12.
ACS_ENH, ACSX_IB, ACSX_URR = 0x0080, 0x0080, 0x1000
ACSX_FIELD = {"DSP": 8, "USP": 10}
ACSX_APPLIES = {PT_ROOT_PORT: {"IB", "DSP"},
                PT_DOWNSTREAM: {"IB", "DSP", "USP", "URR"}}

T0 = 1577836800                         # mtime of every sweep tree file

# --------------------------------------------------------------- variants --


def _variants():
    sc = sys.modules["scenarios"]

    def ats_pri_pasid():
        return sc.base(gpu_kw=dict(ats=0x801f, pri=0x0003, pasid=0x0007))

    def switch_mixed():
        # GPU's DSP: TB missing, DT set, EC set (EC must survive); peer DSP
        # of the NIC: only SV; GPU with ATS on.
        h = sc.switch_host(dsp_gpu=dict(acs=(0x087f, 0x007d)),
                           dsp_nic=dict(acs=(0x087f, 0x0001)))
        for f in h.functions():
            if f.did == 0x2330:
                f.ats = 0x8000
        return h

    def hgx_fixable():
        """HGX-like: both sockets' main root buses (4 PEX switches, 8 GPUs),
        with one GPU's ATS/PRI/PASID on, a root port with DT set (path of
        two GPUs) and a peer DSP (NVMe) with only SV and EC set."""
        rcs = (sc.hgx_socket((0x00, 0x7e, 0x7f), 0, ("dmar0", "d1", "d2"),
                             bmc=True)[:1]
               + sc.hgx_socket((0x80, 0xfe, 0xff), 1, ("dmar3", "d4", "d5"))
               [:1])
        h = mktree.Host(rcs, cmdline=sc.CMD_OK + " intel_iommu=sm_on",
                        ncpus=16)
        gpus = [f for f in h.functions() if f.did == 0x2330]
        gpus[5].ats, gpus[5].pri, gpus[5].pasid = 0x8000, 0x0001, 0x0001
        rps = [f for f in h.functions() if f.kind == "rp"]
        rps[3].acs = (0x005f, 0x005f)
        nvme_dsp = [f for f in h.functions() if f.kind == "dsp"
                    and f.children and f.children[0].did == 0xa824][0]
        nvme_dsp.acs = (0x087f, 0x0021)
        return h

    def acsx_switch_and_root():
        """ACS Enhanced on the GPU's DSP (TB missing too, so acs.path and
        acs.enhanced both write its ACS Control; DSP field reserved 11) and
        on the root port (IB off; USP and URR do not apply there)."""
        return sc.switch_host(
            dsp_gpu=dict(acs=(0x005f | ACS_ENH, 0x001d | 0x0300),
                         bars=[(0, 1 << 20, "mem32")]),
            rp_acs=(0x005f | ACS_ENH, 0x001f))

    S = sc.Scenario
    return [
        S("enforce_ats_pri_pasid_stu", ats_pri_pasid, exit=1,
          fails={"ats.disabled"},
          desc="ATS 0x801f (STU kept), PRI 0x0003, PASID 0x0007"),
        S("enforce_switch_dt_ec_peer", switch_mixed, exit=1,
          fails={"acs.path", "acs.peers", "ats.disabled"}),
        S("enforce_hgx_fixable", hgx_fixable, exit=1,
          fails={"acs.path", "acs.peers", "ats.disabled"}),
        S("enforce_acs_enhanced_switch_and_root", acsx_switch_and_root,
          exit=1, fails={"acs.path", "acs.enhanced"},
          policy=sc.ACSX_POLICY),
    ]


# ---------------------------------------------------------------- helpers --

def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def parse_caps(cfg):
    """{"ptype": PCIe type or None, ext cap id: offset} from config bytes."""
    caps = {"ptype": None}
    if len(cfg) >= 0x40 and cfg[0x06] & 0x10:
        p, seen = cfg[0x34] & 0xfc, set()
        while p >= 0x40 and p not in seen and p + 4 <= min(len(cfg), 256):
            seen.add(p)
            if cfg[p] == 0x10:
                caps["ptype"] = (u16(cfg, p + 2) >> 4) & 0xf
            p = cfg[p + 1] & 0xfc
    if len(cfg) >= 0x1000:
        p, seen = 0x100, set()
        while p >= 0x100 and p not in seen and p + 4 <= len(cfg):
            seen.add(p)
            h = u32(cfg, p)
            if h in (0, 0xffffffff):
                break
            caps.setdefault(h & 0xffff, p)
            p = (h >> 20) & 0xffc
    return caps


def policy_value(text, section, key, default):
    sec = None
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("["):
            sec = line.strip("[]").strip()
        elif "=" in line and sec == section:
            k, v = (x.strip() for x in line.split("=", 1))
            if k == key:
                return v
    return default


def acs_bits(names):
    out = 0
    for n in names.split():
        out |= ACS_NAMES[n]
    return out


def name_eq(a, b):
    return a.replace("-", "_") == b.replace("-", "_")


def snapshot(root):
    """{relative path: (type, mode, bytes | link target | None)}."""
    return gt.snapshot(root, raw=True)


def describe_bytes(old, new):
    if old is None or new is None or not isinstance(old, bytes):
        return "%r -> %r" % (old, new)
    if len(old) != len(new):
        return "length %d -> %d (%r -> %r)" % (len(old), len(new), old[:40],
                                               new[:40])
    offs = [i for i in range(len(old)) if old[i] != new[i]]
    return "bytes differ at " + ", ".join(
        "0x%03x: %02x->%02x" % (i, old[i], new[i]) for i in offs[:6]) + (
        " ..." if len(offs) > 6 else "")


def diff_trees(before, after, expected):
    """Problems: any difference between before and after that is not in
    expected {rel: new bytes}, or an expected change that did not happen."""
    probs = []
    for rel in sorted(set(before) | set(after)):
        a, b = before.get(rel), after.get(rel)
        if rel in expected and expected[rel] is None:     # a directory
            if b is None or b[0] != "d":
                probs.append("%s: not a directory" % rel)
            continue
        if rel in expected:
            if b is None or b[0] != "f" or b[2] != expected[rel]:
                probs.append("%s: %s, expected %s" % (
                    rel, describe_bytes(a and a[2], b and b[2]),
                    describe_bytes(a and a[2], expected[rel])))
            elif a and a[1] != b[1]:
                probs.append("%s: mode changed" % rel)
            continue
        if a == b:
            continue
        if a is None:
            probs.append("created %s" % rel)
        elif b is None:
            probs.append("removed %s" % rel)
        elif a[:2] != b[:2]:
            probs.append("%s: type/mode changed" % rel)
        else:
            probs.append("changed %s: %s" % (rel, describe_bytes(a[2], b[2])))
    return probs[:8]


def overlay(old, data):
    """A sysfs attribute write in a tree: open(O_WRONLY), write at 0."""
    return data + old[len(data):]


def run(cmd, env=None):
    e = dict(os.environ)
    for k in ("GPUGATE_FAULT_AT", "GPUGATE_FAULT_NOSTICK",
              "GPUGATE_FAULT_COUNT"):
        e.pop(k, None)
    e.update(env or {})
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, env=e,
                           timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return -999, "", "timed out after %ds" % TIMEOUT
    except OSError as x:
        return -998, "", "cannot run %s: %s" % (cmd[0], x)
    return r.returncode, r.stdout, r.stderr


def parse_json(out):
    try:
        rep = report_schema.loads(out)
    except ValueError as e:
        return None, "stdout is not JSON (%s): %r" % (e, out[:160])
    if not isinstance(rep, dict):
        return None, "report is not a JSON object"
    return rep, None


def failing(rep):
    return {(c.get("id"), c.get("device") or "", c.get("port") or "")
            for c in rep.get("checks", []) if c.get("status") == "fail"}


def failing_ids(rep):
    return {c[0] for c in failing(rep) if not c[0].startswith("baseline.")}


def real_actions(rep):
    return [a for a in rep.get("actions", []) if not a.get("dry_run")]


def akey(a):
    return (a.get("device") or "", a.get("what"), a.get("before"),
            a.get("after"))


class Ctx:
    """Paths and binaries shared by the tests."""

    def __init__(self, binary, fault_bin, cache, work, keep):
        self.binary, self.fault_bin = binary, fault_bin
        self.cache, self.work, self.keep = cache, work, keep
        self.lock = threading.Lock()

    def tree(self, sc, policy=None, tweak=None):
        """A scratch copy of sc's tree with the policy written into it."""
        src = gt.pristine(sc, self.cache)
        work = Path(tempfile.mkdtemp(prefix=sc.name + ".", dir=self.work))
        root = work / "root"
        shutil.copytree(src, root, symlinks=True)
        pol = root / "etc/gpugate/policy.conf"
        pol.parent.mkdir(parents=True, exist_ok=True)
        pol.write_text(sc.policy_text() if policy is None else policy)
        if tweak:
            tweak(root)
        return root, pol

    def done(self, root):
        if not self.keep:
            shutil.rmtree(root.parent, ignore_errors=True)

    def gg(self, root, pol, *args, env=None, fault=False):
        cmd = [self.fault_bin if fault else self.binary, "--root", str(root),
               "-p", str(pol)] + list(args)
        return run(cmd, env=env)


# ------------------------------------------------- expected enforce effect --

class Plan:
    """What enforce must write, computed from the tree and a check report."""

    def __init__(self):
        self.files = {}          # rel -> expected new bytes
        self.actions = []        # (device, what, before, after)
        self.regs = {}           # rel -> {offset: (old, new)}
        self.unfixable = set()   # (id, device, port) that stay failed
        self.fixable = set()
        self.binds = False       # a drivers_probe is needed (fails in a tree)

    def reg(self, root, bdf, off, old, new, what):
        rel = "sys/devices/" + dev_rel(root, bdf) + "/config"
        cur = bytearray(self.files.get(rel) or (root / rel).read_bytes())
        struct.pack_into("<H", cur, off, new)
        self.files[rel] = bytes(cur)
        self.regs.setdefault(rel, {})[off] = (old, new)
        self.actions.append((bdf, what, "0x%04x" % old, "0x%04x" % new))

    def attr(self, root, rel, data):
        cur = self.files.get(rel) or (root / rel).read_bytes()
        self.files[rel] = overlay(cur, data.encode())


def dev_rel(root, bdf):
    link = os.readlink(root / "sys/bus/pci/devices" / bdf)
    return os.path.normpath(os.path.join("sys/bus/pci/devices", link)
                            ).split("sys/devices/", 1)[1]


def read_cfg(root, bdf):
    return (root / "sys/bus/pci/devices" / bdf / "config").read_bytes()


def slot(bdf):
    return bdf.rsplit(".", 1)[0]


def plan_enforce(root, rep, policy_text):
    """The writes enforce must do after the check report rep."""
    p = Plan()
    req = acs_bits(policy_value(policy_text, "acs", "require",
                                "SV TB RR CR UF"))
    forb = acs_bits(policy_value(policy_text, "acs", "forbid", "DT"))
    noats = policy_value(policy_text, "cmdline", "require_noats", "yes")
    done = set()
    for cid, dev, port in sorted(failing(rep)):
        if cid.startswith("baseline."):
            continue
        if cid not in FIXABLE_IDS or (cid == "cmdline.noats" and
                                      noats == "yes"):
            p.unfixable.add((cid, dev, port))
            continue
        if not cid.startswith("acs.") or cid == "acs.enhanced":
            p.fixable.add((cid, dev, port))     # acs.enhanced: plan_acsx
            continue
        if not port:
            p.unfixable.add((cid, dev, port))
            continue
        cfg = read_cfg(root, port)
        caps = parse_caps(cfg)
        r, fb, mand = req, forb, MANDATORY.get(caps["ptype"], 0)
        if slot(port) == slot(dev):             # foreign function of the slot
            r, fb, mand = req & MFD_BITS, forb & MFD_BITS, 0
        acs = caps.get(ECAP_ACS)
        if acs is None or (r & ~u16(cfg, acs + ACS_CAP) & mand):
            p.unfixable.add((cid, dev, port))
        else:
            p.fixable.add((cid, dev, port))
        if acs is None or port in done:
            continue
        done.add(port)                  # acs_fix writes what it can
        cap, ctl = u16(cfg, acs + ACS_CAP), u16(cfg, acs + ACS_CTRL)
        new = (ctl | (r & cap)) & ~fb & 0xffff
        if new != ctl:
            p.reg(root, port, acs + ACS_CTRL, ctl, new, "write acs ctrl")
    plan_acsx(root, p, rep, policy_text)
    for d in rep.get("devices", []):
        bdf = d["bdf"]
        plan_bind(root, p, bdf)
        cfg = read_cfg(root, bdf)
        caps = parse_caps(cfg)
        for cid, off, bit, what in (
                (ECAP_ATS, ATS_CTRL, ATS_ENABLE, "write ats ctrl"),
                (ECAP_PRI, PRI_CTRL, PRI_ENABLE, "write pri ctrl"),
                (ECAP_PASID, PASID_CTRL, PASID_ENABLE, "write pasid ctrl")):
            if cid in caps and u16(cfg, caps[cid] + off) & bit:
                old = u16(cfg, caps[cid] + off)
                p.reg(root, bdf, caps[cid] + off, old, old & ~bit, what)
    return p


def mem_bar(cfg):
    """Does a bridge decode a memory BAR of its own (BAR0/BAR1)?"""
    return any(v and not v & 1 for v in (u32(cfg, 0x10), u32(cfg, 0x14)))


def acsx_unmet(ctl, want):
    """The ACS Enhanced controls of want that ctl does not meet."""
    out = set()
    for c in want:
        if c in ACSX_FIELD:
            if (ctl >> ACSX_FIELD[c]) & 3 not in (1, 2):   # blocking, redirect
                out.add(c)
        elif not ctl & {"IB": ACSX_IB, "URR": ACSX_URR}[c]:
            out.add(c)
    return out


def plan_acsx(root, p, rep, policy_text):
    """Each port of a failed acs.enhanced finding gets IB and URR set and
    its unmet Memory Target Access fields written to redirect (10), in the
    same single ACS Control write as the acs.path/acs.peers bits."""
    want = set(policy_value(policy_text, "acs", "require_enhanced",
                            "").split())
    done = set()
    for cid, dev, port in sorted(failing(rep)):
        if cid != "acs.enhanced" or not port or port in done:
            continue
        done.add(port)
        rel = "sys/devices/" + dev_rel(root, port) + "/config"
        cfg = read_cfg(root, port)
        caps = parse_caps(cfg)
        off = caps[ECAP_ACS] + ACS_CTRL
        ctl0 = u16(cfg, off)
        cur = u16(p.files.get(rel, cfg), off)   # after the ACS bits, if any
        applies = set(ACSX_APPLIES.get(caps["ptype"], ()))
        if not mem_bar(cfg):
            applies.discard("DSP")
        new = cur
        for c in acsx_unmet(ctl0, want & applies):
            if c in ACSX_FIELD:
                new = new & ~(3 << ACSX_FIELD[c]) | 2 << ACSX_FIELD[c]
            else:
                new |= {"IB": ACSX_IB, "URR": ACSX_URR}[c]
        p.actions = [x for x in p.actions
                     if x[:2] != (port, "write acs ctrl")]
        if new != ctl0:
            p.reg(root, port, off, ctl0, new, "write acs ctrl")


def plan_bind(root, p, bdf):
    ddir = root / "sys/bus/pci/devices" / bdf
    rel = "sys/devices/" + dev_rel(root, bdf)
    ov = (ddir / "driver_override").read_bytes().decode().strip()
    if not name_eq(ov, DRIVER):
        p.attr(root, rel + "/driver_override", DRIVER)
        p.actions.append((bdf, "driver_override", ov, DRIVER))
    drv = os.path.basename(os.readlink(ddir / "driver")) if os.path.islink(
        ddir / "driver") else ""
    if name_eq(drv, DRIVER):
        return
    if drv:
        p.attr(root, "sys/bus/pci/drivers/%s/unbind" % drv, bdf)
        p.actions.append((bdf, "driver/unbind", drv, bdf))
    p.attr(root, "sys/bus/pci/drivers_probe", bdf)
    p.binds = True


def check_actions(rep, plan, dry):
    """The report's actions against the plan; dry: all must be planned."""
    probs = []
    acts = rep.get("actions", [])
    for a in acts:
        if a.get("what") == "load module" and not a.get("dry_run"):
            probs.append("module load not planned under --root: %r" % a)
        if dry and not a.get("dry_run"):
            probs.append("dry run did %r" % akey(a))
    got = sorted(akey(a) for a in acts
                 if a.get("what") not in ("load module", "drivers_probe")
                 and (dry or not a.get("dry_run")))
    want = sorted(plan.actions)
    if got != want:
        probs.append("actions %s, expected %s" % (
            sorted(set(got) - set(want)) or "-",
            sorted(set(want) - set(got)) or "-"))
    probe = [a for a in acts if a.get("what") == "drivers_probe"]
    if plan.binds and (len(probe) != 1 or probe[0].get("dry_run") != dry or (
            (probe[0].get("ok"), probe[0].get("after")) != (True, DRIVER)
            if dry else probe[0].get("ok") or "not bound" not in probe[0].get(
                "error", ""))):
        # a tree cannot bind: the real probe must fail and say so
        probs.append("drivers_probe action %r" % probe)
    if not plan.binds and probe:
        probs.append("unexpected drivers_probe %r" % probe)
    if not plan.binds and not dry:
        bad = [a for a in acts if not a.get("ok")]
        if bad:
            probs.append("failed actions: %r" % bad[:2])
    return probs


# ------------------------------------------------------ enforce scenarios --

def candidates(scs):
    """Scenarios whose failures are all (maybe) fixable by enforce."""
    out = []
    for sc in scs:
        if sc.bench or sc.exit not in (0, 1) or sc.fails is None:
            continue
        if sc.fails <= FIXABLE_IDS:
            out.append(sc)
    return out


def relaxed_policy(sc):
    text = sc.policy_text() or ""
    if "cmdline.noats" in (sc.fails or ()) and "[cmdline]" not in text:
        return text + "\n[cmdline]\nrequire_noats = no\n", True
    return text, False


def test_enforce_scenario(ctx, sc):
    """enforce_{fixes,noop,unfixable,bind} + dry_run + idempotent for one
    scenario; where cmdline.noats fails, once with require_noats = no
    (everything fixable) and once with the scenario's own policy."""
    policy, relaxed = relaxed_policy(sc)
    runs = [(policy, "")]
    if relaxed:
        runs.append((sc.policy_text(), "_noats_required"))
    res = []
    for text, tag in runs:
        root, pol = ctx.tree(sc, text)
        try:
            res += enforce_cycle(ctx, sc, root, pol, text, tag)
        finally:
            ctx.done(root)
    return res


def enforce_cycle(ctx, sc, root, pol, policy, tag=""):
    """Check, plan, dry run, enforce, byte diff, check, enforce again."""
    s0 = snapshot(root)
    rc, out, err = ctx.gg(root, pol, "-f", "json", "check")
    rep, e = parse_json(out)
    if rep is None or rc not in (0, 1):
        return [("enforce_fixes_" + sc.name + tag, [
            "check exit %d: %s %s" % (rc, e or "", err[-200:])])]
    plan = plan_enforce(root, rep, policy)
    kind = ("bind" if plan.binds else "unfixable" if plan.unfixable else
            "fixes" if plan.files else "noop")
    name = "enforce_%s_%s%s" % (kind, sc.name, tag)
    want_rc = 3 if plan.binds else 1 if plan.unfixable else 0
    want_fails = set(sc.fails) - ({"cmdline.noats"} if policy_value(
        policy, "cmdline", "require_noats", "yes") == "no" else set())
    if failing_ids(rep) != want_fails:
        return [(name, ["check before enforce fails %s, expected %s" % (
            sorted(failing_ids(rep)), sorted(want_fails))])]

    # --dry-run first: nothing written, every planned write listed
    dprobs = []
    drc, dout, derr = ctx.gg(root, pol, "-n", "-f", "json", "enforce")
    drep, e = parse_json(dout)
    if drep is None:
        dprobs.append(e)
    else:
        if drc != rc:
            dprobs.append("dry-run exit %d, check exit %d" % (drc, rc))
        dprobs += check_actions(drep, plan, dry=True)
    dprobs += ["dry run " + p for p in diff_trees(s0, snapshot(root), {})]

    probs = []
    erc, eout, eerr = ctx.gg(root, pol, "-f", "json", "enforce")
    erep, e = parse_json(eout)
    s1 = snapshot(root)
    if erc != want_rc:
        probs.append("enforce exit %d, expected %d (%s)" % (
            erc, want_rc, eerr.strip()[-200:]))
    if erep is None:
        probs.append(e)
    else:
        probs += check_actions(erep, plan, dry=False)
        probs += check_fixed(erep, plan)
    probs += diff_trees(s0, s1, plan.files)
    if not probs and not plan.binds:
        crc, cout, _ = ctx.gg(root, pol, "-f", "json", "check")
        crep, e = parse_json(cout)
        left = failing_ids(crep) if crep else {"?"}
        want_left = {u[0] for u in plan.unfixable}
        if crc != (1 if plan.unfixable else 0) or left != want_left:
            probs.append("check after enforce: exit %d, failing %s, "
                         "expected %s" % (crc, sorted(left),
                                          sorted(want_left) or "none"))
    res = [(name, probs),
           ("enforce_dry_run_" + sc.name + tag, dprobs)]
    if plan.binds:
        return res
    # idempotency: nothing left to write
    iprobs = []
    irc, iout, ierr = ctx.gg(root, pol, "-f", "json", "enforce")
    irep, e = parse_json(iout)
    if irc != want_rc:
        iprobs.append("second enforce exit %d, expected %d" % (irc, want_rc))
    if irep is None:
        iprobs.append(e)
    else:
        acts = real_actions(irep)
        if acts:
            iprobs.append("second enforce acted: %r" % [akey(a)
                                                       for a in acts[:3]])
        if any(c.get("status") == "fixed" for c in irep.get("checks", [])):
            iprobs.append("second enforce reports 'fixed' findings")
    iprobs += diff_trees(s1, snapshot(root), {})
    res.append(("enforce_idempotent_" + sc.name + tag, iprobs))
    return res


def check_fixed(rep, plan):
    """Findings enforce fixed must say "fixed"; unfixable ones "fail"."""
    st = {}
    for c in rep.get("checks", []):
        st.setdefault((c.get("id"), c.get("device") or "",
                       c.get("port") or ""), set()).add(c.get("status"))
    probs = []
    for k in sorted(plan.fixable):
        if "fixed" not in st.get(k, ()):
            probs.append("%s %s %s not reported fixed (%s)" % (
                k + (sorted(st.get(k, ())),)))
    for k in sorted(plan.unfixable):
        if "fail" not in st.get(k, ()):
            probs.append("%s %s %s should still fail" % k)
    return probs[:4]


# ------------------------------------------------------------ nostick ---

def failed_action_probs(rc, rep, what, error):
    """Exit 3, result "error", and every @what action failed with @error
    in its message (at least one)."""
    probs = []
    if rc != 3:
        probs.append("exit %d, expected 3" % rc)
    bad = [a for a in real_actions(rep) if a.get("what") == what]
    if not bad or any(a.get("ok") for a in bad):
        probs.append("no failed %r action: %r" % (what, real_actions(rep)))
    elif not all(error in (a.get("error") or "") for a in bad):
        probs.append("error does not mention %r: %r" % (error, bad))
    if rep.get("result") != "error":
        probs.append("result %r, expected error" % rep.get("result"))
    return probs


def test_nostick(ctx, sc, what):
    """A config write that does not stick: exit 3, named failed action."""
    name = "enforce_nostick_%s" % sc.name
    root, pol = ctx.tree(sc)
    try:
        s0 = snapshot(root)
        rc, out, err = ctx.gg(root, pol, "-f", "json", "enforce", fault=True,
                              env={"GPUGATE_FAULT_NOSTICK": "1"})
        rep, e = parse_json(out)
        if rep is None:
            return name, [e, err[-200:]]
        probs = failed_action_probs(rc, rep, what, "read back")
        probs += diff_trees(s0, snapshot(root), {})
        # the gate names the failed action on the console
        grc, _, gerr = ctx.gg(root, pol, "gate", fault=True,
                              env={"GPUGATE_FAULT_NOSTICK": "1"})
        con = read_text(root / "dev/console")
        if grc != 3 or not re.search(r"GATE FAILED action \S+ %s" % what,
                                     con):
            probs.append("gate exit %d, console %r" % (grc, con[-200:]))
        return name, probs
    finally:
        ctx.done(root)


def test_override_nostick(ctx, sc):
    """driver_override that does not read back what was written: the file
    holds a longer value, and a write at offset 0 (sysfs semantics, no
    truncation) leaves its tail. exit 3, a failed driver_override action."""
    name = "enforce_override_nostick"
    old = "host-driver-override-long"

    def tweak(root):
        (root / "sys/bus/pci/devices/0000:01:00.0/driver_override"
         ).write_text(old + "\n")
    root, pol = ctx.tree(sc, tweak=tweak)
    try:
        rc, out, err = ctx.gg(root, pol, "-f", "json", "enforce")
        rep, e = parse_json(out)
        if rep is None:
            return name, [e, err[-200:]]
        return name, failed_action_probs(rc, rep, "driver_override",
                                         "after writing")
    finally:
        ctx.done(root)


LOCKDOWN_FIXES = {
    # the tree's kernel release -> the fix the refused write must name
    ("6.1.0-56-amd64", "write acs ctrl"):
        "kernel 6.1.0-56-amd64 has no pci=config_acs= (6.11+): pci=noats "
        "gets TB, a firmware-set DT cannot be cleared",
    ("6.12.117+deb12-amd64", "write acs ctrl"):
        "fix: boot with pci=config_acs=",
    ("6.12.117+deb12-amd64", "write ats ctrl"): "fix: boot with pci=noats",
}

# a refused ACS write of the ACS Enhanced controls alone names no parameter
LOCKDOWN_FIX_ENHANCED = ("pci=config_acs= cannot carry the ACS Enhanced "
                         "controls (its mask is ACS Control bits 0-6): the "
                         "firmware setup must set them")


# the tree's kernel release -> does `gpugate cmdline` keep its note that a
# list of several pci=config_acs= entries needs 9cf8a952d57b? (mainline 6.15;
# 6.12.y from 6.12.23, docs/kernel-facts.md section 13; unknown: keep it)
CONFIG_ACS_LIST_NOTE = {
    "6.12.117+deb12-amd64": False,
    "6.12.23": False,
    "6.15.0-1-amd64": False,
    "6.12.22-amd64": True,
    "6.12.0-55.el10.x86_64": True,
    "6.12-rc1": True,
    "6.14.2-amd64": True,
    "6.11.0-29-generic": True,
}


def test_cmdline_config_acs_list_note(ctx, sc):
    """`gpugate cmdline` on a tree whose ports need several config_acs
    entries prints the list on every release from 6.11, the GRUB line with
    the list in single quotes, and the note about 9cf8a952d57b exactly
    where the release does not show the fix."""
    name = "cmdline_config_acs_list_note_by_release"
    probs = []
    for release, note in CONFIG_ACS_LIST_NOTE.items():
        def tweak(root, release=release):
            (root / "proc/sys/kernel/osrelease").write_text(release + "\n")
        root, pol = ctx.tree(sc, tweak=tweak)
        try:
            rc, out, err = ctx.gg(root, pol, "cmdline")
        finally:
            ctx.done(root)
        lists = [ln for ln in out.splitlines() if ln.startswith("pci=config_acs=")]
        if rc != 0 or len(lists) != 1 or ";" not in lists[0]:
            probs.append("%s: exit %d, no list of several entries: %r" % (
                release, rc, out[-300:] + err[-200:]))
            continue
        word = "'%s'" % lists[0]
        grub = ("# GRUB ends a command at ';': in /etc/default/grub "
                "GRUB_CMDLINE_LINUX=\"... %s\", in grub.cfg %s" % (word, word))
        if grub not in out.splitlines():
            probs.append("%s: no GRUB line quoting the list: %r" % (release, out[-400:]))
        has = ("kernel %s: a list of several entries parses only with commit "
               "9cf8a952d57b" % release) in out
        if has != note:
            probs.append("%s: note %s, expected %s" % (
                release, "printed" if has else "missing",
                "printed" if note else "none"))
    return name, probs


def test_lockdown(ctx, sc, what, release, level, name=None, fix=None):
    """Config writes refused with EPERM (gpugate-fault GPUGATE_FAULT_REFUSE)
    on a tree whose securityfs says LEVEL: the report records the level;
    under integrity the action, the finding still failing and the banner
    name the lockdown and the fix that exists on RELEASE; under none they
    do not claim a lockdown."""
    name = name or "lockdown_%s_%s_%s" % (
        level, release.split("+")[0].split("-")[0], what.split()[1])

    def tweak(root):
        (root / "proc/sys/kernel").mkdir(parents=True, exist_ok=True)
        (root / "proc/sys/kernel/osrelease").write_text(release + "\n")
        sec = root / "sys/kernel/security"
        sec.mkdir(parents=True, exist_ok=True)
        (sec / "lockdown").write_text(
            {"none": "[none] integrity confidentiality",
             "integrity": "none [integrity] confidentiality"}[level] + "\n")

    root, pol = ctx.tree(sc, tweak=tweak)
    env = {"GPUGATE_FAULT_REFUSE": "1"}
    try:
        rc, out, err = ctx.gg(root, pol, "-f", "json", "enforce", fault=True,
                              env=env)
        rep, e = parse_json(out)
        if rep is None:
            return name, [e, err[-200:]]
        probs = [] if rc == 3 else ["exit %d, expected 3" % rc]
        if rep.get("lockdown") != level:
            probs.append("report lockdown %r, expected %r" % (
                rep.get("lockdown"), level))
        bad = [a for a in real_actions(rep) if a.get("what") == what]
        named = "kernel lockdown [integrity] refused the write; "
        if not bad or any(a.get("ok") for a in bad):
            return name, probs + ["no failed %r action: %r" % (
                what, real_actions(rep))]
        errs = [a.get("error", "") for a in bad]
        if level == "none":
            if any("lockdown" in x for x in errs):
                probs.append("lockdown claimed without one: %r" % errs)
            return name, probs
        fix = fix or LOCKDOWN_FIXES[(release, what)]
        if not all(x.startswith(named + fix) for x in errs):
            probs.append("errors %r, expected %r" % (errs, named + fix))
        msgs = [c.get("message", "") for c in rep.get("checks", [])
                if c.get("status") == "fail" and
                c.get("id", "").startswith(what.split()[1] + ".")]
        if not msgs or not all(m.startswith("not fixed: " + named + fix)
                               for m in msgs):
            probs.append("failed findings %r do not name it" % msgs)
        grc, _, _ = ctx.gg(root, pol, "gate", fault=True, env=env)
        con = read_text(root / "dev/console")
        if grc != 3 or not re.search(r"GATE FAILED action \S+ %s: %s" % (
                what, re.escape(named + fix)), con):
            probs.append("gate exit %d, console %r" % (grc, con[-300:]))
        return name, probs
    finally:
        ctx.done(root)


def test_module_refused(ctx, sc, name="enforce_refuses_unsafe_module_option",
                        option="allow_unsafe_interrupts=1"):
    """modprobe.d gives vfio_iommu_type1 allow_unsafe_interrupts=1 (or a
    bare allow_unsafe_interrupts, which param_set_bool() takes as true):
    enforce refuses to load it (a named cmdline.forbidden finding and a
    failed load action), exits non-zero, and writes nothing else because of
    it."""
    root, pol = ctx.tree(sc)
    try:
        (root / "etc/modprobe.d/unsafe.conf").write_text(
            "options vfio_iommu_type1 %s\n" % option)
        s0 = snapshot(root)
        rc, out, err = ctx.gg(root, pol, "-f", "json", "enforce")
        rep, e = parse_json(out)
        if rep is None:
            return name, [e, err[-200:]]
        probs = []
        if rc == 0:
            probs.append("exit 0 although a module was refused")
        refused = [f for f in rep["checks"] if f["id"] == "cmdline.forbidden"
                   and f["status"] == "fail"
                   and "refusing to load vfio_iommu_type1" in f["message"]]
        if not refused:
            probs.append("no cmdline.forbidden finding naming the refusal")
        loads = [a for a in rep["actions"] if a["what"] == "load module"
                 and a["after"] == "vfio_iommu_type1" and not a["ok"]]
        if not loads:
            probs.append("no failed load action: %r" % rep["actions"])
        probs += diff_trees(s0, snapshot(root), {})
        return name, probs
    finally:
        ctx.done(root)


UNSAFE = "vfio_iommu_type1.allow_unsafe_interrupts=1"


def vetoes(rep):
    """Modules enforce refused because of a forbidden option."""
    return {a["after"] for a in rep.get("actions", [])
            if a.get("what") == "load module" and not a.get("ok")
            and "forbidden" in (a.get("error") or "")}


def test_tree_cmdline_option_vetoed(
        ctx, sc, name="enforce_vetoes_unsafe_option_on_tree_cmdline",
        suffix=" " + UNSAFE):
    """The tree's /proc/cmdline gives vfio_iommu_type1 an unsafe option
    (also after "--", which libkmod reads past): libkmod, which reads
    /proc/cmdline by its absolute path, must read the tree's, so enforce -n
    refuses the module (the machine running the test has no such option)."""

    def tweak(root):
        p = root / "proc/cmdline"
        p.write_text(p.read_text().rstrip("\n") + suffix + "\n")
    root, pol = ctx.tree(sc, tweak=tweak)
    try:
        s0 = snapshot(root)
        rc, out, err = ctx.gg(root, pol, "-n", "-f", "json", "enforce")
        rep, e = parse_json(out)
        if rep is None:
            return name, [e, err[-200:]]
        probs = []
        if vetoes(rep) != {"vfio_iommu_type1"}:
            probs.append("refused %s, expected vfio_iommu_type1" %
                         sorted(vetoes(rep)))
        if not any("refusing to load vfio_iommu_type1" in f["message"]
                   for f in rep["checks"] if f["id"] == "cmdline.forbidden"):
            probs.append("no cmdline.forbidden finding naming the refusal")
        if rc != 3:
            probs.append("exit %d, expected 3 (a refused load)" % rc)
        probs += diff_trees(s0, snapshot(root), {})
        return name, probs
    finally:
        ctx.done(root)


def in_namespace(ctx, cmdline, args):
    """Run args with /proc/cmdline replaced by @cmdline in a private mount
    namespace (unshare; nothing outside it changes)."""
    fake = ctx.work / ("cmdline.%d" % threading.get_ident())
    fake.write_text(cmdline + "\n")
    script = 'mount --bind "$0" /proc/cmdline && exec "$@"'
    last = None
    for opt in ("-rm", "-m"):
        last = run(["unshare", opt, "sh", "-c", script, str(fake)] + args)
        if last[0] in (0, 1, 2, 3):
            return last
    return last


def test_host_cmdline_ignored(ctx, clean, unlisted):
    """The machine's own /proc/cmdline (here: a private mount namespace's)
    has an unsafe vfio option and blacklists the host GPU drivers; under
    --root neither may count: enforce -n on a clean tree refuses nothing,
    and a tree without a blacklist still fails driver.host."""
    name = "root_ignores_host_kernel_cmdline"
    host = "quiet %s modprobe.blacklist=nouveau,nvidia" % UNSAFE
    probs = []
    root, pol = ctx.tree(clean)
    try:
        rc, out, err = in_namespace(ctx, host, [ctx.binary, "--root",
                                                str(root), "-p", str(pol),
                                                "-n", "-f", "json",
                                                "enforce"])
        rep, e = parse_json(out)
        if rep is None:
            return name, ["enforce: " + (e or ""), err[-200:]]
        if vetoes(rep) or rc != 0:
            probs.append("enforce -n: exit %d, refused %s" %
                         (rc, sorted(vetoes(rep))))
    finally:
        ctx.done(root)
    root, pol = ctx.tree(unlisted)
    try:
        rc, out, err = in_namespace(ctx, host, [ctx.binary, "--root",
                                                str(root), "-p", str(pol),
                                                "-f", "json", "check"])
        rep, e = parse_json(out)
        if rep is None:
            return name, ["check: " + (e or ""), err[-200:]]
        if rc != 1 or failing_ids(rep) != {"driver.host"}:
            probs.append("check: exit %d, failing %s, expected driver.host" %
                         (rc, sorted(failing_ids(rep))))
    finally:
        ctx.done(root)
    return name, probs


def read_text(p):
    try:
        return p.read_text()
    except OSError:
        return ""


# ----------------------------------------------------------- fault sweep --

def op_count(ctx, root, pol, args):
    rc, out, err = ctx.gg(root, pol, *args, fault=True,
                          env={"GPUGATE_FAULT_COUNT": "1"})
    m = re.search(r"gpugate-fault: (\d+) operations", err)
    return rc, out, (int(m.group(1)) if m else None), err


def set_times(root):
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames + dirnames:
            os.utime(os.path.join(dirpath, name), (T0, T0),
                     follow_symlinks=False)
    os.utime(root, (T0, T0))


def touched(root):
    """Paths under root whose mtime is not T0: written, created, or a
    directory whose entries changed (find is much faster than os.walk)."""
    r = subprocess.run(["find", str(root), "-newermt", "@%d" % (T0 + 1),
                        "-print0"], capture_output=True, check=True)
    return [os.path.relpath(p.decode(), root)
            for p in r.stdout.split(b"\0") if p]


def restore(root, ref, rels):
    """Put every touched path back as in ref; returns what differed
    {rel: (old bytes | 'created' | 'removed' | 'entries', new bytes)}."""
    changed = {}
    for rel in sorted(rels, key=len, reverse=True):
        p, q = root / rel, ref / rel
        if rel == ".":
            p, q = root, ref
        if p.is_dir() and not p.is_symlink():
            have, want = set(os.listdir(p)), set(os.listdir(q)) if q.is_dir(
            ) else set()
            for extra in have - want:
                changed[os.path.normpath(os.path.join(rel, extra))] = (
                    "created", None)
                x = p / extra
                if x.is_dir() and not x.is_symlink():
                    shutil.rmtree(x)
                else:
                    x.unlink()
            for gone in want - have:
                changed[os.path.normpath(os.path.join(rel, gone))] = (
                    "removed", None)
                y = q / gone
                if y.is_dir() and not y.is_symlink():
                    shutil.copytree(y, p / gone, symlinks=True)
                    set_times(p / gone)
                else:
                    shutil.copy2(y, p / gone, follow_symlinks=False)
                    os.utime(p / gone, (T0, T0), follow_symlinks=False)
        elif not os.path.lexists(q):
            continue                       # handled by its directory
        elif p.is_symlink() or q.is_symlink():
            if not p.is_symlink() or os.readlink(p) != os.readlink(q):
                changed[rel] = ("link", None)
                p.unlink()
                os.symlink(os.readlink(q), p)
        else:
            old, new = q.read_bytes(), p.read_bytes()
            if old != new:
                changed[rel] = (old, new)
                p.write_bytes(old)
        if os.path.lexists(p):
            os.utime(p, (T0, T0), follow_symlinks=False)
    return changed


def check_changes(changed, plan, may_create=()):
    """Only the planned registers may change, each to old or new value;
    paths under may_create (the gate's report and banner) may appear."""
    probs = []
    for rel, (old, new) in sorted(changed.items()):
        if any(rel == m or rel.startswith(m + "/") for m in may_create):
            continue
        regs = plan.regs.get(rel)
        if regs is None and rel in plan.files and new == plan.files[rel]:
            continue                    # a sysfs attribute enforce writes
        if regs is None or not isinstance(old, bytes) or len(old) != len(new):
            probs.append("%s %s" % (
                rel, old if isinstance(old, str) else describe_bytes(old,
                                                                     new)))
            continue
        for i in range(len(old)):
            if old[i] == new[i]:
                continue
            off = i - (i % 2)
            if off not in regs or u16(new, off) not in regs[off]:
                probs.append("%s: %s" % (rel, describe_bytes(old, new)))
                break
    return probs


def point_problems(n, rc, out, err):
    """A faulted run must fail, naming a failed check or action."""
    if rc == 0:
        return ["exit 0 with operation %d failing; stderr: %s" % (
            n, err.strip()[-300:] or "(empty)")]
    if rc < 0 or rc not in (1, 3):
        return ["operation %d: exit %d; stderr: %s" % (n, rc,
                                                       err.strip()[-300:])]
    rep, e = parse_json(out)
    if rep is None:
        return ["operation %d: %s" % (n, e)]
    named = failing(rep) or [a for a in rep.get("actions", [])
                             if not a.get("ok") and not a.get("dry_run")]
    if rc == 3 and re.search(r"gpugate: cannot write report", err):
        return []       # the gate's last write: stdout was printed before
    if not named:
        return ["operation %d: exit %d but no failed check or action" % (
            n, rc)]
    if rep.get("result") == "pass":
        return ["operation %d: exit %d, result pass" % (n, rc)]
    return []


GATE_FILES = ("run", "dev/console", "dev/kmsg")


def test_sweep(ctx, sc, args, jobs, stride=1):
    """GPUGATE_FAULT_AT=N for every operation N of one run. Each worker
    keeps one tree whose every mtime is T0; after a run, find lists what
    was written or created, which is compared with (and restored from) a
    reference copy, so a run costs no tree copy."""
    may_create = GATE_FILES if "gate" in args else ()
    root0, pol0 = ctx.tree(sc)
    try:
        plan_rc, plan_out, _ = ctx.gg(root0, pol0, "-f", "json", "check")
        plan = plan_enforce(root0, json.loads(plan_out), sc.policy_text())
        rc, out, total, err = op_count(ctx, root0, pol0, ["-f", "json"] +
                                       args)
    finally:
        ctx.done(root0)
    if total is None:
        return ["no operation count on stderr: %r" % err[-200:]]
    if rc != 0:
        return ["the run without a fault exits %d: %s" % (rc, err)]
    points = list(range(1, total + 1, stride))
    t0 = time.time()
    todo = queue.Queue()
    for n in points:
        todo.put(n)
    probs, stats = [], {}
    plock = threading.Lock()

    def worker():
        root, pol = ctx.tree(sc)
        ref = root.parent / "ref"
        shutil.copytree(root, ref, symlinks=True)
        set_times(root)
        try:
            while True:
                try:
                    n = todo.get_nowait()
                except queue.Empty:
                    break
                r = ctx.gg(root, pol, "-f", "json", *args, fault=True,
                           env={"GPUGATE_FAULT_AT": str(n)})
                p = point_problems(n, *r)
                ch = restore(root, ref, touched(root))
                p += ["operation %d changed %s" % (n, x)
                      for x in check_changes(ch, plan, may_create)]
                with plock:
                    stats[r[0]] = stats.get(r[0], 0) + 1
                    probs.extend(p)
        except Exception as e:                      # noqa: BLE001
            with plock:
                probs.append("sweep worker crashed: %r" % e)
        finally:
            # the restored tree must equal the reference exactly
            fin = diff_trees(snapshot(ref), snapshot(root), {})
            if touched(root):
                fin.append("files left with a new mtime")
            with plock:
                probs.extend("after the sweep: " + x for x in fin)
            ctx.done(root)

    ths = [threading.Thread(target=worker) for _ in range(max(1, jobs))]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    if sum(stats.values()) != len(points):
        probs.append("%d of %d runs done" % (sum(stats.values()),
                                            len(points)))
    probs.sort(key=lambda s: int(re.search(r"operation (\d+)", s).group(1))
               if re.search(r"operation (\d+)", s) else 0)
    with ctx.lock:
        print("   sweep %s %s: %d operations, %d runs in %.1f s, exit "
              "status counts %s" % (
                  args[-1], sc.name.split(".")[0], total, len(points),
                  time.time() - t0, " ".join("%d:%d" % kv
                                             for kv in sorted(stats.items()))),
              file=sys.stderr)
    if len(probs) > 12:
        probs = probs[:12] + ["... %d more" % (len(probs) - 12)]
    return probs


# ----------------------------------------------------------------- gate --

GATE_POL = "[gate]\n%s\n"


def gate_run(ctx, sc, policy, *args, cmdline_add=None):
    def tweak(root):
        if cmdline_add:
            p = root / "proc/cmdline"
            p.write_text(p.read_text().rstrip("\n") + " " + cmdline_add +
                         "\n")
    root, pol = ctx.tree(sc, policy, tweak)
    s0 = snapshot(root)
    rc, out, err = ctx.gg(root, pol, *args)
    return root, pol, s0, rc, out, err


# Syscalls that act on the machine itself; none may even be tried under
# --root (SPEC: no module load, no reboot(2), no real console or kmsg).
CONFINE_CALLS = ("mount", "umount2", "reboot", "init_module", "finit_module",
                 "delete_module", "kexec_load", "kexec_file_load", "chroot",
                 "pivot_root", "swapoff", "iopl", "ioperm")
OPEN_RE = re.compile(r'^\d+ +(open|openat|openat2|creat)\((?:AT_FDCWD, )?'
                     r'"((?:[^"\\]|\\.)*)"(?:, ([A-Z_|]+))?')
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")


def confine_problems(log, root, allowed):
    """What the strace log @log shows outside @root: writes, opens of a
    console or kmsg, and machine-level syscalls."""
    probs, opens = [], 0
    for line in log.splitlines():
        m = OPEN_RE.match(line)
        if m:
            opens += 1
            path = os.path.normpath(os.path.join(str(root), m.group(2)))
            inside = path == str(root) or path.startswith(str(root) + "/")
            flags = (m.group(3) or "").split("|")
            if inside or any(path.startswith(a) for a in allowed):
                continue  # the tree, or -o FILE and its FILE.tmp
            if any(f in WRITE_FLAGS for f in flags):
                probs.append("write open outside the tree: " + line[:160])
            elif re.match(r"/dev/(kmsg|console|tty|mem|port)", path):
                probs.append("device opened outside the tree: " + line[:160])
            continue
        call = re.match(r"^\d+ +([a-z0-9_]+)\(", line)
        if call and call.group(1) in CONFINE_CALLS:
            probs.append("machine-level syscall: " + line[:160])
    if not opens:
        probs.append("strace saw no open at all (tracing broken?)")
    return probs


def test_confined(ctx, name, sc, policy, args):
    """gpugate --root under strace: every file it opens for writing is in
    the tree (or the -o report), it opens no console, kmsg or memory device
    of the real machine, and it never tries mount, reboot, a module load or
    kexec, even where the tree's policy wants a reboot."""
    root, pol = ctx.tree(sc, policy)
    try:
        log = root.parent / "strace.log"
        out_file = root.parent / "out.json"
        extra = ["-o", str(out_file)] if args[0] != "snapshot" else []
        if args[0] == "snapshot":
            args = ["snapshot", str(root.parent / "snap.tar")]
        cmd = ["strace", "-f", "-qq", "-o", str(log), "-e",
               "trace=open,openat,openat2,creat," + ",".join(CONFINE_CALLS),
               ctx.binary, "--root", str(root), "-p", str(pol)] + extra + args
        rc, out, err = run(cmd)
        if rc in (-999, -998) or not log.exists():
            return name, ["strace run failed: %s" % err[-200:]]
        allowed = {str(out_file), str(root.parent / "snap.tar")}
        return name, confine_problems(log.read_text(), root, allowed)
    finally:
        ctx.done(root)


def confine_tests(ctx, by):
    """[(name, callable)]: --root runs of every writing command, traced."""
    unfix, ats, nouveau, ok = (by["rp_no_acs_cap"], by["gpu_ats_enabled"],
                               by["gpu_bound_to_nouveau"],
                               by["intel_single_gpu_pass"])
    table = [
        ("root_confined_gate_fail_reboot", unfix,
         GATE_POL % "on_failure = reboot", ["gate"]),
        ("root_confined_gate_fixes_ats", ats, "", ["gate"]),
        ("root_confined_gate_binds", nouveau, "", ["gate"]),
        ("root_confined_gate_verify", ats, "", ["gate", "--verify"]),
        ("root_confined_enforce", ats, "", ["enforce"]),
        ("root_confined_check", ok, "", ["check"]),
        ("root_confined_baseline", ok, "", ["baseline"]),
        ("root_confined_snapshot", ok, "", ["snapshot"]),
    ]
    return [(t[0], lambda t=t: test_confined(ctx, *t)) for t in table]


def report_file(root):
    p = root / "run/gpugate/report.json"
    try:
        return report_schema.loads(p.read_text())
    except (OSError, json.JSONDecodeError):  # a schema error is raised
        return None


def banner_probs(root, rep):
    """One console and one kmsg line per failed finding, naming it."""
    probs = []
    con = read_text(root / "dev/console").splitlines()
    kmsg = read_text(root / "dev/kmsg").splitlines()
    fails = [c for c in rep.get("checks", []) if c.get("status") == "fail"]
    if not fails:
        probs.append("report has no failed check")
    for c in fails:
        want = "gpugate: GATE FAILED %s %s" % (c["id"], c.get("device") or
                                               "host")
        if not any(l.startswith(want) for l in con):
            probs.append("console lacks %r" % want)
        if not any(l.startswith("<2>" + want) for l in kmsg):
            probs.append("kmsg lacks %r" % ("<2>" + want))
    if len(con) != len(fails) or len(kmsg) != len(fails):
        probs.append("%d console / %d kmsg lines for %d failed checks" % (
            len(con), len(kmsg), len(fails)))
    return probs


def allowed_gate_writes(s0, root):
    """Files the gate may write (checked on their own): report, console,
    kmsg, and the report's directories."""
    exp = {"run": None, "run/gpugate": None}
    for rel in ("run/gpugate/report.json", "dev/console", "dev/kmsg"):
        if (root / rel).exists():
            exp[rel] = (root / rel).read_bytes()
    return exp


def gate_checked(ctx, name, sc, policy, args, want_rc, want_result,
                 stderr_re=(), stderr_not=(), banner=True, cmdline_add=None,
                 extra_files=None, stdout_re=(), report_fields=None):
    root, pol, s0, rc, out, err = gate_run(ctx, sc, policy, *args,
                                           cmdline_add=cmdline_add)
    try:
        probs = []
        if rc != want_rc:
            probs.append("exit %d, expected %d; stderr %s" % (
                rc, want_rc, err.strip()[-200:]))
        rep = report_file(root)
        if want_result is None:
            if rep is not None or (root / "run/gpugate").exists():
                probs.append("a report was written")
        elif rep is None:
            probs.append("no JSON report at run/gpugate/report.json")
        else:
            if rep.get("result") != want_result or rep.get("mode") != "gate":
                probs.append("report result %r mode %r, expected %r gate" % (
                    rep.get("result"), rep.get("mode"), want_result))
            for k, v in (report_fields or {}).items():
                if rep.get(k, "<absent>") != v:
                    probs.append("report %s is %r, expected %r" % (
                        k, rep.get(k, "<absent>"), v))
            if banner and want_result != "pass":
                probs += banner_probs(root, rep)
            elif (root / "dev/console").exists() and read_text(
                    root / "dev/console"):
                probs.append("console written: %r" % read_text(
                    root / "dev/console")[:120])
        for rx in stderr_re:
            if not re.search(rx, err):
                probs.append("stderr lacks /%s/: %s" % (rx, err[-200:]))
        for rx in stderr_not:
            if re.search(rx, err):
                probs.append("stderr has /%s/" % rx)
        for rx in stdout_re:
            if not re.search(rx, out):
                probs.append("stdout lacks /%s/" % rx)
        exp = allowed_gate_writes(s0, root) if want_result else {}
        exp.update(extra_files(s0, root) if extra_files else {})
        probs += diff_trees(s0, snapshot(root), exp)
        return name, probs
    finally:
        ctx.done(root)


def ats_fixed_file(s0, root):
    """Expected config of the ATS-enabled GPU 01:00.0 after enforce."""
    rel = "sys/devices/" + dev_rel(root, "0000:01:00.0") + "/config"
    cfg = bytearray(s0[rel][2])
    off = parse_caps(cfg)[ECAP_ATS] + ATS_CTRL
    assert u16(cfg, off) & ATS_ENABLE
    struct.pack_into("<H", cfg, off, u16(cfg, off) & ~ATS_ENABLE)
    return {rel: bytes(cfg)}


def gate_tests(ctx, by):
    """[(name, callable)]: each gate behaviour on a scratch tree."""
    unfix, ats, ok = (by["rp_no_acs_cap"], by["gpu_ats_enabled"],
                      by["intel_single_gpu_pass"])
    allow = GATE_POL % "allow_cmdline_override = yes"
    halt = r"would sync and call reboot\(RB_HALT_SYSTEM\)"
    # name, tree, policy, args, exit, report result (None: no report),
    # stderr must match, stderr must not match, keyword arguments
    table = [
        ("gate_fail_halt_report_banner", unfix, "", ["gate"], 1, "fail",
         [halt], [], {}),
        ("gate_fail_poweroff", unfix, GATE_POL % "on_failure = poweroff",
         ["gate"], 1, "fail", [r"would sync and call reboot\(RB_POWER_OFF\)"],
         [], {}),
        ("gate_fail_reboot", unfix, GATE_POL % "on_failure = reboot",
         ["gate"], 1, "fail", [r"would sync and call reboot\(RB_AUTOBOOT\)"],
         [], {}),
        ("gate_fail_emergency_exits_nonzero", unfix,
         GATE_POL % "on_failure = emergency", ["gate"], 1, "fail",
         [r"on_failure=emergency"], [r"would sync"], {}),
        ("gate_fixes_and_passes", ats, "", ["gate"], 0, "pass", [],
         [r"would sync", r"GATE FAILED"], dict(extra_files=ats_fixed_file)),
        ("gate_pass_no_banner", ok, "", ["gate"], 0, "pass", [],
         [r"would sync", r"GATE FAILED"], {}),
        ("gate_audit_mode_exits_0_report_fail", unfix,
         GATE_POL % "mode = audit", ["gate"], 0, "fail", [r"audit mode"],
         [r"would sync"], dict(report_fields=dict(
             policy_mode="audit", override="none", enforcing=False))),
        # audit-readonly: checks and reports, writes no config space
        ("gate_audit_readonly_writes_nothing", ats,
         GATE_POL % "mode = audit-readonly", ["gate"], 0, "fail",
         [r"audit-readonly mode"], [r"would sync", r"write ats ctrl"],
         dict(report_fields=dict(policy_mode="audit-readonly",
                                 override="none", enforcing=False))),
        ("gate_enforcing_report_says_so", ok, "", ["gate"], 0, "pass", [],
         [], dict(report_fields=dict(policy_mode="enforce", override="none",
                                     enforcing=True))),
        ("gate_rd_audit_ignored_without_allow", unfix, "", ["gate"], 1,
         "fail", [r"rd\.gpugate=audit ignored", halt], [],
         dict(cmdline_add="rd.gpugate=audit")),
        ("gate_rd_audit_honoured_with_allow", unfix, allow, ["gate"], 0,
         "fail", [r"rd\.gpugate=audit honoured", r"audit mode"],
         [r"would sync"], dict(cmdline_add="rd.gpugate=audit")),
        ("gate_rd_off_ignored_without_allow", ats, "", ["gate"], 0, "pass",
         [r"rd\.gpugate=off ignored"], [],
         dict(extra_files=ats_fixed_file, cmdline_add="rd.gpugate=off")),
        ("gate_rd_off_ignored_without_allow_fails", unfix, "", ["gate"], 1,
         "fail", [r"rd\.gpugate=off ignored", halt], [],
         dict(cmdline_add="rd.gpugate=off")),
        # rd.gpugate=off honoured: no action, but a report that says so
        ("gate_rd_off_honoured_with_allow_acts_not", ats, allow, ["gate"], 0,
         "fail", [r"disabled by rd\.gpugate=off"], [r"write ats ctrl"],
         dict(cmdline_add="rd.gpugate=off", report_fields=dict(
             policy_mode="enforce", override="off", enforcing=False))),
        ("gate_dry_run_writes_nothing", ats, "", ["-n", "gate"], 1, None,
         [halt, r"GATE FAILED ats\.disabled", r"would write the report"], [],
         dict(stdout_re=[r"write ats ctrl.*0x8000.*0x0000"])),
        ("gate_verify_changes_nothing", ats, "", ["gate", "--verify"], 1,
         "fail", [r"GATE FAILED ats\.disabled", halt], [r"write ats ctrl"],
         {}),
    ]
    out = [(t[0], lambda t=t: gate_checked(ctx, *t[:8], **t[8]))
           for t in table]
    out.append(("gate_verify_reports_no_actions",
                 lambda: gate_verify_no_actions(ctx, ats)))
    for name, sc, pol, want in [
            ("check_boot_gate_enforced_passes", ok, "", "pass"),
            ("check_boot_gate_audit_warns", ok, GATE_POL % "mode = audit",
             "warn"),
            ("check_boot_without_report_warns", ok, None, "warn")]:
        out.append((name, lambda name=name, sc=sc, pol=pol, want=want:
                    boot_report_checked(ctx, name, sc, pol, want)))
    return out


def boot_report_checked(ctx, name, sc, policy, want):
    """`check` after a boot reads the gate's report: gate.boot is @want."""
    root, pol, s0, rc, out, err = gate_run(ctx, sc, policy or "", "gate")
    try:
        if policy is None:
            (root / "run/gpugate/report.json").unlink()
        rc, out, err = ctx.gg(root, pol, "-f", "json", "check")
        rep, e = parse_json(out)
        if rep is None:
            return name, [e]
        boot = [c for c in rep["checks"] if c["id"] == "gate.boot"]
        probs = []
        if len(boot) != 1 or boot[0]["status"] != want:
            probs.append("gate.boot findings %r, expected one %s" % (boot, want))
        elif want != "pass" and "fix:" not in boot[0]["message"]:
            probs.append("gate.boot %s without a fix: %r" % (want, boot[0]))
        if rc != 0:
            probs.append("check exit %d, expected 0 (gate.boot only warns)" % rc)
        return name, probs
    finally:
        ctx.done(root)


def gate_verify_no_actions(ctx, sc):
    name = "gate_verify_reports_no_actions"
    root, pol, s0, rc, out, err = gate_run(ctx, sc, "", "-f", "json", "gate",
                                           "--verify")
    try:
        rep, e = parse_json(out)
        if rep is None:
            return name, [e]
        probs = []
        if rep.get("actions"):
            probs.append("actions in --verify: %r" % rep["actions"][:2])
        if rc != 1:
            probs.append("exit %d, expected 1" % rc)
        return name, probs
    finally:
        ctx.done(root)


# ----------------------------------------------------------------- main --

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", default="", help="only tests containing this")
    ap.add_argument("-j", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--keep", action="store_true", help="keep the trees")
    ap.add_argument("--full-sweep", action="store_true",
                    help="also sweep every operation of the big HGX tree")
    a = ap.parse_args()
    binary = os.environ.get("GPUGATE", str(REPO / "build" / "gpugate"))
    fault_bin = os.environ.get("GPUGATE_FAULT",
                               str(REPO / "build" / "gpugate-fault"))
    for b in (binary, fault_bin):
        if not os.access(b, os.X_OK):
            print("FAIL setup: %s missing (make && make fault)" % b)
            print("0 passed, 1 failed")
            return 1
    scs = mktree.load_scenarios()
    variants = _variants()
    by = {sc.name: sc for sc in scs + variants}
    base = gt.scratch_base()
    cache = gt.tree_cache(base)
    work = Path(tempfile.mkdtemp(prefix="gpugate-enforce-", dir=base))
    # private copies: a rebuild during the run cannot swap them
    binary = shutil.copy2(binary, work / "gpugate")
    fault_bin = shutil.copy2(fault_bin, work / "gpugate-fault")
    ctx = Ctx(binary, fault_bin, cache, work, a.keep)
    # variant trees are cached under a name keyed by this file
    vkey = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]
    for v in variants:
        v.name = "%s.%s" % (v.name, vkey)

    def short(sc):
        return sc.name.split(".")[0]

    kinds = ("fixes", "noop", "unfixable", "bind", "dry_run", "idempotent")
    jobs = []                        # (possible test names, callable)
    for sc in candidates(scs) + variants + [
            by["gpu_unbound"], by["gpu_bound_to_nouveau"],
            by["mf_gpu_audio_on_snd_hda_intel"]]:
        jobs.append((["enforce_%s_%s" % (k, short(sc)) for k in kinds],
                     lambda sc=sc: relabel(test_enforce_scenario(ctx, sc),
                                           sc)))
    jobs.append((["enforce_refuses_unsafe_module_option"], lambda: [
        test_module_refused(ctx, by["intel_single_gpu_pass"])]))
    jobs.append((["enforce_vetoes_unsafe_option_on_tree_cmdline"], lambda: [
        test_tree_cmdline_option_vetoed(ctx, by["intel_single_gpu_pass"])]))
    jobs.append((["enforce_refuses_bare_bool_module_option"], lambda: [
        test_module_refused(ctx, by["intel_single_gpu_pass"],
                            "enforce_refuses_bare_bool_module_option",
                            "allow_unsafe_interrupts")]))
    jobs.append((["enforce_vetoes_unsafe_option_after_dashes"], lambda: [
        test_tree_cmdline_option_vetoed(
            ctx, by["intel_single_gpu_pass"],
            "enforce_vetoes_unsafe_option_after_dashes", " -- " + UNSAFE)]))
    jobs.append((["root_ignores_host_kernel_cmdline"], lambda: [
        test_host_cmdline_ignored(ctx, by["intel_single_gpu_pass"],
                                  by["no_blacklist_alias_resolves_nouveau"])]))
    jobs.append((["enforce_nostick_gpu_ats_enabled"], lambda: [test_nostick(
        ctx, by["gpu_ats_enabled"], "write ats ctrl")]))
    jobs.append((["enforce_override_nostick"], lambda: [
        test_override_nostick(ctx, by["intel_single_gpu_pass"])]))
    jobs.append((["enforce_nostick_rp_acs_ctl_001d"], lambda: [test_nostick(
        ctx, by["rp_acs_ctl_001d"], "write acs ctrl")]))
    jobs.append((["enforce_nostick_acs_enhanced_root_port_no_ib"], lambda: [
        test_nostick(ctx, by["acs_enhanced_root_port_no_ib"],
                     "write acs ctrl")]))
    jobs.append((["lockdown_integrity_6.12.117_acs_enhanced"], lambda: [
        test_lockdown(ctx, by["acs_enhanced_root_port_no_ib"],
                      "write acs ctrl", "6.12.117+deb12-amd64", "integrity",
                      "lockdown_integrity_6.12.117_acs_enhanced",
                      LOCKDOWN_FIX_ENHANCED)]))
    for level, release, sc, what in (
            ("integrity", "6.1.0-56-amd64", "rp_acs_ctl_001d", "write acs ctrl"),
            ("integrity", "6.12.117+deb12-amd64", "rp_acs_ctl_001d",
             "write acs ctrl"),
            ("integrity", "6.12.117+deb12-amd64", "gpu_ats_enabled",
             "write ats ctrl"),
            ("none", "6.12.117+deb12-amd64", "rp_acs_ctl_001d",
             "write acs ctrl")):
        jobs.append((["lockdown_%s_%s_%s" % (
            level, release.split("+")[0].split("-")[0], what.split()[1])],
            lambda a=(by[sc], what, release, level): [test_lockdown(ctx, *a)]))
    jobs.append((["cmdline_config_acs_list_note_by_release"], lambda: [
        test_cmdline_config_acs_list_note(ctx, by["hgx_pass"])]))
    for gname, t in gate_tests(ctx, by) + confine_tests(ctx, by):
        jobs.append(([gname], lambda t=t: [t()]))
    sweeps = [("fault_sweep_enforce_hgx_fixable", variants[2], ["enforce"]),
              ("fault_sweep_gate_gpu_ats_enabled", by["gpu_ats_enabled"],
               ["gate"]),
              ("fault_sweep_enforce_gpu_vfio_by_ids_without_override_pass",
               by["gpu_vfio_by_ids_without_override_pass"], ["enforce"])]
    if a.full_sweep:
        sweeps.append(("fault_sweep_enforce_hgx_one_gpu_ats_enabled",
                       by["hgx_one_gpu_ats_enabled"], ["enforce"]))

    passed = failed = 0
    t0 = time.time()

    def report(results):
        nonlocal passed, failed
        for n, probs in results:
            if a.k and a.k not in n:
                continue
            if probs:
                failed += 1
                print("FAIL %s: %s" % (n, "; ".join(probs)))
            else:
                passed += 1
                print("ok %s" % n)
            sys.stdout.flush()

    def guarded(names, fn):
        try:
            return fn()
        except Exception as e:                      # noqa: BLE001
            return [(names[0], ["test crashed: %r at %s" % (
                e, traceback.format_exc().strip().splitlines()[-3])])]

    with concurrent.futures.ThreadPoolExecutor(max(1, a.j)) as ex:
        futs = [ex.submit(guarded, names, fn) for names, fn in jobs
                if any(a.k in n for n in names)]
        for fut in futs:
            report(fut.result())
    for label, sc, args in sweeps:
        if a.k in label:
            report([(label, test_sweep(ctx, sc, args, a.j))])
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("   kept %s" % work, file=sys.stderr)
    print("   %.1f s" % (time.time() - t0), file=sys.stderr)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


def relabel(results, sc):
    """Variant names carry a cache key: drop it from test names."""
    return [(n.replace(sc.name, sc.name.split(".")[0]), p)
            for n, p in results]


if __name__ == "__main__":
    sys.exit(main())
