#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/test-deb.sh - build the Debian package and check it, without
# touching the running system.
#
# 1. Copy the source tree (without build/ and .git) to build/deb/src/gpugate,
#    with the fetched source packages (build/src-pkgs) and, when current,
#    the built static libraries (build/deps) copied in, so the build needs
#    no network (debian/README.source); run `dpkg-buildpackage -us -uc -b`
#    (-jauto).
# 2. Check the .deb: control fields (Built-Using names the static
#    libraries), conffiles (both /etc files), the file list against the
#    install layout of SPEC.md (binary, dracut module, policy, dracut.conf.d,
#    gpugate(8), gpugate.conf(5), systemd service + timer) plus the
#    initramfs-tools hook and boot scripts, modes and
#    owners, and that the packaged binary is static and runs.
# 3. Install it with dpkg into a throwaway root (dpkg --root with
#    --force-script-chrootless: the maintainer scripts run with DPKG_ROOT
#    set, which deb-systemd-helper and debhelper's snippets honour), check
#    the timer is enabled *there* and the service is not started, that the
#    installed policy cannot stop the host (mode audit-readonly), remove
#    it (the policy conffile stays, and the dracut.conf.d file left behind
#    no longer adds the module: sourced as dracut sources it, it must not
#    name a module that is gone), purge it (everything goes), and check
#    that the host's systemd and dpkg state did not change.
#
# Usage: tests/test-deb.sh [-k]   (-k: keep build/deb for inspection)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$REPO/build/deb
KEEP=no
[ "${1:-}" = -k ] && KEEP=yes

fails=0
fail() {
	echo "FAIL deb: $*"
	fails=$((fails + 1))
}
note() { echo "deb: $*" >&2; }

for tool in dpkg-buildpackage dh dpkg-deb; do
	command -v "$tool" >/dev/null || {
		echo "FAIL deb: $tool missing (tests/install-deps.sh installs it)"
		exit 1
	}
done

# --- 1. build ----------------------------------------------------------------
rm -rf "$WORK"
SRC=$WORK/src/gpugate
mkdir -p "$SRC"
tar -C "$REPO" --exclude=./build --exclude=./.git -cf - . | tar -C "$SRC" -xf -
mkdir -p "$SRC/build"
[ -d "$REPO/build/src-pkgs" ] && cp -a "$REPO/build/src-pkgs" "$SRC/build/"
[ -d "$REPO/build/deps" ] && cp -a "$REPO/build/deps" "$SRC/build/"
note "dpkg-buildpackage -us -uc -b in $SRC (log: $WORK/build.log)"
if ! (cd "$SRC" && dpkg-buildpackage -us -uc -b -jauto) >"$WORK/build.log" 2>&1; then
	tail -n 40 "$WORK/build.log"
	echo "FAIL deb: dpkg-buildpackage failed (log: $WORK/build.log)"
	exit 1
