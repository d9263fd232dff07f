#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-fuzz.sh - run the libFuzzer targets that `make fuzz` built.
#
#   tests/fuzz/run-fuzz.sh SECONDS TARGET...      (make fuzz FUZZ_SECONDS=N)
#
# For each TARGET (caps, policy, cmdline, baseline, dump, tpm2, measlog,
# guardstate), with build/fuzz/fuzz_TARGET:
#  1. replay every saved crash in tests/fuzz/regressions/TARGET/: each must
#     now run clean (the bug stays fixed);
#  2. fuzz for SECONDS from the seeds in tests/fuzz/corpus/TARGET/ (read
#     only) plus the working corpus build/fuzz/corpus/TARGET/ (kept between
#     runs, so coverage grows), with tests/fuzz/TARGET.dict when present.
# A crash, leak, sanitizer report or timeout fails the run; the input is
# left in build/fuzz/artifacts/. The log of each target is
# build/fuzz/TARGET.log and one line of final stats per target goes to
# stdout and build/fuzz/summary.txt.
#
# Environment: BUILD (default <repo>/build); FUZZ_TIMEOUT, libFuzzer's
# per-input -timeout in seconds (default 10; raise it for long runs at nice
# 19 on a loaded machine, where a starved process can exceed 10 s of wall
# time on an input that takes milliseconds).
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10}
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
DIR=$BUILD/fuzz
HERE=$ROOT/tests/fuzz

if (($# < 2)) || ! [[ $1 =~ ^[0-9]+$ ]]; then
	echo "usage: $0 SECONDS TARGET..." >&2
	exit 2
fi
secs=$1
shift

# the longest input worth trying: a config space is at most 4096 bytes;
# a command line longer than its 4096-byte buffer must take the -E2BIG path
max_len() {
	case $1 in
	cmdline) echo 8192 ;;
	dump) echo 16384 ;; # a few functions of lspci -xxxx (~13 KB each, less with zero lines cut)
	tpm2) echo 4200 ;; # a TPM response is at most 4096 bytes; longer must be refused
	*) echo 4096 ;;
	esac
}

# stats LOG: "execs=N exec/s=N cov=N ft=N corpus=N rss=NMB" from libFuzzer's
# final "DONE" line and its -print_final_stats output.
stats() {
	awk '
	/^#[0-9]+\t(DONE|INITED)/ {
		for (i = 1; i <= NF; i++) {
			if ($i == "cov:") cov = $(i + 1)
			if ($i == "ft:") ft = $(i + 1)
			if ($i == "corp:") corp = $(i + 1)
		}
	}
	/^stat::number_of_executed_units:/ { execs = $2 }
	/^stat::average_exec_per_sec:/ { eps = $2 }
	/^stat::peak_rss_mb:/ { rss = $2 }
	END { printf "execs=%s exec/s=%s cov=%s ft=%s corpus=%s rss=%sMB\n",
	      execs, eps, cov, ft, corp, rss }' "$1"
}

failed=()
: >"$DIR/summary.txt"
mkdir -p "$DIR/artifacts"
for t in "$@"; do
	bin=$DIR/fuzz_$t
	if [[ ! -x $bin ]]; then
		echo "run-fuzz: $bin missing (make fuzz builds it)" >&2
		exit 2
	fi
	opts=(-max_len="$(max_len "$t")" -timeout="$FUZZ_TIMEOUT" -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$DIR/artifacts/$t-")
	[[ -f $HERE/$t.dict ]] && opts+=(-dict="$HERE/$t.dict")

	regs=()
	if [[ -d $HERE/regressions/$t ]]; then
		mapfile -t regs < <(find "$HERE/regressions/$t" -type f | sort)
	fi
	if ((${#regs[@]})); then
		if ! "$bin" "${opts[@]}" "${regs[@]}" >"$DIR/$t-regressions.log" 2>&1; then
			tail -n 40 "$DIR/$t-regressions.log" >&2
			echo "run-fuzz: $t: a saved regression input fails again" \
				"(log: $DIR/$t-regressions.log)" >&2
			failed+=("$t")
			continue
		fi
		echo "fuzz $t: ${#regs[@]} regression inputs replayed clean"
	fi

	mkdir -p "$DIR/corpus/$t"
	echo "fuzz $t: ${secs}s ..."
	if ! "$bin" "${opts[@]}" -max_total_time="$secs" "$DIR/corpus/$t" \
		"$HERE/corpus/$t" >"$DIR/$t.log" 2>&1; then
		grep -A 30 -E "^==[0-9]+==|runtime error|ERROR: libFuzzer" "$DIR/$t.log" |
			head -n 60 >&2
		grep -E "^(artifact_prefix|Test unit written)" "$DIR/$t.log" >&2
		echo "run-fuzz: $t FOUND A CRASH (log: $DIR/$t.log). Fix it, save the" \
			"input under tests/fuzz/regressions/$t/ and add a unit test." >&2
		failed+=("$t")
		continue
	fi
	line="fuzz $t: ${secs}s $(stats "$DIR/$t.log")"
	echo "$line" | tee -a "$DIR/summary.txt"
done
if ((${#failed[@]})); then
	echo "run-fuzz: failed: ${failed[*]}" >&2
	exit 1
fi
