# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Sourced by tests/install-deps.sh and qemu/install-deps.sh: install Debian
# packages with apt-get, its output in a log, one line per step on stderr.
#
#   apt_install NAME PACKAGE...      apt-get update, then install
#   apt_update NAME; apt_get_install NAME PACKAGE...   the same in two steps
#
# The log is $GPUGATE_APT_LOG, else build/logs/apt.log under the repo (appended to).
# On a failed step the end of the log is shown and the function returns 1.

apt_log() {
	local repo
	repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	printf '%s\n' "${GPUGATE_APT_LOG:-$repo/build/logs/apt.log}"
}

# apt_step NAME LOG WHAT CMD...: one line, CMD's output into LOG.
apt_step() {
	local name=$1 log=$2 what=$3
	shift 3
	printf '%s: %s\n' "$name" "$what" >&2
	printf '\n### %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$log"
	if ! "$@" >>"$log" 2>&1 </dev/null; then
		tail -n 30 "$log" >&2
		printf '%s: failed: %s (full log: %s)\n' "$name" "$*" "$log" >&2
		return 1
	fi
}

# apt_update NAME: apt-get update, logged.
apt_update() {
	local log
	log=$(apt_log)
	mkdir -p "$(dirname "$log")"
	printf '%s: apt output in %s\n' "$1" "$log" >&2
	DEBIAN_FRONTEND=noninteractive apt_step "$1" "$log" "apt-get update" apt-get update -q
}

# apt_get_install NAME PACKAGE...: apt-get install, logged.
apt_get_install() {
	local name=$1 log
	shift
	log=$(apt_log)
	mkdir -p "$(dirname "$log")"
	DEBIAN_FRONTEND=noninteractive apt_step "$name" "$log" "apt-get install $*" \
		apt-get install -y -q --no-install-recommends "$@"
}

# apt_install NAME PACKAGE...: both.
apt_install() {
	apt_update "$1" && apt_get_install "$@"
}
