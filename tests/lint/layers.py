#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The import graph of src/ runs only down the layers, and no check reads.

src/ has one folder per layer (docs/design.md, "Layers"), lowest first in
LAYERS. A file may include headers of its own layer and of the layers below
it, never of a layer above, and calls no function defined in a layer above
(a declaration placed in a lower header does not make the call go down).
Checks (src/check/) are pure functions of the
model and the policy: they include nothing that reads or writes the system
and call none of the functions that do.

Exit 0 when both hold, 1 with one line per violation.
"""
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"
LAYERS = ["lib", "parse", "core", "source", "model", "check", "fix", "output", "cmd"]

# What a check may not include, and the calls that read or write the system.
CHECK_BANNED_HEADERS = {"sysroot.h", "pcidev.h", "modload.h", "source.h", "lockdown.h"}
CHECK_BANNED_CALLS = re.compile(
    r"\b(sysroot_\w+|model_config|model_build\w*|model_read_\w+|model_load_configs|"
    r"baseline_\w*collect|baseline_load|pcidev_\w+|modload_\w+|lockdown_\w+|rom_load|"
    r"fopen|open|openat|opendir|readlink|readlinkat|stat|lstat|access|read|write)\s*\(")

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# A function definition: at the start of a line, not static, "name(" on
# that line, and no ";" ending it (a prototype).
DEFINITION = re.compile(r"^(?!static\b)[a-z][\w \t\*]*?\b(\w+)\(([^;]*)$", re.M)
CALL = re.compile(r"\b(\w+)\s*\(")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.sub(r'"(\\.|[^"\\])*"', '""', text)


def main():
    where = {}
    files = []
    for layer in LAYERS:
        for f in sorted((SRC / layer).glob("*.[ch]")):
            where[f.name] = layer
            files.append((layer, f))
    defined = {}
    for layer, f in files:
        if f.suffix == ".c":
            for m in DEFINITION.finditer(strip_comments(f.read_text())):
                defined.setdefault(m.group(1), layer)
    stray = [p for p in SRC.glob("*.[ch]")]
    bad = ["%s: source file outside the layer folders" % p.relative_to(REPO) for p in stray]
    for layer, f in files:
        text = f.read_text()
        rel = f.relative_to(REPO)
        for h in INCLUDE.findall(text):
            hl = where.get(h)
            if hl is None:
                bad.append("%s: includes %s, which is in no layer" % (rel, h))
            elif LAYERS.index(hl) > LAYERS.index(layer):
                bad.append("%s (%s) includes %s (%s): up a layer" % (rel, layer, h, hl))
            elif layer == "check" and h in CHECK_BANNED_HEADERS:
                bad.append("%s: a check includes %s" % (rel, h))
        if f.suffix == ".c":
            for name in sorted(set(CALL.findall(strip_comments(text)))):
                hl = defined.get(name)
                if hl and LAYERS.index(hl) > LAYERS.index(layer):
                    bad.append("%s (%s) calls %s() (%s): up a layer" % (rel, layer, name, hl))
        if layer == "check" and f.suffix == ".c":
            for m in CHECK_BANNED_CALLS.finditer(strip_comments(text)):
                bad.append("%s: a check calls %s()" % (rel, m.group(1)))
    for b in sorted(set(bad)):
        print("layers: " + b)
    print("layers: %d files in %d layers, %d violations" % (len(files), len(LAYERS), len(set(bad))))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