fi
shopt -s nullglob
debs=("$WORK"/src/gpugate_*.deb)
shopt -u nullglob
if [ ${#debs[@]} -ne 1 ]; then
	echo "FAIL deb: expected one gpugate_*.deb, found ${#debs[@]}"
	exit 1
fi
DEB=${debs[0]}
note "built ${DEB#"$REPO"/} ($(stat -c %s "$DEB") bytes)"

# --- 2. contents -------------------------------------------------------------
field() { dpkg-deb -f "$DEB" "$1"; }
[ "$(field Package)" = gpugate ] || fail "Package is $(field Package)"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture $(field Architecture)"
bu=$(field Built-Using)
for src in pciutils kmod musl; do
	grep -q "\b$src (= " <<<"$bu" || fail "Built-Using lacks $src: '$bu'"
done
if grep -q 'libc6\|libpci\|libkmod' <<<"$(field Depends)"; then
	fail "Depends names shared libraries of a static binary: $(field Depends)"
fi

CTRL=$WORK/control
dpkg-deb -e "$DEB" "$CTRL"
want_conf=$'/etc/dracut.conf.d/90-gpugate.conf\n/etc/gpugate/policy.conf'
got_conf=$(sort "$CTRL/conffiles" 2>/dev/null || true)
[ "$got_conf" = "$want_conf" ] || fail "conffiles are [$got_conf]"
if grep -q 'start.*gpugate-check\.service' "$CTRL/postinst" 2>/dev/null; then
	fail "postinst starts gpugate-check.service (a host without GPUs would fail the install)"
fi
grep -q "enable '\?gpugate-check\.timer" "$CTRL/postinst" || fail "postinst does not enable the timer"
# initramfs-tools rebuilds the host's initramfs when a package brings a hook
grep -qx 'activate-noawait update-initramfs' "$CTRL/triggers" 2>/dev/null ||
	fail "no update-initramfs trigger for the initramfs-tools hook"

# mode owner path, one per line
list=$(dpkg-deb -c "$DEB" | awk '{ print $1, $2, $6 }')
expect() { # MODE PATH
	grep -qxF -- "$1 root/root ./$2" <<<"$list" || fail "missing or wrong mode/owner: $1 ./$2"
}
expect -rwxr-xr-x usr/sbin/gpugate
for f in module-setup.sh gpugate-pre-udev.sh gpugate-pre-pivot.sh; do
	expect -rwxr-xr-x "usr/lib/dracut/modules.d/90gpugate/$f"
done
expect -rw-r--r-- usr/lib/dracut/modules.d/90gpugate/gpugate-lib.sh
for f in hooks/gpugate scripts/init-top/gpugate scripts/init-bottom/gpugate; do
	expect -rwxr-xr-x "usr/share/initramfs-tools/$f"
done
expect -rw-r--r-- usr/share/initramfs-tools/scripts/gpugate-lib.sh
expect -rw-r--r-- etc/gpugate/policy.conf
expect -rw-r--r-- etc/dracut.conf.d/90-gpugate.conf
expect -rw-r--r-- usr/share/man/man8/gpugate.8.gz
expect -rw-r--r-- usr/share/man/man5/gpugate.conf.5.gz
expect -rw-r--r-- lib/systemd/system/gpugate-check.service
expect -rw-r--r-- lib/systemd/system/gpugate-check.timer
expect -rw-r--r-- lib/systemd/system/gpugate-guard.service
expect -rw-r--r-- lib/udev/rules.d/69-gpugate.rules
expect -rwxr-xr-x usr/lib/gpugate/gpugate-textfile
expect -rw-r--r-- usr/share/doc/gpugate/copyright
expect -rw-r--r-- usr/share/doc/gpugate/checks.md
expect -rw-r--r-- usr/share/doc/gpugate/operations.md
expect -rw-r--r-- usr/share/doc/gpugate/attestation.md
extra=$(grep -v ' \./$' <<<"$list" | awk '{ print $3 }' | grep -vE \
	'^\./(usr/sbin/gpugate|usr/lib/dracut/modules\.d/90gpugate/.*|etc/gpugate/.*|etc/dracut\.conf\.d/.*|usr/share/man/man[58]/.*|lib/systemd/system/gpugate-(check\.(service|timer)|guard\.service)|lib/udev/rules\.d/69-gpugate\.rules|usr/lib/gpugate/.*|usr/share/doc/gpugate/.*|usr/share/lintian/overrides/gpugate|usr/share/initramfs-tools/(hooks/gpugate|scripts/gpugate-lib\.sh|scripts/init-(top|bottom)/gpugate)|(etc|etc/gpugate|etc/dracut\.conf\.d|lib|lib/systemd|lib/systemd/system|lib/udev|lib/udev/rules\.d|usr|usr/sbin|usr/lib|usr/lib/dracut|usr/lib/dracut/modules\.d|usr/lib/gpugate|usr/share|usr/share/man|usr/share/doc|usr/share/lintian|usr/share/lintian/overrides|usr/share/initramfs-tools|usr/share/initramfs-tools/hooks|usr/share/initramfs-tools/scripts|usr/share/initramfs-tools/scripts/init-(top|bottom))/)$' || true)
[ -z "$extra" ] || fail "unexpected files: $(tr '\n' ' ' <<<"$extra")"

X=$WORK/extract
dpkg-deb -x "$DEB" "$X"
grep -q '^ACTION=="bind", SUBSYSTEM=="pci", RUN+="/usr/sbin/gpugate guard event bind $kernel"$' \
	"$X/lib/udev/rules.d/69-gpugate.rules" || fail "69-gpugate.rules does not run /usr/sbin/gpugate guard event bind"
file -b "$X/usr/sbin/gpugate" | grep -q 'statically linked' || fail "usr/sbin/gpugate is not static: $(file -b "$X/usr/sbin/gpugate")"
"$X/usr/sbin/gpugate" --version | grep -q "^gpugate $(field Version) " ||
	fail "gpugate --version: $("$X/usr/sbin/gpugate" --version 2>&1)"
"$X/usr/sbin/gpugate" -p "$X/etc/gpugate/policy.conf" modprobe >/dev/null ||
	fail "the packaged policy does not parse"
grep -q '^ExecStart=/usr/sbin/gpugate -q check$' "$X/lib/systemd/system/gpugate-check.service" ||
	fail "service does not run /usr/sbin/gpugate"
grep -q '^ExecStart=/usr/sbin/gpugate guard daemon$' "$X/lib/systemd/system/gpugate-guard.service" ||
	fail "gpugate-guard.service does not run /usr/sbin/gpugate guard daemon"

# --- 3. install into a throwaway root -----------------------------------------
host_state() {
	{
		find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
			/var/lib/systemd/deb-systemd-helper-masked 2>/dev/null | sort
		ls /etc/gpugate /usr/sbin/gpugate /usr/lib/dracut/modules.d/90gpugate /usr/share/initramfs-tools/hooks/gpugate \
			/etc/dracut.conf.d/90-gpugate.conf 2>/dev/null
		dpkg-query -W -f='${Package} ${Status}\n' gpugate 2>/dev/null
		true
	} | sha256sum
}
# What 90-gpugate.conf in the throwaway root adds to dracut's module list,
# sourced as dracut 059 sources its configuration (dracut.sh: `. "$f"`
# for each conf file, after setting dracutbasedir; with --sysroot R that
# is R/usr/lib/dracut).
dracut_modules_added() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	dracutbasedir=$R/usr/lib/dracut bash -c 'add_dracutmodules=; . "$1"; echo "$add_dracutmodules"' \
		conf "$R/etc/dracut.conf.d/90-gpugate.conf"
}
before=$(host_state)
R=$WORK/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers"
: >"$R/var/lib/dpkg/status"
: >"$R/var/lib/dpkg/available"
# debhelper 13.11's start/reload snippets do not all check DPKG_ROOT: where
# systemd runs they would reload and start units of the *host*. Stubs first
# in PATH record those calls instead (deb-systemd-helper stays real: it
# honours DPKG_ROOT and writes its symlinks under $R).
STUBS=$WORK/stubs
mkdir -p "$STUBS"
for s in systemctl deb-systemd-invoke; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n' "$s" "$STUBS" >"$STUBS/$s"
	chmod +x "$STUBS/$s"
done
: >"$STUBS/calls"
DPKG=(env PATH="$STUBS:$PATH" dpkg --root="$R" --force-script-chrootless --log=/dev/null)
if ! "${DPKG[@]}" -i "$DEB" >"$WORK/install.log" 2>&1; then
	cat "$WORK/install.log"
	fail "dpkg -i into $R failed"
else
	st=$("${DPKG[@]}" -s gpugate 2>/dev/null | sed -n 's/^Status: //p')
	[ "$st" = "install ok installed" ] || fail "status after install: '$st'"
	for f in usr/sbin/gpugate etc/gpugate/policy.conf lib/systemd/system/gpugate-check.timer \
		usr/lib/dracut/modules.d/90gpugate/module-setup.sh usr/share/initramfs-tools/hooks/gpugate; do
		[ -e "$R/$f" ] || fail "installed root lacks /$f"
	done
	[ -L "$R/etc/systemd/system/timers.target.wants/gpugate-check.timer" ] ||
		fail "the timer is not enabled in the installed root"
	[ ! -e "$R/etc/systemd/system/multi-user.target.wants/gpugate-guard.service" ] ||
		fail "gpugate-guard.service is enabled in the installed root"
	if grep -q 'gpugate-check\.service\|gpugate-guard\.service' "$STUBS/calls"; then
		fail "the maintainer scripts act on the service: $(tr '\n' ';' <"$STUBS/calls")"
	fi
	mode=$("$R/usr/sbin/gpugate" -p "$R/etc/gpugate/policy.conf" policy gate.mode)
	[ "$mode" = gate.mode=audit-readonly ] ||
		fail "the installed policy can stop the host at its next boot: $mode"
	[ "$(dracut_modules_added)" = " gpugate " ] ||
		fail "installed: 90-gpugate.conf adds '$(dracut_modules_added)', not gpugate"
	"${DPKG[@]}" -r gpugate >>"$WORK/install.log" 2>&1 || fail "dpkg -r failed"
	[ -e "$R/etc/gpugate/policy.conf" ] || fail "dpkg -r removed the policy conffile"
	[ -e "$R/etc/dracut.conf.d/90-gpugate.conf" ] || fail "dpkg -r removed the dracut.conf.d conffile"
	[ -z "$(dracut_modules_added)" ] ||
		fail "removed: 90-gpugate.conf still adds '$(dracut_modules_added)' (every later dracut run would fail)"
	[ ! -e "$R/usr/sbin/gpugate" ] || fail "dpkg -r left /usr/sbin/gpugate"
	"${DPKG[@]}" -P gpugate >>"$WORK/install.log" 2>&1 || fail "dpkg -P failed"
	[ ! -e "$R/etc/gpugate/policy.conf" ] || fail "dpkg -P left the policy conffile"
	[ ! -e "$R/etc/systemd/system/timers.target.wants/gpugate-check.timer" ] ||
		fail "dpkg -P left the timer enabled"
fi
[ "$(host_state)" = "$before" ] || fail "the host's systemd or dpkg state changed"

if [ "$fails" -eq 0 ]; then
	echo "ok deb: ${DEB##*/} builds, matches the install layout, installs, removes and purges in a throwaway root"
	[ $KEEP = yes ] || rm -rf "$WORK"
	exit 0
fi
echo "deb: kept $WORK"
exit 1
