#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every check id has unit tests on hand-built models (tests/unit/checks/).

    all-ids.py build/unit/checks build/check-ids

The ids are those of the check table (build/check-ids prints them) and
gate.boot, which src/cmd/gate.c adds after the table. `checks --covered`
runs every test (saying on stderr how many failed) and prints "ID OUTCOME" for each outcome some test asserted
with fx_expect(). Each id needs a pass and a fail, and an undetermined
failure where the check has one; the exceptions below say why. Exits 1
and names what is missing.
"""

import subprocess
import sys

# The ids not yet pure, whose tests come with the change that makes them so
# (the checks read sysfs, /proc or the module index themselves today, so a
# hand-built model cannot drive them). Remove an id here when its tests land:
# this script fails while a listed id already has tests.
PENDING = {}

# Ids that never report a determined failure, and why.
NO_DETERMINED_FAIL = {
    "access.config": "every finding but pass is something that could not be read",
    "gate.boot": "a boot that did not enforce is a warning, not a failure",
}

# Ids whose check reads nothing that can be unreadable, and why.
NO_UNDETERMINED = {
    "nvlink.nvswitch": "a function with unreadable IDs is no NVSwitch; access.config reports it",
    "devices.none": "it counts the functions of the model and the policy's addresses",
    "devices.expect": "it counts the matched functions of the model",
    "tpm.measure": "it reads what the gate did; a measurement that did not happen is a determined fail (required) or warn (on)",
}


def main():
    checks, check_ids = sys.argv[1:3]
    ids = subprocess.run([check_ids], check=True, capture_output=True,
                         text=True).stdout.split()
    if not ids:
        sys.exit(f"all-ids: {check_ids} printed no id")
    ids.append("gate.boot")
    run = subprocess.run([checks, "--covered"], stdout=subprocess.PIPE, text=True)
    if run.returncode:
        sys.exit(f"all-ids: {checks} --covered failed")
    seen = {}
    for line in run.stdout.splitlines():
        cid, outcome = line.split()
        seen.setdefault(cid, set()).add(outcome)

    errors, complete = [], 0
    for cid in sorted(set(seen) - set(ids)):
        errors.append(f"{cid}: tested but not a check id")
    for cid in sorted(set(PENDING) - set(ids)):
        errors.append(f"{cid}: listed as pending but not a check id")
    for cid in ids:
        have = seen.get(cid, set())
        if cid in PENDING:
            if have:
                errors.append(f"{cid}: has tests now; remove it from PENDING")
            continue
        need = {"pass"}
        if cid not in NO_DETERMINED_FAIL:
            need.add("fail")
        if cid not in NO_UNDETERMINED:
            need.add("undetermined")
        for outcome in sorted(need - have):
            errors.append(f"{cid}: no test asserts a {outcome} finding")
        complete += need <= have
    for e in errors:
        print(f"all-ids: {e}", file=sys.stderr)
    print(f"all-ids: {complete} of {len(ids)} check ids have unit tests, "
          f"{len(PENDING)} pending")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
