#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fetch-build.sh - fetch Debian's pciutils, kmod, libmd, xz-utils, libzstd
# and zlib *source* packages and build static, musl-linked libpci.a,
# libkmod.a, libmd.a (SHA-2 only) and the decoders liblzma.a, libzstd.a and
# libz.a (inflate only) for gpugate.
#
# Everything this script writes goes under build/ (or $BUILD):
#   build/apt/         private apt configuration, lists and cache (deb-src only)
#   build/src-pkgs/    downloaded .dsc/.orig/.debian tarballs (kept and reused)
#   build/deps-build/  unpacked, Debian-patched source trees and logs (scratch)
#   build/deps/        the result: include/, lib/, shim/, versions.mk
# /etc/apt is only read, never written. The apt sources used are the system's
# own enabled Debian entries, turned from "deb" into "deb-src".
#
# Usage: src/deps/fetch-build.sh [--force]
#   --force  rebuild even if build/deps/lib is up to date (sources that are
#            already in build/src-pkgs are still reused)
# Environment: BUILD (default <repo>/build), CC (default musl-gcc), AR,
#   RANLIB, LD, OBJCOPY, JOBS, SOURCE_DATE_EPOCH (default: the date of each
#   package's debian/changelog).
#
# What is built does not depend on the folder, the time, the locale or the
# user (docs/build.md; tests/test-repro.sh checks it).
#
# Needs (Debian packages): apt, dpkg-dev, musl-tools, make, binutils,
# linux-libc-dev.

set -euo pipefail
# The objects of libkmod, libmd, libzstd and zlib are globbed or listed in a
# fixed order; a glob's order follows the collation ("libkmod.c" sorts
# before "libkmod-config.c" in en_US), and the link order with it.
export LC_ALL=C

SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
SCRIPT_DIR=$(dirname "$SCRIPT")
ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
BUILD=$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)

CC=${CC:-musl-gcc}
AR=${AR:-ar}
RANLIB=${RANLIB:-ranlib}
LD=${LD:-ld}
OBJCOPY=${OBJCOPY:-objcopy}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
SOURCE_DATE_EPOCH_ENV=${SOURCE_DATE_EPOCH:-}
# Archives with zero time stamps, uids and gids (D; binutils' default on
# Debian, said here for an ar whose default is U). pciutils' and libtool's
# rules run "$(AR) rcs" and "$AR cr", which accept "-D" before the key.
AR_D="$AR -D"
RANLIB_D="$RANLIB -D"

APT_DIR=$BUILD/apt
PKG_DIR=$BUILD/src-pkgs
WORK_DIR=$BUILD/deps-build
OUT=$BUILD/deps
SHIM=$OUT/shim
KMOD_CONFIG_H=$SCRIPT_DIR/kmod-config.h
# The Debian source packages built here.
SRC_PKGS="pciutils kmod libmd xz-utils libzstd zlib"

# Flags shared by all libraries: small code, one section per function so
# the final link with --gc-sections drops what gpugate does not call. The
# file prefix maps make the paths the compiler records (__FILE__ in
# libkmod's log calls and assert()s) independent of where the tree is:
# $BUILD/deps-build/kmod/libkmod/libkmod.c is recorded as
# build/deps-build/kmod/libkmod/libkmod.c (the later map wins where both
# match).
DEP_CFLAGS="-Os -ffunction-sections -fdata-sections -isystem $SHIM"
DEP_CFLAGS+=" -ffile-prefix-map=$ROOT=. -ffile-prefix-map=$BUILD=build"

log() { printf 'fetch-build: %s\n' "$*" >&2; }
die() {
	printf 'fetch-build: error: %s\n' "$*" >&2
	exit 1
}

# run_logged LOGFILE CMD...: run CMD with its output in LOGFILE; on failure
# show the end of the log so the reason is visible in the make output.
run_logged() {
	local logfile=$1
	shift
	if ! "$@" >"$logfile" 2>&1; then
		tail -n 40 "$logfile" >&2
		die "command failed (full log: $logfile): $*"
	fi
}

