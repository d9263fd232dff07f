#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""User-space module decompression (src/source/modload.c) against fixtures made
here: every format a distribution kernel uses decompresses to the exact
bytes; corrupt, truncated, padded-with-garbage and oversized inputs are
refused with no image; and the kernel-or-user-space decision follows the
kernel's errnos.

Usage: test-decompress.py BUILD/unit/modload_decompress
"""
import errno
import gzip
import lzma
import os
import random
import subprocess
import sys

HELPER = sys.argv[1]
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def unpack(fmt, data, cap=256 << 20):
    p = subprocess.run([HELPER, "unpack", fmt, str(cap)], input=data,
                       capture_output=True, check=False)
    return p.returncode, p.stdout, p.stderr.decode()


def zstd(data, *opts):
    return subprocess.run(["zstd", "-q", "-c", *opts], input=data,
                          capture_output=True, check=True).stdout


# A stand-in module: an ELF-like head, code-like bytes, text, and the
# signature trailer a signed module ends with.
rnd = random.Random(11)
image = (b"\x7fELF\x02\x01\x01" + bytes(rnd.randrange(256) for _ in range(60000))
         + b"vfio_pci\0" * 20000 + bytes(rnd.randrange(8) for _ in range(200000))
         + b"~Module signature appended~\n")

fixtures = {
    # what kbuild writes (scripts/Makefile.modinst): xz --check=crc32
    # --lzma2=dict=1MiB (up to 6.x) and the later default-check form
    "xz-crc32": ("xz", lzma.compress(image, check=lzma.CHECK_CRC32,
                                     filters=[{"id": lzma.FILTER_LZMA2, "dict_size": 1 << 20}])),
    "xz-crc64": ("xz", lzma.compress(image)),
    "xz-sha256": ("xz", lzma.compress(image, check=lzma.CHECK_SHA256)),
    "xz-bcj": ("xz", lzma.compress(image, filters=[{"id": lzma.FILTER_X86},
                                                   {"id": lzma.FILTER_LZMA2}])),
    # two streams, and stream padding (4 zero bytes), both valid .xz
    "xz-concat": ("xz", lzma.compress(image[:1000]) + lzma.compress(image[1000:])),
    "xz-padded": ("xz", lzma.compress(image) + b"\0" * 4),
    "zstd": ("zstd", zstd(image, "-19")),
    "zstd-two-frames": ("zstd", zstd(image[:5000]) + zstd(image[5000:])),
    "gzip": ("gzip", gzip.compress(image, mtime=0)),
}

for name, (fmt, data) in fixtures.items():
    rc, out, err = unpack(fmt, data)
    check(f"{name}: decompresses", rc == 0 and out == image, f"rc={rc} {err}")

# The size limit: exactly the image fits, one byte less is refused.
for name in ("xz-crc64", "zstd", "gzip"):
    fmt, data = fixtures[name]
    rc, out, _ = unpack(fmt, data, len(image))
    check(f"{name}: limit == size", rc == 0 and out == image)
    rc, out, err = unpack(fmt, data, len(image) - 1)
    check(f"{name}: over the limit", rc == 1 and not out and err.startswith(f"-{errno.EFBIG} "),
          f"rc={rc} {err}")

# Damage: truncation anywhere, a flipped byte anywhere, garbage after the
# end, a wrong format, nothing at all. All refused, nothing on stdout.
for name in ("xz-crc32", "xz-crc64", "zstd", "gzip"):
    fmt, data = fixtures[name]
    cuts = sorted({1, 5, 12, len(data) // 3, len(data) // 2, len(data) - 9, len(data) - 1})
    for cut in cuts:
        rc, out, err = unpack(fmt, data[:cut])
        check(f"{name}: truncated at {cut}", rc == 1 and not out and err.startswith(f"-{errno.EBADMSG} "),
              f"rc={rc} {err}")
    for pos in sorted({20, len(data) // 2, len(data) - 6, len(data) - 2}):
        bad = bytearray(data)
        bad[pos] ^= 0x55
        rc, out, err = unpack(fmt, bytes(bad))
        check(f"{name}: byte {pos} flipped", rc != 0 and not out, f"rc={rc} {err}")
    rc, out, err = unpack(fmt, data + b"GARBAGE!")
    check(f"{name}: trailing garbage", rc == 1 and not out, f"rc={rc} {err}")
    rc, out, err = unpack(fmt, b"")
    check(f"{name}: empty", rc == 1 and not out, f"rc={rc} {err}")
    other = "gzip" if fmt != "gzip" else "xz"
    rc, out, err = unpack(other, data)
    check(f"{name}: read as {other}", rc == 1 and not out, f"rc={rc} {err}")
rc, out, err = unpack("lz4", fixtures["gzip"][1])
check("unknown format", rc == 1 and not out and err.startswith(f"-{errno.EPROTONOSUPPORT} "), err)


def decide(fmt, kernel, err):
    return subprocess.run([HELPER, "decide", fmt, kernel, str(err)], capture_output=True,
                          text=True, check=True).stdout.strip()


# /sys/module/compression present (6.4+): it alone decides.
check("kernel says xz, module xz", decide("xz", "xz", 0) == "kernel")
check("kernel says zstd, module xz", decide("xz", "zstd", 0) == "user")
check("kernel says xz, refused EINVAL", decide("xz", "xz", errno.EINVAL) == "kernel")
# Absent: try the kernel, fall back on its errnos for "cannot decompress".
check("unknown, before finit", decide("xz", "-", 0) == "kernel")
for e in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
    check(f"unknown, finit {errno.errorcode[e]}", decide("xz", "-", e) == "user")
for e in (errno.EPERM, errno.EKEYREJECTED, errno.ENOEXEC, errno.EEXIST, errno.ENOMEM, errno.EBADMSG):
    check(f"unknown, finit {errno.errorcode[e]}", decide("zstd", "-", e) == "kernel")

print(f"modload decompress: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
