#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# san-run.sh CMD...: run a test suite against the ASan+UBSan build (the
# caller sets GPUGATE=build/gpugate-asan) so that a sanitizer report fails
# it even where the suite would take the aborted run for an expected
# failure (a hook test that wants gpugate to refuse, say). The sanitizers
# write every report to a file under a private directory (log_path); the
# run fails when CMD fails or any report file exists, and prints them.
set -uo pipefail

[ $# -ge 1 ] || { echo "usage: san-run.sh CMD..." >&2; exit 2; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/gpugate-san-run.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}:log_path=$dir/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}:log_path=$dir/ubsan"
"$@"
rc=$?
reports=("$dir"/*)
if [ -e "${reports[0]}" ]; then
	for r in "${reports[@]}"; do
		echo "=== sanitizer report $(basename "$r"):" >&2
		head -n 60 "$r" >&2
	done
	echo "san-run: FAIL: ${#reports[@]} sanitizer report(s) during: $*" >&2
	exit 1
fi
if [ $rc -ne 0 ]; then
	echo "san-run: FAIL: exit $rc: $*" >&2
	exit 1
fi
echo "san-run: ok, no sanitizer report: $*"
