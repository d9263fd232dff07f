#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/test-repro.sh - two copies of the source tree in folders with
# different names, lengths and depths build byte-identical build/gpugate
# (docs/build.md).
#
# Each copy holds the tree without build/ and .git, and the source packages
# of build/src-pkgs (so no network is needed); each builds everything from
# those: libpci, libkmod, libmd, liblzma, libzstd and zlib
# (src/deps/fetch-build.sh), then gpugate. The second build also differs in
# what a build machine may differ in: the time (it runs later), the umask,
# the time zone, make's parallelism and, when the locales package provides
# its source, the collation order (en_US.UTF-8, compiled with localedef
# into the test folder: it sorts "libkmod.c" before "libkmod-config.c").
#
# Checked: build/gpugate of both copies, the six static libraries of both,
# and the repo's own build/gpugate (built by `make all` before this runs)
# are the same bytes. On a difference it shows where: the first differing
# bytes, the printable strings that differ, the section sizes, and which
# libraries, archive members and objects differ.
#
# VERSION (environment) is the version both copies build with; the Makefile
# passes its own, so that the copies build what the repo builds.
#
# Usage: tests/test-repro.sh [-k]   (-k: keep build/repro for inspection)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$REPO/build/repro
KEEP=no
[ "${1:-}" = -k ] && KEEP=yes
LIBS="libpci.a libkmod.a libmd.a liblzma.a libzstd.a libz.a"

fails=0
fail() {
	echo "FAIL repro: $*"
	fails=$((fails + 1))
}
note() { echo "repro: $*" >&2; }

[ -n "${VERSION:-}" ] || {
	echo "FAIL repro: VERSION is not set (run it as make check-repro)"
	exit 1
}
[ -d "$REPO/build/src-pkgs" ] || {
	echo "FAIL repro: no $REPO/build/src-pkgs (make deps fetches them)"
	exit 1
}

rm -rf "$WORK"
A=$WORK/a
B=$WORK/second-copy.with-a-longer-name/and-one-more-level
mkdir -p "$A" "$B"
for d in "$A" "$B"; do
	tar -C "$REPO" --exclude=./build --exclude=./.git -cf - . | tar -C "$d" -xf -
	mkdir -p "$d/build"
	cp -a "$REPO/build/src-pkgs" "$d/build/"
done

# A collation unlike C's for the second build, when it can be made here.
LOC=$WORK/locale
LOCALE_ENV=()
mkdir -p "$LOC"
if localedef -i en_US -f UTF-8 "$LOC/en_US.UTF-8" >"$WORK/localedef.log" 2>&1; then
	LOCALE_ENV=(LOCPATH="$LOC" LC_ALL=en_US.UTF-8)
	collation=en_US.UTF-8
else
	collation="C (no en_US source: apt-get install locales)"
fi

# build DIR LOG JOBS ENV...: `make -jJOBS all` in DIR, with ENV added and
# without the calling make's flags: the copies build as a fresh clone does.
build() {
	local dir=$1 log=$2 jobs=$3
	shift 3
	if ! (cd "$dir" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL JOBS="$jobs" "$@" \
		make --no-print-directory -j"$jobs" all) >"$log" 2>&1; then
		tail -n 40 "$log"
		echo "FAIL repro: make all failed in ${dir#"$REPO"/} (log: $log)"
		exit 1
	fi
}
start=$SECONDS
note "building ${A#"$REPO"/} (log: $WORK/a.log)"
(umask 022 && build "$A" "$WORK/a.log" 2 TZ=UTC LC_ALL=C)
note "building ${B#"$REPO"/}, collation $collation (log: $WORK/b.log)"
(umask 077 && build "$B" "$WORK/b.log" 1 TZ=Pacific/Chatham "${LOCALE_ENV[@]}")
note "both built in $((SECONDS - start)) s"

# explain X Y: where two different binaries differ.
explain() {
	local x=$1 y=$2
	echo "  $(cmp -l "$x" "$y" 2>/dev/null | wc -l) bytes differ," \
		"sizes $(stat -c %s "$x") and $(stat -c %s "$y"); first: $(cmp "$x" "$y" 2>&1 | sed 's/.*: //')"
	echo "  strings (-n 6) that differ (< ${x#"$REPO"/}, > ${y#"$REPO"/}):"
	diff <(strings -a -n 6 "$x") <(strings -a -n 6 "$y") | grep '^[<>]' | head -n 30 | sed 's/^/    /' || true
	echo "  section sizes that differ:"
	diff <(size -A "$x" | tail -n +3) <(size -A "$y" | tail -n +3) | grep '^[<>]' | head -n 20 | sed 's/^/    /' || true
}

# members_differ X.a Y.a: the archive members whose bytes differ.
members_differ() {
	local x=$1 y=$2 tx ty m
	tx=$(mktemp -d "$WORK/ar.XXXXXX")
	ty=$(mktemp -d "$WORK/ar.XXXXXX")
	(cd "$tx" && ar x "$x")
	(cd "$ty" && ar x "$y")
	[ "$(ar t "$x")" = "$(ar t "$y")" ] || echo "member lists differ"
	for m in $(ar t "$x"); do
		cmp -s "$tx/$m" "$ty/$m" || echo "$m"
	done | tr '\n' ' '
	rm -rf "$tx" "$ty"
}

same=yes
if ! cmp -s "$A/build/gpugate" "$B/build/gpugate"; then
	same=no
	fail "build/gpugate differs between ${A#"$REPO"/} and ${B#"$REPO"/}"
	explain "$A/build/gpugate" "$B/build/gpugate"
fi
for lib in $LIBS; do
	if ! cmp -s "$A/build/deps/lib/$lib" "$B/build/deps/lib/$lib"; then
		fail "build/deps/lib/$lib differs; members: $(members_differ \
			"$A/build/deps/lib/$lib" "$B/build/deps/lib/$lib")"
	fi
done
objs=$(cd "$A/build/obj" && find . -name '*.o' | LC_ALL=C sort)
for o in $objs; do
	cmp -s "$A/build/obj/$o" "$B/build/obj/$o" || fail "gpugate object build/obj/${o#./} differs"
done
if [ $same = yes ] && ! cmp -s "$REPO/build/gpugate" "$A/build/gpugate"; then
	fail "the repo's build/gpugate differs from the copies' (was it built with other flags?)"
	explain "$REPO/build/gpugate" "$A/build/gpugate"
fi

if [ "$fails" -eq 0 ]; then
	sum=$(sha256sum "$A/build/gpugate" | cut -d' ' -f1)
	echo "ok repro: two copies (paths of ${#A} and ${#B} characters) and the repo build" \
		"the same build/gpugate ($(stat -c %s "$A/build/gpugate") bytes, sha256 $sum)" \
		"and the same libraries, in $((SECONDS - start)) s"
	[ $KEEP = yes ] || rm -rf "$WORK"
	exit 0
fi
echo "repro: kept $WORK"
exit 1