# ---------------------------------------------------------------------------
# Preconditions and cache
# ---------------------------------------------------------------------------

check_tools() {
	local tool missing=()
	for tool in apt-get dpkg-source dpkg-architecture dpkg-parsechangelog make install \
		"$CC" "$AR" "$RANLIB" "$LD" "$OBJCOPY"; do
		command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
	done
	if ((${#missing[@]})); then
		die "missing tools: ${missing[*]}" \
			"(apt-get install musl-tools dpkg-dev make binutils linux-libc-dev)"
	fi
}

# The libraries are current when both exist, versions.mk exists, and they
# are newer than this script and the hand-written kmod config.
deps_up_to_date() {
	local lib
	[[ -f $OUT/versions.mk ]] || return 1
	for lib in "$OUT/lib/libpci.a" "$OUT/lib/libkmod.a" "$OUT/lib/libmd.a" \
		"$OUT/lib/liblzma.a" "$OUT/lib/libzstd.a" "$OUT/lib/libz.a"; do
		[[ -f $lib && $lib -nt $SCRIPT && $lib -nt $KMOD_CONFIG_H ]] ||
			return 1
	done
}

# ---------------------------------------------------------------------------
# Private apt configuration (deb-src twins of the system's Debian entries)
# ---------------------------------------------------------------------------

# Debian release codename, used to recognise Debian entries whose URI does
# not say "debian" (a local mirror, say).
os_codename() {
	local VERSION_CODENAME=""
	# shellcheck disable=SC1091
	[[ -r /etc/os-release ]] && . /etc/os-release
	printf '%s\n' "${VERSION_CODENAME:-bookworm}"
}

# deb822_to_src FILE: print the enabled Debian stanzas of a .sources file
# with "Types: deb" turned into "Types: deb-src". A stanza is Debian when its
# URI ends in /debian or /debian-security, it is signed by the Debian archive
# keyring, or one of its suites is the release codename (or -updates etc.).
# Backports suites are dropped: apt-get source takes the newest version it
# sees, and gpugate is built against the release's own libraries.
deb822_to_src() {
	awk -v codename="$(os_codename)" '
	function is_debian_suite(line,   n, i, w) {
		n = split(line, w, /[ \t]+/)
		for (i = 2; i <= n; i++)
			if (w[i] == codename || index(w[i], codename "-") == 1)
				return 1
		return 0
	}
	# drop_backports LINE: the Suites line without *-backports* suites.
	function drop_backports(line,   n, i, w, out) {
		n = split(line, w, /[ \t]+/)
		out = ""
		for (i = 2; i <= n; i++)
			if (w[i] != "" && w[i] !~ /-backports/)
				out = out " " w[i]
		return out == "" ? "" : "Suites:" out
	}
	function flush(   i, line, enabled, has_deb, debian) {
		if (n == 0)
			return
		enabled = 1; has_deb = 0; debian = 0
		for (i = 1; i <= n; i++) {
			line = L[i]
			if (tolower(line) ~ /^suites:/) {
				line = L[i] = drop_backports(line)
				if (line == "")
					enabled = 0
			}
			if (tolower(line) ~ /^enabled:[ \t]*no/)
				enabled = 0
			if (tolower(line) ~ /^types:/ && line ~ /[ \t]deb([ \t]|$)/)
				has_deb = 1
			if (tolower(line) ~ /^uris:/ && line ~ /\/debian(-security)?\/?([ \t]|$)/)
				debian = 1
			if (tolower(line) ~ /^signed-by:/ && line ~ /debian-archive-keyring/)
				debian = 1
			if (tolower(line) ~ /^suites:/ && is_debian_suite(line))
				debian = 1
		}
		if (enabled && has_deb && debian) {
			for (i = 1; i <= n; i++)
				print (tolower(L[i]) ~ /^types:/ ? "Types: deb-src" : L[i])
			print ""
		}
		n = 0
	}
	/^#/ { next }
	/^[ \t]*$/ { flush(); next }
	{ L[++n] = $0 }
	END { flush() }
	' "$1"
}

# oneline_to_src FILE: print the enabled Debian "deb" lines of a one-line
# format .list file as "deb-src" lines (options in [...] are kept; backports
# are dropped as above).
oneline_to_src() {
	awk -v codename="$(os_codename)" '
	/^[ \t]*deb[ \t]/ {
		line = $0
		sub(/^[ \t]*deb[ \t]+/, "", line)
		rest = line
		if (rest ~ /^\[/)
			sub(/^\[[^]]*\][ \t]*/, "", rest)
		split(rest, w, /[ \t]+/)   # w[1] = URI, w[2] = suite
		if (w[2] ~ /-backports/)
			next
		if (w[1] ~ /\/debian(-security)?\/?$/ || line ~ /debian-archive-keyring/ ||
		    w[2] == codename || index(w[2], codename "-") == 1)
			print "deb-src " line
	}
	' "$1"
}

# Write build/apt/: sources, lists, cache, and a config file that turns off
# the system's apt hooks (they would touch /var/cache and friends).
setup_apt() {
	local f
	mkdir -p "$APT_DIR/sources.list.d" "$APT_DIR/lists/partial" \
		"$APT_DIR/cache/archives/partial" "$APT_DIR/state"

	: >"$APT_DIR/sources.list.tmp"
	: >"$APT_DIR/sources.list.d/debian-src.sources.tmp"
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f $f && $f != *.disabled* ]] || continue
		oneline_to_src "$f" >>"$APT_DIR/sources.list.tmp"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f && $f != *.disabled* ]] || continue
		deb822_to_src "$f" >>"$APT_DIR/sources.list.d/debian-src.sources.tmp"
	done
	sort -u "$APT_DIR/sources.list.tmp" >"$APT_DIR/sources.list"
	mv "$APT_DIR/sources.list.d/debian-src.sources.tmp" \
		"$APT_DIR/sources.list.d/debian-src.sources"
	rm -f "$APT_DIR/sources.list.tmp"

	if [[ ! -s $APT_DIR/sources.list &&
		! -s $APT_DIR/sources.list.d/debian-src.sources ]]; then
		die "no enabled Debian entry found in /etc/apt/sources.list{,.d}"
	fi

	# "#clear" only works in a config file, and -c is read after the
	# system's apt.conf.d, so it wins.
	cat >"$APT_DIR/apt.conf" <<-'EOF'
		// Generated by src/deps/fetch-build.sh: apt runs that only
		// write below build/apt. System hooks are switched off.
		#clear APT::Update::Pre-Invoke;
		#clear APT::Update::Post-Invoke;
		#clear APT::Update::Post-Invoke-Success;
		#clear DPkg::Pre-Invoke;
		#clear DPkg::Post-Invoke;
		#clear DPkg::Pre-Install-Pkgs;
		Acquire::Languages "none";
		APT::Get::Only-Source "true";
	EOF
}

