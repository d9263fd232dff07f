#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Differential test of src/parse/cmdline.c against independent Python ports.

The ports below restate, from the sources, how the kernel and libkmod read
/proc/cmdline:

- kernel: lib/cmdline.c next_arg() driven by kernel/params.c parse_args()
  (skip_spaces(), isspace() of lib/ctype.c, which includes 0xa0; a lone
  "--" without value ends the kernel's arguments);
- libkmod (kmod 30): libkmod/libkmod-config.c kmod_config_parse_kcmdline()
  (a 4096-byte read_str_safe() buffer, its quote/modname/param/value state
  machine, the re-quoting of "mod.p=a b", kcmdline_parse_result() with
  modprobe.blacklist= and underscores()), and the module's own parse_args()
  over the option string it is given.

Many generated command lines (fixed seed, printed; CMDLINE_DIFF_SEED and
CMDLINE_DIFF_COUNT override) go through build/unit/cmdline_dump, which
prints what cmdline.c read. Every disagreement fails the test.
"""

import os
import random
import subprocess
import sys

SIZE = 4096          # KCMD_LINE_SIZE; cmdline.c's CMDLINE_SIZE
MAX_PARAMS = 256     # cmdline.c's CMDLINE_MAX_PARAMS
KSPACE = {9, 10, 11, 12, 13, 32, 0xa0}
MODSPACE = {32, 10, 9, 11, 12, 13}


def cstr(buf, at):
    """The NUL-terminated string at @at of bytearray @buf."""
    end = buf.find(0, at)
    return bytes(buf[at:end if end >= 0 else len(buf)])


def skip_spaces(buf, i):
    while buf[i] in KSPACE:
        i += 1
    return i


def next_arg(buf, i):
    """lib/cmdline.c next_arg() on bytearray @buf (NUL-terminated) at @i.
    Returns (param, value or None, next index)."""
    in_quote = quoted = False
    if buf[i] == ord('"'):
        i += 1
        in_quote = quoted = True
    n = equals = 0
    while buf[i + n]:
        if buf[i + n] in KSPACE and not in_quote:
            break
        if equals == 0 and buf[i + n] == ord('='):
            equals = n
        if buf[i + n] == ord('"'):
            in_quote = not in_quote
        n += 1
    val = None
    if equals:
        buf[i + equals] = 0
        val = i + equals + 1
        if buf[val] == ord('"'):
            val += 1
            if buf[i + n - 1] == ord('"'):
                buf[i + n - 1] = 0
    if quoted and n > 0 and buf[i + n - 1] == ord('"'):
        buf[i + n - 1] = 0
    nxt = i + n
    if buf[nxt]:
        buf[nxt] = 0
        nxt += 1
    param = cstr(buf, i)
    value = cstr(buf, val) if val is not None else None
    return param, value, skip_spaces(buf, nxt)


def parse_args(text):
    """kernel/params.c parse_args(): the (param, value) pairs before "--"."""
    buf = bytearray(text) + b"\0"
    out = []
    i = skip_spaces(buf, 0)
    while buf[i]:
        param, value, i = next_arg(buf, i)
        if value is None and param == b"--":
            break
        out.append((param, value))
    return out


def underscores_ok(s):
    """kmod shared/util.c underscores(): 0, or -EINVAL for bad brackets."""
    i = 0
    while i < len(s):
        if s[i] == ord(']'):
            return False
        if s[i] == ord('['):
            j = s.find(b"]", i)
            if j < 0:
                return False
            i = j
        i += 1
    return True


def kcmdline(text):
    """kmod_config_parse_kcmdline(): the (modname, option) pairs libkmod
    adds with kmod_config_add_options()."""
    buf = bytearray(text[:SIZE - 1]) + b"\0"
    IGNORE, MODNAME, PARAM, VALUE, COMPLETE = range(5)
    out = []
    state, quoted, qstart = MODNAME, False, None
    modname, param, value = 0, None, None
    p = 0
    while True:
        c = buf[p]
        last = c == 0
        if c == ord('"'):
            quoted = not quoted
            if quoted and state == MODNAME and p == modname:
                qstart, modname = p, p + 1
            elif state != VALUE:
                state = IGNORE
        elif c == 0 or c in MODSPACE:
            if quoted and state == VALUE:
                pass
            elif quoted:
                state = IGNORE
            elif state in (VALUE, PARAM):
                buf[p] = 0
                state = COMPLETE
            else:
                modname, state, qstart = p + 1, MODNAME, None
        elif c == ord('.'):
            if state == MODNAME:
                buf[p] = 0
                param, state = p + 1, PARAM
            elif state == PARAM:
                state = IGNORE
        elif c == ord('='):
            if state == PARAM:
                value, state = p + 1, VALUE
            elif state == MODNAME:
                state = IGNORE
        if state == COMPLETE:
            if qstart is not None and qstart < modname:
                buf[qstart:value - 1] = buf[modname:value]
                value, modname, param = value - 1, modname - 1, param - 1
                buf[value] = ord('"')
            mod, opt = cstr(buf, modname), cstr(buf, param)
            if mod == b"modprobe" and opt.startswith(b"blacklist="):
                pass
            elif underscores_ok(mod):
                out.append((mod, opt))
            modname, state, qstart = p + 1, MODNAME, None
        if last:
            return out
        p += 1


def fold(name):
    return name.replace(b"-", b"_")


def expect(text):
    """What cmdline.c must read: (rc, kernel params, module params)."""
    body = text[:-1] if text.endswith(b"\n") else text
    if len(body) > SIZE - 1:
        return -7, [], []
    kernel = [(fold(n), v) for n, v in parse_args(text)]
    mods = []
    for mod, opt in kcmdline(text):
        mods += [(fold(mod + b"." + n), v) for n, v in parse_args(opt)]
    if len(kernel) > MAX_PARAMS or len(mods) > MAX_PARAMS:
        return -7, [], []
    return 0, kernel, mods


PIECES = [b"vfio_iommu_type1", b"vfio-iommu-type1", b"iommufd", b"vfio",
          b"allow_unsafe_interrupts", b"allow-unsafe-interrupts",
          b"enable_unsafe_noiommu_mode", b"modprobe", b"blacklist", b"pci",
          b"noats", b"intel_iommu", b"on", b"off", b"1", b"0", b"y", b"a",
          b"x", b"[", b"]", b"a[b-c]", b".", b".", b"=", b"=", b"\"", b"\"",
          b"\"", b" ", b" ", b" ", b"  ", b"\t", b"\n", b"\v", b"\f", b"\r",
          b"\xa0", b"\xc2\xa0", b"--", b" -- ", b",", b"-", b"_", b"'"]


def gen_line(rnd):
    kind = rnd.random()
    if kind < 0.02:   # near and over the length limit
        word = b"vfio.p=\"a b\" "
        line = word * ((SIZE + rnd.randrange(-40, 40)) // len(word))
        return line + (b"\n" if rnd.random() < 0.5 else b"")
    if kind < 0.04:   # many parameters
        return b"a.b " * rnd.randrange(200, 300)
    n = rnd.randrange(1, 40)
    line = b"".join(rnd.choice(PIECES) for _ in range(n))
    return line + (b"\n" if rnd.random() < 0.3 else b"")


def parse_dump(out):
    """Split cmdline_dump's output into (rc, kernel, module) records."""
    recs, cur = [], None
    for ln in out.decode().splitlines():
        f = ln.split(" ")
        if f[0] == "rc":
            cur = [int(f[1]), [], []]
        elif f[0] == "end":
            recs.append((cur[0], cur[1], cur[2]))
        else:
            name = bytes.fromhex(f[1][1:])
            value = None if f[2] == "-" else bytes.fromhex(f[2][1:])
            cur[1 if f[0] == "k" else 2].append((name, value))
    return recs


def main():
    dump = sys.argv[1] if len(sys.argv) > 1 else "build/unit/cmdline_dump"
    seed = int(os.environ.get("CMDLINE_DIFF_SEED", "1717"))
    count = int(os.environ.get("CMDLINE_DIFF_COUNT", "20000"))
    print("cmdline differential: seed %d, %d lines" % (seed, count))
    rnd = random.Random(seed)
    lines = [gen_line(rnd) for _ in range(count)]
    lines = [ln.replace(b"\0", b"") for ln in lines]
    out = subprocess.run([dump], input=b"\0".join(lines) + b"\0",
                         stdout=subprocess.PIPE, check=True).stdout
    got = parse_dump(out)
    if len(got) != len(lines):
        print("FAIL: %d results for %d lines" % (len(got), len(lines)))
        return 1
    bad = 0
    for line, g in zip(lines, got):
        want = expect(line)
        if g != want:
            bad += 1
            if bad <= 5:
                print("FAIL %r\n  cmdline.c: %r\n  port:      %r"
                      % (line, g, want))
    print("cmdline differential: %d lines, %d disagreements"
          % (len(lines), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
