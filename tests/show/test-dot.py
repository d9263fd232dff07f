#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`gpugate show --format dot` renders with Graphviz and says what check says.

    tests/show/test-dot.py

For generated trees (tests/gen/mktree.py: a passing host, a switch without
ACS, a multifunction card with a foreign NIC, two GPUs on one root port, an
HGX node), the captured lab tree tests/trees/real/q35-*.tar.gz, and a tree
whose driver link name holds '"', '\\' and a newline:

1. `show --format dot` exits 0 and `dot -Tsvg` renders its output with exit
   status 0 and nothing on stderr (no warning);
2. the graph has one domain cluster per protected function of `check -f
   json`, with the function's IOMMU group number and its driver in the
   group cluster, and a node for every port the acs.* findings name,
   coloured as the finding says (fail: salmon, pass: palegreen,
   undetermined: orange);
3. the hostile driver name comes out of the SVG as it is in sysfs.

Then: docs/img/show-dot.dot (bytes) and docs/img/show-dot.svg (its titles and texts) are what the current
binary and dot make from the lab tree (the command in docs/report.md), and
`--format dot` is a usage error (exit 2) for every command but show.

Env: GPUGATE (binary, default build/gpugate).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
GPUGATE = os.environ.get("GPUGATE", str(REPO / "build" / "gpugate"))
MKTREE = REPO / "tests" / "gen" / "mktree.py"
REAL = REPO / "tests" / "trees" / "real" / "q35-intel-viommu-virtio-gpu-ats-6.1.0-57.tar.gz"
REAL_POLICY = REPO / "qemu" / "policies" / "poweroff.conf"
DOC_DOT = REPO / "docs" / "img" / "show-dot.dot"
DOC_SVG = REPO / "docs" / "img" / "show-dot.svg"
SCENARIOS = ["intel_single_gpu_pass", "switch_no_acs_anywhere", "mf_gpu_nic_no_acs",
             "two_gpus_one_root_port_001d", "hgx_pass", "gpu_config_ones"]
FILL = {"pass": "palegreen", "warn": "khaki", "fail": "salmon"}
HOSTILE = 'vfio"pci\\N\\\nx'   # a quote, \N (a DOT escape), a newline
SVG_NS = "{http://www.w3.org/2000/svg}"

failures = []


def bad(name, msg):
    failures.append("%s: %s" % (name, msg))
    print("FAIL %s: %s" % (name, msg))


def dot_quote(s):
    """What show_dot writes for @s inside a quoted string."""
    out = []
    for ch in s.encode():
        c = chr(ch)
        if c in '"\\':
            out.append("\\" + c)
        elif ch < 0x20 or ch > 0x7e:
            out.append("\\\\x%02x" % ch)
        else:
            out.append(c)
    return "".join(out)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, **kw)


def show_dot(root, policy):
    r = run([GPUGATE, "--root", str(root), "-p", str(policy), "show", "--format", "dot"])
    return r


def render(name, text):
    """dot -Tsvg; returns the SVG or None (failure recorded)."""
    r = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True,
                       timeout=120)
    if r.returncode or r.stderr:
        bad(name, "dot -Tsvg: exit %d, stderr %r" % (r.returncode, r.stderr[:300]))
        return None
    return r.stdout


def node_attrs(text, node_id):
    """The attribute text of node statement "@node_id" [...]; None if absent."""
    m = re.search(r'^\s*"%s" \[(.*)\];$' % re.escape(dot_quote(node_id)), text, re.M)
    return m.group(1) if m else None


def group_of(root, bdf):
    link = root / "sys/bus/pci/devices" / bdf / "iommu_group"
    return int(os.path.basename(os.readlink(link))) if os.path.islink(link) else None


def driver_of(root, bdf):
    link = root / "sys/bus/pci/devices" / bdf / "driver"
    return os.path.basename(os.readlink(link)) if os.path.islink(link) else "none"


def judge(name, root, policy):
    """Steps 1 and 2 for one tree; returns the SVG text or None."""
    r = show_dot(root, policy)
    if r.returncode:
        bad(name, "show --format dot: exit %d: %s" % (r.returncode, r.stderr.strip()))
        return None
    text = r.stdout
    svg = render(name, text)
    c = run([GPUGATE, "--root", str(root), "-p", str(policy), "-f", "json", "check"])
    try:
        report = json.loads(c.stdout)
    except ValueError:
        bad(name, "check -f json: no report (exit %d)" % c.returncode)
        return svg
    devs = [d["bdf"] for d in report["devices"]]
    if not devs:
        bad(name, "no protected function: nothing to draw")
    domains = re.findall(r'^subgraph "cluster_([^"/]+)/domain"', text, re.M)
    if domains != devs:
        bad(name, "domain clusters %s, check protects %s" % (domains, devs))
    for bdf in devs:
        judge_domain(name, root, text, bdf, report)
    return svg