# apt_get ARGS...: apt-get confined to build/apt.
apt_get() {
	local opts=(
		-q
		-c "$APT_DIR/apt.conf"
		-o "Dir::Etc::SourceList=$APT_DIR/sources.list"
		-o "Dir::Etc::SourceParts=$APT_DIR/sources.list.d"
		-o "Dir::State=$APT_DIR/state"
		-o "Dir::State::Lists=$APT_DIR/lists"
		-o "Dir::Cache=$APT_DIR/cache"
		-o "Dir::Cache::Archives=$APT_DIR/cache/archives"
		-o "Dir::Cache::pkgcache="
		-o "Dir::Cache::srcpkgcache="
	)
	# apt drops to the _apt user to download; that user cannot write into
	# a root-owned build tree, and apt warns and carries on as root. Say so.
	if ((EUID == 0)); then
		opts+=(-o "APT::Sandbox::User=root")
	fi
	apt-get "${opts[@]}" "$@"
}

# ---------------------------------------------------------------------------
# Source packages
# ---------------------------------------------------------------------------

# newest_dsc PKG: path of the newest PKG_*.dsc in build/src-pkgs, or nothing.
newest_dsc() {
	local f best="" ver bestver=""
	for f in "$PKG_DIR/$1"_*.dsc; do
		[[ -f $f ]] || continue
		ver=$(dsc_field "$f" Version)
		if [[ -z $best ]] || dpkg --compare-versions "$ver" gt "$bestver"; then
			best=$f
			bestver=$ver
		fi
	done
	printf '%s' "$best"
}

