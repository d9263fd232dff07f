# SPDX-License-Identifier: GPL-2.0-or-later
"""The module index: tiny fake .ko objects made by gcc, indexed by the
real depmod, built once into build/test-cache/."""

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .topology import CACHE, FAKE_MODULES, KVER


def _modinfo_c(relpath, aliases):
    name = Path(relpath).name[:-3].replace("-", "_")
    fields = ["license=GPL" if not name.startswith("nvidia") else
              "license=NVIDIA", "description=gpugate test stand-in for %s"
              % name, "author=gpugate tests"]
    fields += ["alias=" + a for a in aliases]
    fields += ["depends=", "retpoline=Y", "name=" + name,
               "vermagic=%s SMP preempt mod_unload modversions " % KVER]
    s = "".join(x.replace("\\", "\\\\").replace('"', '\\"') + "\\0"
                for x in fields)
    return ('static const char __attribute__((section(".modinfo"), used, '
            'aligned(1))) gpugate_modinfo[] = "%s";\n' % s)


MODINDEX_LAYOUT = 2          # bump when the layout code below changes


def modindex_dir(modules=None):
    """Build (once) lib/modules/KVER for the given fake modules with the
    real depmod; return its path inside the cache."""
    mods = FAKE_MODULES if modules in (None, True) else {
        k: v for k, v in FAKE_MODULES.items()
        if Path(k).name[:-3].replace("-", "_") in modules}
    key = hashlib.sha256(repr((MODINDEX_LAYOUT, KVER, sorted(mods.items())))
                         .encode()).hexdigest()[:16]
    out = CACHE / ("kmod-" + key)
    if (out / "lib/modules" / KVER / "modules.alias.bin").exists():
        return out / "lib/modules" / KVER
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="kmod-", dir=CACHE))
    kdir = tmp / "lib/modules" / KVER
    for rel, aliases in sorted(mods.items()):
        # DKMS modules live in updates/dkms, in-tree ones under kernel/
        ko = kdir / rel if rel.startswith("updates/") else kdir / "kernel" / rel
        ko.parent.mkdir(parents=True, exist_ok=True)
        src = tmp / "m.c"
        src.write_text(_modinfo_c(rel, aliases))
        subprocess.run(["gcc", "-c", "-O0", "-o", str(ko), str(src)],
                       check=True)
        src.unlink()
    (kdir / "modules.order").write_text(
        "".join("kernel/%s\n" % r for r in sorted(mods)
                if not r.startswith("updates/")))
    (kdir / "modules.builtin").write_text(
        "kernel/drivers/pci/pcie/portdrv.ko\n")
    (kdir / "modules.builtin.modinfo").write_bytes(
        b"portdrv.file=drivers/pci/pcie/portdrv\0")
    depmod = shutil.which("depmod") or "/usr/sbin/depmod"
    subprocess.run([depmod, "-b", str(tmp), KVER], check=True)
    if not (kdir / "modules.alias.bin").exists():
        raise RuntimeError("depmod did not produce modules.alias.bin")
    try:
        os.rename(tmp, out)
    except OSError:                       # built concurrently: keep theirs
        shutil.rmtree(tmp, ignore_errors=True)
    return out / "lib/modules" / KVER


def install_modindex(root, modules):
    src = modindex_dir(modules)
    shutil.copytree(src, Path(root) / "lib/modules" / KVER, symlinks=True)
