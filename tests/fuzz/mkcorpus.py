#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Regenerate the fuzzers' seed corpora in tests/fuzz/corpus/<target>/.

    tests/fuzz/mkcorpus.py [REALDATA_DIR]

caps:    every distinct config space of the generated tree scenarios
         (tests/trees/scenarios.py, hostile variants included) plus the
         real `lspci -x/-xxx/-xxxx` dumps of REALDATA_DIR (default
         ../shared/realdata) converted by lspci2bin.py
policy:  config/*.conf and every distinct scenario policy
cmdline: every distinct scenario /proc/cmdline plus the real kernel command
         lines of the QEMU lab (docs in ../shared/QEMU-FINDINGS.md)
tpm2:    TPM responses (TPM_RESPONSES), each after the byte that picks the
         PCR read: an extend success as swtpm sends it, two reads, a read
         of an unallocated bank, and four error codes
measlog: tpm2-measure.log texts (measlog_logs()), each after the byte that
         picks the PCR replayed: gpugate's pass sequence, a systemd log of
         four banks, shapes pcrlock accepts, and a few refused ones
guardstate: guard state files (guard_states()): one as gpugate writes it,
         a sparse one, and refused ones (truncated, duplicate, overflow)

Files are named by the SHA-1 of their content (real dumps: by origin), so
a rerun is idempotent; tree configs of the same capability layout are kept
once. The corpora are small and checked in; regenerate them after
adding scenarios.
"""
import hashlib
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "gen"))
import mktree  # noqa: E402

# Kernel command lines seen in the QEMU lab (QEMU-FINDINGS.md) and on the
# Debian 12 hosts the lab images come from.
REAL_CMDLINES = [
    "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1",
    "console=ttyS0 quiet",
    "quiet intel_iommu=on",
    "root=/dev/vda rootfstype=ext4 rw console=ttyS0 intel_iommu=on "
    "iommu.strict=1 pci=noats",
    "BOOT_IMAGE=/boot/vmlinuz-6.1.0-26-amd64 root=UUID=8c1f6a0e-3d4b-4f7e-"
    "9a51-2b6c0d9e7f13 ro quiet",
    'dyndbg="file drivers/iommu/* +p" -- init_arg "quoted -- arg"',
]



def tpm_response(tag, body, rc=0):
    """A TPM 2.0 response: tag, responseSize, responseCode, body."""
    return (tag.to_bytes(2, "big") + (10 + len(body)).to_bytes(4, "big")
            + rc.to_bytes(4, "big") + body)


def tpm_responses():
    value = hashlib.sha256(b"seed").digest()
    read = "00000001000b03%06x" "00000001" "0020"
    return [
        bytes([16]) + tpm_response(0x8002, bytes.fromhex("00000000" "0000010000")),
        bytes([16]) + tpm_response(0x8001, bytes.fromhex("00000017" + read % 0x000001) + value),
        bytes([9]) + tpm_response(0x8001, bytes.fromhex("00000005" + read % 0x000200) + value),
        bytes([16]) + tpm_response(0x8001, bytes.fromhex("00000003" "00000001000b03000000"
                                                          "00000000")),
        bytes([17]) + tpm_response(0x8001, b"", 0x907),  # TPM_RC_LOCALITY
        bytes([16]) + tpm_response(0x8001, b"", 0x100),  # TPM_RC_INITIALIZE
        bytes([16]) + tpm_response(0x8001, b"", 0x922),  # TPM_RC_RETRY
        bytes([16]) + tpm_response(0x8001, b"", 0x184),  # TPM_RC_VALUE, handle 1
    ]


def measlog_record(pcr, string, algs=("sha256",), ctype="gpugate", extra=None):
    """One JSON-SEQ record as systemd-pcrextend or gpugate writes it."""
    digests = ",".join('{"hashAlg":"%s","digest":"%s"}'
                       % (a, hashlib.new(a, string.encode()).hexdigest()) for a in algs)
    content = '{"string":%s%s}' % (json.dumps(string), extra or "")
    return ('\x1e{"pcr":%d,"digests":[%s],"content_type":"%s","content":%s}\n'
            % (pcr, digests, ctype, content))


def measlog_logs():
    policy = "gpugate policy sha256:" + hashlib.sha256(b"[gate]\n").hexdigest()
    passes = "".join(measlog_record(8, s) for s in
                     (policy, "gpugate gate pass v1", "gpugate verify pass v1"))
    banks = ("sha1", "sha256", "sha384", "sha512")
    boot = ',"eventType":"phase","bootId":"5b3fc8b2a6c44b0e8d3f6c5e0a9b7d21","timestamp":%d'
    systemd = "".join(measlog_record(11, s, banks, "systemd", boot % (i + 1))
                      for i, s in enumerate(("enter-initrd", "leave-initrd", "sysinit")))
    x = hashlib.sha256(b"x").hexdigest()
    logs = [
        (8, passes),
        (11, systemd + measlog_record(8, "gpugate gate fail v1")),
        (8, ""),
        (8, '\x1e { "digests" : [ {"hashAlg":"sm3_256","digest":7}, {"digest":"%s",'
            '"hashAlg":"sha256"} ], "pcr" : 8, "x":[1,-2.5e+3,true,false,null,{"a":"\\u00e9'
            '\\ud83d\\ude00\\n\\/"}] }\r\n' % x),
        (8, measlog_record(8, "a \"quoted\" \\ word\twith\x01controls \u00e9")),
        (8, passes[:-40]),  # truncated
        (8, '\x1e{"pcr":8,"pcr":8,"digests":[]}\n'),  # duplicate key
        (8, '\x1e{"pcr":8.0,"digests":[{"hashAlg":"sha256","digest":"%s"}]}' % x),
        (8, '\x1e{"pcr":8,"a":[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]],"digests":[]}'),
    ]
    return [bytes([pcr]) + text.encode() for pcr, text in logs]


GUARD_KINDS = ("add", "bind", "change", "once", "start", "poll", "vfio")
GUARD_OUTCOMES = ("ok", "fixed", "finding", "error")


def guard_states():
    """State files of [guard] state: written ones and refused ones."""
    head = "gpugate-guard-state 1\n"
    full = head + "".join("count %s %s %d\n" % (k, o, i * 7 + j)
                          for i, k in enumerate(GUARD_KINDS)
                          for j, o in enumerate(GUARD_OUTCOMES))
    full += "".join("last %s %d\n" % (k, 1700000000 + i) for i, k in enumerate(GUARD_KINDS))
    return [
        full + "end\n",
        head + "count bind finding 3\nlast bind 1700000000\nend\n",
        head + "end\n",
        full,                                              # truncated
        head + "count add ok 1\ncount add ok 2\nend\n",    # duplicate
        head + "count add ok 18446744073709551616\nend\n",  # overflow
        head + "last vfio 9223372036854775807\nend\n",
    ]


def shape(cfg, hostile):
    """What caps_parse() sees: length, the two capability chains (offset,
    id) and the hostile variant. Configs differing only in BARs, bus
    numbers or register values give the parser nothing new."""
    chains = []
    for pos, first, step in ((cfg[0x34] & ~3 if len(cfg) > 0x34 else 0,
                              0x40, "std"), (0x100, 0x100, "ext")):
        seen, chain = set(), []
        while pos and pos not in seen and pos + 4 <= len(cfg):
            seen.add(pos)
            if step == "std":
                chain.append((pos, cfg[pos]))
                pos = cfg[pos + 1] & ~3
            else:
                h = int.from_bytes(cfg[pos:pos + 4], "little")
                chain.append((pos, h & 0xffff))
                pos = (h >> 20) & 0xffc
        chains.append(tuple(chain))
    return (len(cfg), hostile, tuple(chains))


def platform_inputs():
    """fuzz_platform: a selector byte (0 DMAR, 1 IVRS), then the table; and
    the efivarfs and tainted texts after a selector byte."""
    def table(sig, body, length=None):
        n = 36 + len(body) if length is None else length
        return sig + n.to_bytes(4, "little") + bytes(28) + body
    return [
        b"\x00" + table(b"DMAR", bytes([0x2d, 0x05]) + bytes(10)),
        b"\x00" + table(b"DMAR", bytes([0x2d, 0x01]) + bytes(10) + bytes(16)),
        b"\x00" + table(b"DMAR", bytes([0x2d, 0x05]) + bytes(10), 200),
        b"\x01" + table(b"IVRS", (0x00203043).to_bytes(4, "little") + bytes(8)),
        b"\x00\x06\x00\x00\x00\x01",
        b"\x0012288\n",
    ]


def put(d, data):
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main(argv):
    real = Path(argv[1]) if len(argv) > 1 else REPO.parent / "shared" / "realdata"
    out = HERE / "corpus"
    seen = set()
    for sc in mktree.load_scenarios():
        host = sc.build()
        mktree.layout(host)
        for f in host.functions():
            if f.hostile in ("noconfig", "configdir", "configdangling"):
                continue
            cfg = bytes(mktree.build_config(f))
            key = shape(cfg, f.hostile)
            if key not in seen:
                seen.add(key)
                put(out / "caps", cfg)
        put(out / "cmdline", host.cmdline)
        pol = sc.policy_text()
        if pol:
            put(out / "policy", pol)
    for conf in sorted((REPO / "config").glob("*.conf")):
        put(out / "policy", conf.read_bytes())
    for line in REAL_CMDLINES:
        put(out / "cmdline", line)
    dumps = sorted(real.glob("*.txt")) if real.is_dir() else []
    if dumps:
        subprocess.run([sys.executable, str(HERE / "lspci2bin.py"),
                        str(out / "caps")] + [str(p) for p in dumps],
                       check=True, stdout=subprocess.DEVNULL)
    for rsp in tpm_responses():
        put(out / "tpm2", rsp)
    for log in measlog_logs():
        put(out / "measlog", log)
    for text in guard_states():
        put(out / "guardstate", text)
    for data in platform_inputs():
        put(out / "platform", data)
    for t in ("caps", "policy", "cmdline", "tpm2", "measlog", "guardstate",
              "platform"):
        files = list((out / t).iterdir())
        print("%s: %d files, %d bytes" % (t, len(files),
                                          sum(p.stat().st_size for p in files)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