# dsc_field DSC FIELD: value of a single-line field of a .dsc.
dsc_field() {
	sed -n "s/^$2:[[:space:]]*//p" "$1" | head -n 1
}

# dsc_complete DSC: true when every file the .dsc lists is present.
dsc_complete() {
	local dsc=$1 name
	while read -r name; do
		[[ -f $PKG_DIR/$name ]] || return 1
	done < <(sed -n '/^Files:/,/^[^ ]/s/^ [0-9a-f]\+ [0-9]\+ //p' "$dsc")
}

have_source() {
	local dsc
	dsc=$(newest_dsc "$1")
	[[ -n $dsc ]] && dsc_complete "$dsc"
}

fetch_sources() {
	local pkg want=()
	for pkg in $SRC_PKGS; do
		have_source "$pkg" || want+=("$pkg")
	done
	if ((${#want[@]} == 0)); then
		log "sources already in $PKG_DIR, not downloading"
		return
	fi
	log "downloading source packages: ${want[*]}"
	mkdir -p "$PKG_DIR"
	setup_apt
	run_logged "$APT_DIR/update.log" apt_get update
	# The newest version can sit on a security mirror that does not carry
	# the source (seen: 404 for libzstd and zlib from bookworm-security);
	# then the release's own version is taken.
	for pkg in "${want[@]}"; do
		(cd "$PKG_DIR" && apt_get source --download-only "$pkg" \
			>"$APT_DIR/source-$pkg.log" 2>&1) ||
			(cd "$PKG_DIR" && run_logged "$APT_DIR/source-$pkg.log" \
				apt_get source --download-only "$pkg/$(os_codename)")
		have_source "$pkg" || die "apt-get source did not fetch $pkg"
	done
}

# unpack PKG: extract the newest PKG .dsc, with Debian's patches applied, to
# build/deps-build/PKG. apt already checked the files against the signed
# Release file, so dpkg-source need not look for a signing keyring.
unpack() {
	local dsc dest=$WORK_DIR/$1
	dsc=$(newest_dsc "$1")
	rm -rf "$dest"
	run_logged "$WORK_DIR/$1-unpack.log" \
		dpkg-source --no-check -x "$dsc" "$dest"
}

# upstream_version DSC: "1:3.9.0-4" -> "3.9.0", "30+20221128-1" -> "30".
upstream_version() {
	local v
	v=$(dsc_field "$1" Version)
	v=${v#*:}
	v=${v%-*}
	printf '%s' "${v%%+*}"
}

# ---------------------------------------------------------------------------
# Builds
# ---------------------------------------------------------------------------

# musl ships no kernel UAPI headers. Both libraries need a few (libpci:
# <asm/byteorder.h>; libkmod: <linux/module.h>), so point at the system's.
make_shim() {
	local multiarch
	multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	[[ -f /usr/include/linux/module.h ]] ||
		die "kernel headers missing (apt-get install linux-libc-dev)"
	rm -rf "$SHIM"
	mkdir -p "$SHIM"
	ln -s /usr/include/linux "$SHIM/linux"
	ln -s /usr/include/asm-generic "$SHIM/asm-generic"
	ln -s "/usr/include/$multiarch/asm" "$SHIM/asm"
}

# libpci with pciutils' own Makefile; "install-lib" puts pci.h, config.h,
# header.h and types.h in include/pci/ and libpci.a in lib/.
build_libpci() {
	local src=$WORK_DIR/pciutils config def
	log "building libpci.a"
	run_logged "$WORK_DIR/pciutils-build.log" \
		make -C "$src" -j"$JOBS" \
		CC="$CC" AR="$AR_D" RANLIB="$RANLIB_D" OPT="$DEP_CFLAGS" \
		SHARED=no ZLIB=no DNS=no HWDB=no LIBKMOD=no \
		PREFIX="$OUT" IDSDIR=/usr/share/misc \
		install-lib

	# gpugate relies on these access methods being compiled in.
	config=$OUT/include/pci/config.h
	for def in PCI_HAVE_PM_LINUX_SYSFS PCI_HAVE_PM_LINUX_PROC PCI_HAVE_PM_DUMP; do
		grep -q "^#define $def\$" "$config" ||
			die "libpci built without $def (see $config)"
	done
}

# libkmod: compile libkmod/*.c and shared/*.c against kmod-config.h, then
# merge them into one object in which only kmod_* stays global, so that
# shared/'s generic names (hash_new, strbuf_*, mkdir_p, read_str_safe, ...)
# can never clash with gpugate's own functions.
build_libkmod() {
	local src=$WORK_DIR/kmod obj=$WORK_DIR/kmod-obj f o objs=()
	log "building libkmod.a"
	rm -rf "$obj"
	mkdir -p "$obj"
	for f in "$src"/libkmod/*.c "$src"/shared/*.c; do
		o=$obj/$(basename "$(dirname "$f")")-$(basename "${f%.c}").o
		# shellcheck disable=SC2086 # DEP_CFLAGS is a word list
		run_logged "$o.log" "$CC" -std=gnu11 $DEP_CFLAGS \
			-Wall -Wno-unused-parameter -Wno-missing-field-initializers \
			-include "$KMOD_CONFIG_H" -I"$src" -c "$f" -o "$o"
		objs+=("$o")
	done
	run_logged "$obj/merge.log" "$LD" -r -o "$obj/libkmod-all.o" "${objs[@]}"
	run_logged "$obj/localize.log" "$OBJCOPY" --wildcard \
		--keep-global-symbol='kmod_*' "$obj/libkmod-all.o"

	mkdir -p "$OUT/lib" "$OUT/include"
	rm -f "$OUT/lib/libkmod.a"
	"$AR" rcsD "$OUT/lib/libkmod.a" "$obj/libkmod-all.o"
	install -m 644 "$src/libkmod/libkmod.h" "$OUT/include/libkmod.h"
}

# libmd: only SHA-256 (sha2.c and the SHA256End/SHA256Data helpers that
# libmd's own Makefile generates from helper.c and ships in the tarball).
# Its configure would only decide config.h: HAVE_UNISTD_H, and the byte
# order, which is the target's.
build_libmd() {
	local src=$WORK_DIR/libmd obj=$WORK_DIR/libmd-obj f o objs=()
	log "building libmd.a (SHA-2)"
	rm -rf "$obj"
	mkdir -p "$obj"
	echo '#define HAVE_UNISTD_H 1' >"$obj/config.h"
	if [[ $(dpkg-architecture -qDEB_HOST_ARCH_ENDIAN) == big ]]; then
		echo '#define WORDS_BIGENDIAN 1' >>"$obj/config.h"
	fi
	for f in "$src"/src/sha2.c "$src"/src/sha256hl.c; do
		o=$obj/$(basename "${f%.c}").o
		# shellcheck disable=SC2086 # DEP_CFLAGS is a word list
		run_logged "$o.log" "$CC" -std=gnu11 $DEP_CFLAGS -Wall \
			-I"$obj" -I"$src/include" -I"$src/src" -c "$f" -o "$o"
		objs+=("$o")
	done
	mkdir -p "$OUT/lib" "$OUT/include"
	rm -f "$OUT/lib/libmd.a"
	"$AR" rcsD "$OUT/lib/libmd.a" "${objs[@]}"
	install -m 644 "$src/include/sha2.h" "$OUT/include/sha2.h"
}

# The decompressors for modules the kernel cannot decompress itself
# (src/modload.c, "Compressed modules" in docs/design.md): decoders only.

# liblzma with its own configure: the .xz container, LZMA2 (which needs
# LZMA1) and the x86 BCJ filter, the CRC32/CRC64/SHA-256 checks; no
# encoders, no threads, no tools.
build_liblzma() {
	local src=$WORK_DIR/xz-utils
	log "building liblzma.a (decoder)"
	# shellcheck disable=SC2086 # DEP_CFLAGS is a word list
	(cd "$src" && run_logged "$WORK_DIR/xz-utils-configure.log" \
		./configure CC="$CC" AR="$AR_D" RANLIB="$RANLIB_D" CFLAGS="$DEP_CFLAGS" \
		--disable-shared --enable-static --disable-encoders \
		--enable-decoders=lzma1,lzma2,x86 --enable-checks=crc32,crc64,sha256 \
		--disable-microlzma --disable-lzip-decoder --enable-small \
		--enable-threads=no --disable-xz --disable-xzdec --disable-lzmadec \
		--disable-lzmainfo --disable-lzma-links --disable-scripts \
		--disable-doc --disable-nls --disable-symbol-versions)
	run_logged "$WORK_DIR/xz-utils-build.log" make -C "$src/src/liblzma" -j"$JOBS"
	mkdir -p "$OUT/lib" "$OUT/include"
	install -m 644 "$src/src/liblzma/.libs/liblzma.a" "$OUT/lib/liblzma.a"
	cp -R "$src/src/liblzma/api/lzma.h" "$src/src/liblzma/api/lzma" "$OUT/include/"
}

# libzstd's decoder sources alone: no legacy formats, no dictionaries
# trainer, no assembly, the smaller single-symbol Huffman decoder.
build_libzstd() {
	local src=$WORK_DIR/libzstd/lib obj=$WORK_DIR/zstd-obj f o objs=()
	log "building libzstd.a (decoder)"
	rm -rf "$obj"
	mkdir -p "$obj"
	for f in common/debug.c common/entropy_common.c common/error_private.c \
		common/fse_decompress.c common/xxhash.c common/zstd_common.c \
		decompress/huf_decompress.c decompress/zstd_ddict.c \
		decompress/zstd_decompress.c decompress/zstd_decompress_block.c; do
		o=$obj/$(basename "${f%.c}").o
		# shellcheck disable=SC2086 # DEP_CFLAGS is a word list
		run_logged "$o.log" "$CC" -std=gnu11 $DEP_CFLAGS \
			-DZSTD_LEGACY_SUPPORT=0 -DZSTD_DISABLE_ASM -DZSTD_TRACE=0 \
			-DHUF_FORCE_DECOMPRESS_X1 -DZSTD_FORCE_DECOMPRESS_SEQUENCES_SHORT \
			-DZSTD_NO_INLINE -DZSTD_STRIP_ERROR_STRINGS \
			-I"$src" -I"$src/common" -c "$src/$f" -o "$o"
		objs+=("$o")
	done
	mkdir -p "$OUT/lib" "$OUT/include"
	rm -f "$OUT/lib/libzstd.a"
	"$AR" rcsD "$OUT/lib/libzstd.a" "${objs[@]}"
	install -m 644 "$src/zstd.h" "$src/zstd_errors.h" "$OUT/include/"
}

# zlib's inflate alone (gzip is read through inflateInit2's gzip wrapper).
build_zlib() {
	local src=$WORK_DIR/zlib obj=$WORK_DIR/zlib-obj f o objs=()
	log "building libz.a (inflate)"
	rm -rf "$obj"
	mkdir -p "$obj"
	for f in adler32 crc32 inffast inflate inftrees zutil; do
		o=$obj/$f.o
		# shellcheck disable=SC2086 # DEP_CFLAGS is a word list
		run_logged "$o.log" "$CC" -std=gnu11 $DEP_CFLAGS -DHAVE_UNISTD_H \
			-DHAVE_STDARG_H -c "$src/$f.c" -o "$o"
		objs+=("$o")
	done
	mkdir -p "$OUT/lib" "$OUT/include"
	rm -f "$OUT/lib/libz.a"
	"$AR" rcsD "$OUT/lib/libz.a" "${objs[@]}"
	install -m 644 "$src/zlib.h" "$src/zconf.h" "$OUT/include/"
}

# with_source_date PKG CMD...: run CMD with SOURCE_DATE_EPOCH set to the
# date of PKG's newest debian/changelog entry, as dpkg-buildpackage sets it,
# so that any __DATE__/__TIME__ in a library is that date and not the build's
# (none of today's uses one). A SOURCE_DATE_EPOCH in the environment (a
# package build of gpugate) wins.
with_source_date() {
	local -x SOURCE_DATE_EPOCH
	SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH_ENV:-$(dpkg-parsechangelog \
		-l "$WORK_DIR/$1/debian/changelog" -STimestamp)}
	"${@:2}"
}

# versions.mk for the top-level Makefile, from the .dsc versions; warn if the
# upstream sources say otherwise.
write_versions() {
	local pci_dsc kmod_dsc md_dsc pci_ver kmod_ver md_ver
	pci_dsc=$(newest_dsc pciutils)
	kmod_dsc=$(newest_dsc kmod)
	md_dsc=$(newest_dsc libmd)
	pci_ver=$(upstream_version "$pci_dsc")
	kmod_ver=$(upstream_version "$kmod_dsc")
	md_ver=$(upstream_version "$md_dsc")

	grep -q "^VERSION=$pci_ver\$" "$WORK_DIR/pciutils/Makefile" ||
		log "warning: pciutils Makefile VERSION is not $pci_ver"
	grep -q "^[[:space:]]*\[$kmod_ver\],\$" "$WORK_DIR/kmod/configure.ac" ||
		log "warning: kmod configure.ac AC_INIT version is not $kmod_ver"

	cat >"$OUT/versions.mk.tmp" <<-EOF
		# Generated by src/deps/fetch-build.sh from the Debian source
		# packages it built; do not edit.
		LIBPCI_VERSION := $pci_ver
		LIBPCI_DEB_VERSION := $(dsc_field "$pci_dsc" Version)
		LIBKMOD_VERSION := $kmod_ver
		LIBKMOD_DEB_VERSION := $(dsc_field "$kmod_dsc" Version)
		LIBMD_VERSION := $md_ver
		LIBMD_DEB_VERSION := $(dsc_field "$md_dsc" Version)
		LIBLZMA_DEB_VERSION := $(dsc_field "$(newest_dsc xz-utils)" Version)
		LIBZSTD_DEB_VERSION := $(dsc_field "$(newest_dsc libzstd)" Version)
		ZLIB_DEB_VERSION := $(dsc_field "$(newest_dsc zlib)" Version)
	EOF
	mv "$OUT/versions.mk.tmp" "$OUT/versions.mk"
	log "libpci $pci_ver, libkmod $kmod_ver, libmd $md_ver"
}

main() {
	local force=0
	case ${1:-} in
	--force) force=1 ;;
	"") ;;
	*) die "usage: $0 [--force]" ;;
	esac

	if ((!force)) && deps_up_to_date; then
		log "$OUT is up to date"
		return
	fi
	check_tools
	fetch_sources

	# Remove old results first: a half-finished run must not look current.
	rm -rf "${OUT:?}/include" "${OUT:?}/lib" "${OUT:?}/versions.mk" "${WORK_DIR:?}"
	mkdir -p "$OUT" "$WORK_DIR"
	make_shim
	unpack pciutils
	unpack kmod
	unpack libmd
	unpack xz-utils
	unpack libzstd
	unpack zlib
	with_source_date pciutils build_libpci
	with_source_date kmod build_libkmod
	with_source_date libmd build_libmd
	with_source_date xz-utils build_liblzma
	with_source_date libzstd build_libzstd
	with_source_date zlib build_zlib
	write_versions
}

main "$@"
