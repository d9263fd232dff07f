#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install the Debian 12 packages that building and testing gpugate needs,
# only those that are missing. Needs root (apt-get); does nothing when all
# are present. apt's output goes to a log (tests/apt-install.sh).
set -euo pipefail
# shellcheck source=tests/apt-install.sh
. "$(dirname "$0")/apt-install.sh"

packages=(
	build-essential musl-tools dpkg-dev linux-libc-dev binutils file
	libcmocka-dev python3 pciutils kmod
	# run-enforce.py root_confined_*: what --root runs open and call
	strace
	# tests/modload/test-decompress.py: .zst fixtures
	zstd
	# man page, systemd unit and Debian package tests (tests/man, tests/systemd,
	# tests/test-deb.sh): groff/man to render, systemd-analyze, dh
	groff-base man-db systemd debhelper
	# tests/test-repro.sh: the en_US source localedef compiles for the second
	# build's collation
	locales
	# make fuzz / make sanitize (tests/fuzz): clang with libFuzzer and the
	# ASan/UBSan runtimes (libclang-rt-14-dev is only a Recommends of clang)
	clang libclang-rt-14-dev
	# tests/tpm/test-swtpm.py, test-tpmdev.py and test-seal.py (run by make
	# check): a software TPM, its control tool, and tpm2-tools (tpm2_pcrread,
	# tpm2_pcrallocate; seal, unseal and quote)
	swtpm swtpm-tools tpm2-tools
	# tests/show/test-dot.py (make check-pkg): `dot` renders show --format dot
	graphviz
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
apt_install install-deps "${missing[@]}"
