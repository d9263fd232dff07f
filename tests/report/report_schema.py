# SPDX-License-Identifier: GPL-2.0-or-later
"""Validate gpugate JSON reports against docs/report-schema.json.

A validator for the subset of JSON Schema (draft 2020-12) the schema
uses: type (one or a list), enum, required, properties,
additionalProperties: false, items, pattern, minLength, minimum,
maximum. Python 3
standard library only. The suites load every report through loads(), so
a report that breaks the schema fails the suite that produced it:

    import report_schema
    rep = report_schema.loads(text)   # ValueError: not JSON, or not valid
"""

import json
import re
from pathlib import Path

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "report-schema.json"
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_schema = None


def schema():
    global _schema
    if _schema is None:
        _schema = json.loads(SCHEMA_FILE.read_text())
    return _schema


def errors(value, sch=None, where="$"):
    """Every way @value breaks @sch (default: the report schema)."""
    sch = schema() if sch is None else sch
    out = []
    types = sch.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(_TYPES[t](value) for t in types):
            return ["%s: %r is not %s" % (where, value, " or ".join(types))]
    if "enum" in sch and value not in sch["enum"]:
        out.append("%s: %r is not one of %s" % (where, value, sch["enum"]))
    if isinstance(value, str):
        if len(value) < sch.get("minLength", 0):
            out.append("%s: empty string (null means none)" % where)
        if "pattern" in sch and not re.search(sch["pattern"], value):
            out.append("%s: %r does not match %s" % (where, value, sch["pattern"]))
    if isinstance(value, int) and not isinstance(value, bool) and "minimum" in sch:
        if value < sch["minimum"]:
            out.append("%s: %d < %d" % (where, value, sch["minimum"]))
    if isinstance(value, int) and not isinstance(value, bool) and "maximum" in sch:
        if value > sch["maximum"]:
            out.append("%s: %d > %d" % (where, value, sch["maximum"]))
    if isinstance(value, dict):
        props = sch.get("properties", {})
        for k in sch.get("required", []):
            if k not in value:
                out.append("%s: %s missing" % (where, k))
        for k, v in value.items():
            if k in props:
                out += errors(v, props[k], "%s.%s" % (where, k))
            elif sch.get("additionalProperties") is False:
                out.append("%s: unknown key %s" % (where, k))
    if isinstance(value, list) and "items" in sch:
        for i, v in enumerate(value):
            out += errors(v, sch["items"], "%s[%d]" % (where, i))
    return out


def loads(text):
    """json.loads, then the schema: ValueError names the first problems."""
    rep = json.loads(text)
    probs = errors(rep)
    if probs:
        raise ValueError("report breaks docs/report-schema.json: " + "; ".join(probs[:3]))
    return rep