def judge_domain(name, root, text, bdf, report):
    grp = group_of(root, bdf)
    cluster = text.split('subgraph "cluster_%s/group"' % bdf, 1)
    if len(cluster) != 2:
        bad(name, "%s: no group cluster" % bdf)
        return
    body = cluster[1].split("\n  }\n", 1)[0]
    if grp is not None and not re.search(r'label="IOMMU group %d \(' % grp, body):
        bad(name, "%s: group cluster does not say group %d" % (bdf, grp))
    self_attrs = node_attrs(body, "%s/%s" % (bdf, bdf))
    if self_attrs is None:
        bad(name, "%s: the function is not in its group cluster" % bdf)
    elif "driver %s\\l" % dot_quote(driver_of(root, bdf)) not in self_attrs:
        bad(name, "%s: driver %r not in %s" % (bdf, driver_of(root, bdf), self_attrs))
    for f in report["checks"]:
        if f.get("device") != bdf or not f["id"].startswith("acs.") or not f.get("port"):
            continue
        attrs = node_attrs(text, "%s/%s" % (bdf, f["port"]))
        want = "orange" if f.get("undetermined") else FILL.get(f["status"])
        if attrs is None:
            bad(name, "%s: no node for port %s (%s)" % (bdf, f["port"], f["id"]))
        elif want and 'fillcolor="%s"' % want not in attrs:
            bad(name, "%s: port %s is not %s (%s %s): %s"
                % (bdf, f["port"], want, f["id"], f["status"], attrs))
        elif "%s " % f["id"] not in attrs:
            bad(name, "%s: port %s does not name %s" % (bdf, f["port"], f["id"]))


def svg_texts(svg):
    return [t.text or "" for t in ET.fromstring(svg).iter(SVG_NS + "text")]


def generated(tmp):
    for sc in SCENARIOS:
        root = tmp / sc
        r = run([sys.executable, str(MKTREE), sc, str(root)])
        if r.returncode:
            bad(sc, "mktree: %s" % r.stderr.strip())
            continue
        judge(sc, root, root / "etc/gpugate/policy.conf")


def hostile(tmp):
    """A driver link whose name holds a quote, a backslash and a newline."""
    name, root = "hostile_driver_name", tmp / "hostile"
    r = run([sys.executable, str(MKTREE), "intel_single_gpu_pass", str(root)])
    if r.returncode:
        bad(name, "mktree: %s" % r.stderr.strip())
        return
    policy = root / "etc/gpugate/policy.conf"
    c = json.loads(run([GPUGATE, "--root", str(root), "-p", str(policy), "-f", "json",
                        "check"]).stdout)
    bdf = c["devices"][0]["bdf"]
    link = root / "sys/bus/pci/devices" / bdf / "driver"
    target = os.readlink(link)
    drivers = (link.parent / target).parent
    os.rename(link.parent / target, drivers / HOSTILE)
    os.unlink(link)
    os.symlink(os.path.join(os.path.dirname(target), HOSTILE), link)
    svg = judge(name, root, policy)
    if svg is None:
        return
    if "driver " + HOSTILE.replace("\n", "\\x0a") not in "\n".join(svg_texts(svg)):
        bad(name, "the driver name %r is not in the SVG as it is in sysfs" % HOSTILE)


def real(tmp):
    name, root = REAL.name, tmp / "real"
    root.mkdir()
    with tarfile.open(REAL) as t:
        t.extractall(root, filter="tar")
    svg = judge(name, root, REAL_POLICY)
    docs(root, svg)


def svg_content(svg):
    """What an SVG says, without where dot put it: the titles and texts in
    document order (the layout depends on the fonts installed)."""
    return [(t.tag, t.text or "") for t in ET.fromstring(svg).iter()
            if t.tag in (SVG_NS + "title", SVG_NS + "text")]


def docs(root, svg):
    """The committed graph is what this binary makes (docs/report.md): the
    DOT byte for byte, the SVG's titles and texts as dot renders them now."""
    dot = show_dot(root, REAL_POLICY).stdout
    for path, want, same in ((DOC_DOT, dot, lambda a, b: a == b),
                             (DOC_SVG, svg, lambda a, b: svg_content(a) == svg_content(b))):
        if want is None:
            continue
        if not path.exists():
            bad(path.name, "missing")
        elif not same(path.read_text(), want):
            bad(path.name, "differs from what the current binary and dot make: "
                "regenerate it with the command in docs/report.md")


def usage():
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as pol:
        for cmd in ("check", "enforce", "gate", "cmdline", "modprobe", "baseline"):
            r = run([GPUGATE, "-p", pol.name, "--format", "dot", cmd])
            if r.returncode != 2 or "--format" not in r.stderr:
                bad("usage", "%s --format dot: exit %d, %r" % (cmd, r.returncode, r.stderr))
        for fmt in ("json", "prometheus"):
            r = run([GPUGATE, "-p", pol.name, "--format", fmt, "show"])
            if r.returncode != 2:
                bad("usage", "show --format %s: exit %d" % (fmt, r.returncode))


def main():
    if not shutil.which("dot"):
        print("FAIL: dot not found (tests/install-deps.sh installs graphviz)")
        return 1
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        generated(tmp)
        hostile(tmp)
        real(tmp)
    usage()
    print("test-dot: %d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
