# SPDX-License-Identifier: GPL-2.0-or-later
"""What the Python test suites share: paths, the generated-tree cache,
tree snapshots.

A suite finds this module with

    sys.path.insert(0, str(REPO / "tests" / "lib"))
    import gpugate_test as gt

Importing it puts tests/gen, tests/report and tests/trees on sys.path, so
`import mktree` and `import report_schema` work afterwards.

Trees: every scenario of tests/trees/scenarios.py is generated once into a
cache directory, SCRATCH/gpugate-trees-UID/KEY, where KEY hashes the
generator's and the scenarios' sources (tree_cache()). pristine() returns a
scenario's cached tree; suites copy it before running anything that writes.
"""

import functools
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
GEN = TESTS / "gen"
for _d in (TESTS / "trees", TESTS / "report", GEN):
    if str(_d) not in sys.path:
        sys.path.insert(0, str(_d))

import mktree  # noqa: E402


def binary(env="GPUGATE", name="gpugate"):
    """The program under test: $env, else build/NAME."""
    return os.environ.get(env, str(REPO / "build" / name))


# Checks a default-policy check with at least one protected function may
# leave out of its report, and why. Every other id of the table must be in
# it (table_ids(), core_ids()).
CONDITIONAL_IDS = {
    "devices.expect": "reports nothing unless [devices] expect is set",
}


@functools.lru_cache(maxsize=None)
def table_ids():
    """The ids of gpugate's check table in table order, as build/check-ids
    (tests/lib/check-ids.c, `make build/check-ids`) prints them through
    check_id(). Raises RuntimeError when that program is missing, fails or
    prints something that is not a list of ids."""
    prog = os.environ.get("GPUGATE_CHECK_IDS", str(REPO / "build" / "check-ids"))
    try:
        r = subprocess.run([prog], capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL)
    except OSError as e:
        raise RuntimeError("cannot run %s (make build/check-ids): %s" % (prog, e))
    ids = r.stdout.split("\n")
    if r.returncode or ids[-1] != "" or len(ids) < 2:
        raise RuntimeError("%s: exit %d, output %r" % (prog, r.returncode, r.stdout[:200]))
    ids = ids[:-1]
    bad = [i for i in ids if not re.fullmatch(r"[a-z]+\.[a-z_]+", i)]
    if bad or len(set(ids)) != len(ids):
        raise RuntimeError("%s: malformed or repeated ids: %r" % (prog, bad or ids))
    return tuple(ids)


def core_ids():
    """The ids every default-policy check with at least one protected
    function must report: the table but CONDITIONAL_IDS."""
    ids = set(table_ids())
    gone = set(CONDITIONAL_IDS) - ids
    if gone:
        raise RuntimeError("CONDITIONAL_IDS names ids the table lacks: %s" %
                           " ".join(sorted(gone)))
    return ids - set(CONDITIONAL_IDS)


def scratch_base():
    """GPUGATE_TREES_TMP, else /dev/shm when writable, else the temp dir."""
    env = os.environ.get("GPUGATE_TREES_TMP")
    if env:
        return Path(env)
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return shm
    return Path(tempfile.gettempdir())


def generator_sources():
    """The files whose content decides the generated trees."""
    return sorted(GEN.glob("mktree*.py")) + \
        sorted((GEN / "sysfstree").glob("*.py")) + \
        [TESTS / "trees" / "scenarios.py"]


def source_key():
    h = hashlib.sha256()
    for p in generator_sources():
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def tree_top(base=None):
    return (base or scratch_base()) / ("gpugate-trees-%d" % os.getuid())


def tree_cache(base=None):
    """The cache directory of this generator's trees (created), with the
    module index built."""
    cache = tree_top(base) / source_key()
    cache.mkdir(parents=True, exist_ok=True)
    mktree.modindex_dir()
    return cache


def pristine(sc, cache):
    """Build sc's tree once (safe against a concurrent run); return it."""
    done = cache / (sc.name + ".done")
    root = cache / sc.name
    if done.exists():
        return root
    tmp = Path(tempfile.mkdtemp(prefix=sc.name + ".", dir=cache))
    mktree.write_tree(sc.build(), tmp / "root")
    for attempt in (0, 1):
        try:
            os.rename(tmp / "root", root)
            done.write_text("")
            break
        except OSError:
            if done.exists():                 # another run finished first
                break
            if attempt == 0:                  # stale leftover of a crash
                shutil.rmtree(root, ignore_errors=True)
            else:
                raise
    shutil.rmtree(tmp, ignore_errors=True)
    return root


def snapshot(root, raw=False):
    """{relative path: (type, mode, content hash or link target)}; with
    @raw the file contents themselves instead of their hash."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            if os.path.islink(p):
                out[rel] = ("l", st.st_mode, os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ("d", st.st_mode, None)
            else:
                with open(p, "rb") as f:
                    data = f.read()
                    out[rel] = ("f", st.st_mode, data if raw else
                                hashlib.sha1(data).hexdigest())
    return out


def tree_diff(a, b):
    changed = [k for k in a if k in b and a[k] != b[k]]
    gone = [k for k in a if k not in b]
    new = [k for k in b if k not in a]
    parts = []
    for what, lst in (("changed", changed), ("removed", gone),
                      ("created", new)):
        if lst:
            parts.append("%s %s" % (what, ", ".join(sorted(lst)[:3])))
    return "; ".join(parts)


def untimed(out):
    """The JSON report without its "time" value."""
    return re.sub(r'"time":"[^"]*"', '"time":null', out, count=1)


def build_version():
    """The VERSION the Makefile gives the current tree."""
    r = subprocess.run(["git", "-C", str(REPO), "describe", "--tags",
                        "--dirty"], capture_output=True, text=True)
    v = r.stdout.strip()
    return (v[1:] if v.startswith("v") else v) or "0.1.0"


def build_rev(rev):
    """Build git revision rev's binary (once) from `git archive` in
    build/compare/COMMIT, with this tree's build/deps and VERSION (so that
    outputs naming the version compare equal); return its path."""
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", rev],
                            check=True, capture_output=True,
                            text=True).stdout.strip()
    src = REPO / "build" / "compare" / commit
    binary = src / "build" / "gpugate"
    if binary.exists():
        return binary
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    arch = subprocess.run(["git", "-C", str(REPO), "archive", rev],
                          check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=arch, check=True)
    deps = REPO / "build" / "deps"
    if not (deps / ".stamp").exists():
        raise SystemExit("build_rev: build/deps missing: run make")
    shutil.copytree(deps, src / "build" / "deps", symlinks=True)
    # the copied stamp is newer than the archive's files: no deps rebuild
    (src / "build" / "deps" / ".stamp").touch()
    (src / "build" / "deps" / "versions.mk").touch()
    r = subprocess.run(["make", "-C", str(src), "VERSION=" + build_version(),
                        "all"],
                       capture_output=True, text=True)
    if r.returncode:
        raise SystemExit("build_rev: building %s failed:\n%s" % (
            rev, r.stdout[-2000:] + r.stderr[-2000:]))
    return binary
