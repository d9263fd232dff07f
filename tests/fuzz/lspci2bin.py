#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Convert the hex dumps of `lspci -x/-xxx/-xxxx` text into binary config
spaces, one file per device, for the caps fuzzer's seed corpus.

    tests/fuzz/lspci2bin.py OUTDIR DUMP...

A device record starts at a line "BB:DD.F ..." (or "DDDD:BB:DD.F ...") and
its hex lines are "OFF: xx xx ..." (16 bytes each). The binary is as long as
the dump (64, 256 or 4096 bytes). Files are named
<dump-stem>_<bdf>.bin; a record with a gap in its offsets is skipped.
"""
import re
import sys
from pathlib import Path

DEV = re.compile(r"^(?:[0-9a-f]{4}:)?([0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) ")
HEX = re.compile(r"^([0-9a-f]{2,3}): ((?:[0-9a-f]{2} ?){1,16})$")


def records(text):
    """Yield (bdf, bytes) for each device record with a hex dump."""
    bdf, data = None, bytearray()
    for line in text.splitlines() + [""]:
        m = DEV.match(line)
        if m or not line.strip():
            if bdf and data:
                yield bdf, bytes(data)
            bdf, data = (m.group(1) if m else None), bytearray()
            continue
        h = HEX.match(line.strip())
        if bdf is None or not h:
            continue
        if int(h.group(1), 16) != len(data):
            bdf = None          # a gap: not a dump we can trust
            continue
        data += bytes.fromhex(h.group(2))


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for dump in argv[2:]:
        stem = Path(dump).name.split("_")[0]
        for bdf, data in records(Path(dump).read_text(errors="replace")):
            if len(data) not in (64, 256, 4096):
                continue
            name = "%s_%s.bin" % (stem, bdf.replace(":", "-"))
            (out / name).write_bytes(data)
            print("%s %d" % (name, len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
