#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Validate Prometheus text exposition format (version 0.0.4).

    tests/prom/validate.py [--textfile] [FILE...]     (no FILE: stdin)

Checks every line against the format that Prometheus' text parser and
node_exporter's textfile collector accept:

- the input ends with a newline; lines are UTF-8; no NUL bytes;
- "# HELP name text" and "# TYPE name type" lines: a valid metric name, a
  known type, at most one HELP and one TYPE per metric family, TYPE before
  the family's first sample, HELP text escapes only \\\\ and \\n;
- one sample per line: name{label="value",...} value [timestamp], with
  valid metric and label names (no reserved "__" labels), no label given
  twice, label values escaping only \\\\, \\" and \\n, a float value
  (Go syntax: NaN, +Inf, -Inf allowed) and an optional int64 timestamp;
- a family's lines are contiguous (no family appears again later);
- a gauge or counter sample's name is its family name (no stray suffixes);
  counters are not negative;
- no two samples with the same name and label set (duplicate series);
- --textfile: additionally no timestamps (node_exporter's textfile
  collector rejects them).

Prints "FILE:LINE: problem" for each violation and exits 1 if there was
any. Standard library only. Importable: validate(text, textfile=False)
returns the list of problems.
"""

import math
import re
import sys

METRIC_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"),
            "summary": ("_sum", "_count")}
FLOAT_RE = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?"
                      r"|0[xX][0-9a-fA-F]+)")
INT_RE = re.compile(r"-?\d+")


def parse_float(s):
    """Go strconv.ParseFloat as Prometheus uses it; None if invalid."""
    if s in ("NaN", "+Inf", "-Inf", "Inf", "+inf", "-inf", "inf", "nan"):
        return float(s.replace("Inf", "inf"))
    if not FLOAT_RE.fullmatch(s):
        return None
    try:
        return float.fromhex(s) if "x" in s.lower() else float(s)
    except ValueError:
        return None


def parse_label_value(line, i):
    """Parse a quoted label value starting at line[i] == '"'.
    Returns (value, index after the closing quote) or raises ValueError."""
    if i >= len(line) or line[i] != '"':
        raise ValueError("label value must start with '\"'")
    i += 1
    out = []
    while i < len(line):
        c = line[i]
        if c == "\\":
            if i + 1 >= len(line):
                raise ValueError("backslash at end of line")
            e = line[i + 1]
            if e == "\\":
                out.append("\\")
            elif e == '"':
                out.append('"')
            elif e == "n":
                out.append("\n")
            else:
                raise ValueError("invalid escape '\\%s' in label value" % e)
            i += 2
            continue
        if c == '"':
            return "".join(out), i + 1
        out.append(c)
        i += 1
    raise ValueError("unterminated label value")


def parse_sample(line):
    """Returns (name, labels as a tuple of pairs, value, timestamp or None)."""
    m = METRIC_RE.match(line)
    if not m:
        raise ValueError("sample does not start with a metric name")
    name = m.group(0)
    i = m.end()
    labels = []
    if i < len(line) and line[i] == "{":
        i += 1
        seen = set()
        while True:
            while i < len(line) and line[i] in " \t":
                i += 1
            if i < len(line) and line[i] == "}":
                i += 1
                break
            lm = LABEL_RE.match(line, i)
            if not lm:
                raise ValueError("invalid label name at column %d" % (i + 1))
            lname = lm.group(0)
            if lname.startswith("__"):
                raise ValueError("label name %r is reserved" % lname)
            if lname in seen:
                raise ValueError("label %r given twice" % lname)
            seen.add(lname)
            i = lm.end()
            while i < len(line) and line[i] in " \t":
                i += 1
            if i >= len(line) or line[i] != "=":
                raise ValueError("expected '=' after label %r" % lname)
            i += 1
            while i < len(line) and line[i] in " \t":
                i += 1
            value, i = parse_label_value(line, i)
            labels.append((lname, value))
            while i < len(line) and line[i] in " \t":
                i += 1
            if i < len(line) and line[i] == ",":
                i += 1
                continue
            if i < len(line) and line[i] == "}":
                i += 1
                break
            raise ValueError("expected ',' or '}' after label %r" % lname)
    rest = line[i:]
    if not rest or rest[0] not in " \t":
        raise ValueError("expected white space before the value")
    fields = rest.split()
    if len(fields) not in (1, 2):
        raise ValueError("expected 'value [timestamp]', got %r" % rest.strip())
    value = parse_float(fields[0])
    if value is None:
        raise ValueError("value %r is not a float" % fields[0])
    ts = None
    if len(fields) == 2:
        if not INT_RE.fullmatch(fields[1]):
            raise ValueError("timestamp %r is not an integer" % fields[1])
        ts = int(fields[1])
        if not -(1 << 63) <= ts < (1 << 63):
            raise ValueError("timestamp %r out of int64 range" % fields[1])
    return name, tuple(sorted(labels)), value, ts


def check_help_text(text):
    i = 0
    while i < len(text):
        if text[i] == "\\":
            if i + 1 >= len(text) or text[i + 1] not in "\\n":
                return "invalid escape in HELP text"
            i += 2
        else:
            i += 1
    return None


def family_of(name, types):
    """The family a sample belongs to, given the TYPEs declared so far."""
    for fam, typ in types.items():
        for suf in SUFFIXES.get(typ, ()):
            if name == fam + suf:
                return fam
    return name


def validate(text, textfile=False):
    """Return a list of (line number, problem) pairs; empty when valid."""
    probs = []
    if isinstance(text, bytes):
        if b"\0" in text:
            probs.append((0, "NUL byte in input"))
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            return probs + [(0, "not UTF-8: %s" % e)]
    if not text:
        return [(0, "empty input: no metrics")]
    if not text.endswith("\n"):
        probs.append((text.count("\n") + 1, "last line does not end with a newline"))
    types, helps = {}, {}
    series = {}
    current = None            # family of the previous metric line
    closed = set()            # families whose block has ended
    nsamples = 0
    for no, line in enumerate(text.split("\n")[:-1] if text.endswith("\n")
                              else text.split("\n"), 1):
        if "\r" in line:
            probs.append((no, "carriage return in line"))
            continue
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) < 2 or parts[1] not in ("HELP", "TYPE"):
                continue      # an ordinary comment
            if len(parts) < 3:
                probs.append((no, "%s line without a metric name" % parts[1]))
                continue
            name = parts[2]
            if not METRIC_RE.fullmatch(name):
                probs.append((no, "invalid metric name %r" % name))
                continue
            if current is not None and name != current:
                closed.add(current)
            if name in closed:
                probs.append((no, "family %s continues after other families" % name))
            current = name
            if parts[1] == "HELP":
                if name in helps:
                    probs.append((no, "second HELP for %s" % name))
                helps[name] = parts[3] if len(parts) > 3 else ""
                err = check_help_text(helps[name])
                if err:
                    probs.append((no, err))
            else:
                typ = parts[3].strip() if len(parts) > 3 else ""
                if typ not in TYPES:
                    probs.append((no, "unknown type %r for %s" % (typ, name)))
                if name in types:
                    probs.append((no, "second TYPE for %s" % name))
                elif any(s[0] == name for s in series):
                    probs.append((no, "TYPE for %s after its samples" % name))
                types[name] = typ
            continue
        try:
            name, labels, value, ts = parse_sample(line)
        except ValueError as e:
            probs.append((no, str(e)))
            continue
        nsamples += 1
        fam = family_of(name, types)
        if current is not None and fam != current:
            closed.add(current)
        if fam in closed:
            probs.append((no, "family %s continues after other families" % fam))
        current = fam
        typ = types.get(fam, "untyped")
        if typ in ("gauge", "counter", "untyped") and name != fam:
            probs.append((no, "sample %s in family %s" % (name, fam)))
        if typ == "counter" and not math.isnan(value) and value < 0:
            probs.append((no, "negative counter %s" % name))
        if textfile and ts is not None:
            probs.append((no, "timestamp on %s (the textfile collector rejects it)" % name))
        key = (name, labels)
        if key in series:
            probs.append((no, "duplicate series %s%s (first on line %d)" % (
                name, "{" + ",".join('%s="%s"' % kv for kv in labels) + "}",
                series[key])))
        else:
            series[key] = no
    if not nsamples and not probs:
        probs.append((0, "no samples"))
    return probs


def main(argv):
    textfile = "--textfile" in argv
    files = [a for a in argv if a != "--textfile"] or ["-"]
    bad = 0
    for fn in files:
        data = sys.stdin.buffer.read() if fn == "-" else open(fn, "rb").read()
        for no, msg in validate(data, textfile):
            print("%s:%d: %s" % ("<stdin>" if fn == "-" else fn, no, msg))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
