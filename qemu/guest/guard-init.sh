#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /sbin/init of the lab's udev root disk (root-udev.ext4, busybox sh as
# PID 1 after switch_root): the runtime guard scenarios (qemu/README.md,
# "Guard scenarios"). It starts Debian's systemd-udevd with the installed
# rules (/lib/udev/rules.d/69-gpugate.rules from `make install`), optionally
# `gpugate guard daemon`, then runs the steps of lab.steps= and judges what
# happened from the kernel's own state: driver links, the host driver's
# bind list, config space, the kernel's uevents (`udevadm monitor
# --kernel`). Marks go to /dev/kmsg, so the lab reads their kernel
# timestamps next to the guard's own `gpugate-guard:` lines.
#
# Kernel command line (lab.sh passes the scenario's values):
#   lab.guard=KEY=VALUE,...  [guard] keys appended to the root's policy
#   lab.guardd=yes|no        start `gpugate guard daemon` before the steps
#   lab.nodynid=yes          remove the vfio-pci dynamic ids the initramfs
#                            loaded (`options vfio_pci ids=` of modprobe.d)
#   lab.steps=STEP,...       rescan, bind, ats (in that order of the list)
#   lab.gpu=BDF lab.hostdrv=DRIVER lab.hostmod=MODULE
#                            rescan/bind: the GPU, its host driver's name
#                            in /sys/bus/pci/drivers, and its module
#   lab.atsgpu=BDF           ats: the GPU with an ATS capability
#   lab.tries=N              bind: how many binds by hand; ats: how many
#                            attaches with the guard running
#   lab.verify=BDF,...       root-init.sh's LAB-VERIFY checks at the end
# Lines (console):
#   LAB-GUARD ...            what a step saw (judged by EXPECT_LOG)
#   LAB-GUARD-MARK NAME try=N  (kernel log) timestamps for the latencies
#   LAB-UEVENT ACTION BDF DRIVER=X  each PCI uevent the kernel sent
#   LAB-PROM LINE            the guard's metrics textfile at the end

PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH
LAB_INIT_LIB=yes
# shellcheck source=qemu/guest/root-init.sh
. /sbin/init.lab

POLICY=/etc/gpugate/policy.conf
EVENTS=/run/lab-uevents
GUARDD_PID=""

mark() { echo "LAB-GUARD-MARK $*" >/dev/kmsg; }

# the [guard] section from lab.guard=, after the lab's base policy
write_policy() {
	{
		cat /etc/gpugate/guard-base.conf
		echo "[guard]"
		for _kv in $(cmdline_value lab.guard); do
			echo "${_kv%%=*} = ${_kv#*=}"
		done
	} >"$POLICY"
	say "LAB-GUARD policy [guard]: $(sed -n '/^\[guard\]/,$p' "$POLICY" | sed 1d | tr '\n' ';')"
}

start_udev() {
	/lib/systemd/systemd-udevd --daemon
	say "LAB-GUARD udevd started rc=$? rules: $(cd /lib/udev/rules.d && echo *)"
	udevadm monitor --kernel --property --subsystem-match=pci >"$EVENTS" 2>&1 &
	MONITOR_PID=$!
	sleep 1
}

# The kernel's PCI uevents, one line each (the monitor's blocks).
show_uevents() {
	kill "$MONITOR_PID" 2>/dev/null
	awk '/^ACTION=/ { a = substr($0, 8) }
	     /^DEVPATH=/ { n = split($0, p, "/"); d = p[n] }
	     /^DRIVER=/ { v = substr($0, 8) }
	     /^$/ { if (a != "") print "LAB-UEVENT " a " " d " DRIVER=" (v == "" ? "-" : v); a = d = v = "" }
	     END { if (a != "") print "LAB-UEVENT " a " " d " DRIVER=" (v == "" ? "-" : v) }' "$EVENTS" |
		while read -r _l; do say "$_l"; done
}

# lab.nodynid=yes: vfio-pci's ids= from the initramfs' modprobe.d are
# dynamic ids; remove_id takes the same six fields (defaults as vfio-pci's
# own parser: subvendor/subdevice ffffffff, class and mask 0)
remove_dynids() {
	_ids=$(sed -n 's/^options vfio_pci .*ids=\([^ ]*\).*/\1/p' /etc/modprobe.d/gpugate.conf | tr ',' ' ')
	for _id in $_ids; do
		# shellcheck disable=SC2046 # one word per field
		set -- $(echo "$_id" | tr ':' ' ')
		_line="$1 $2 ${3:-ffffffff} ${4:-ffffffff} ${5:-0} ${6:-0}"
		if echo "$_line" >/sys/bus/pci/drivers/vfio-pci/remove_id; then
			say "LAB-GUARD dynid removed: $_line"
		else
			say "LAB-GUARD dynid remove failed: $_line"
		fi
	done
	[ -n "$_ids" ] || say "LAB-GUARD dynid: no vfio_pci ids= in /etc/modprobe.d/gpugate.conf"
}

start_guardd() {
	/usr/sbin/gpugate guard daemon >/run/guardd.log 2>&1 &
	GUARDD_PID=$!
	_n=0
	_prom=$(prom_path)
	while [ ! -s "$_prom" ] && [ $_n -lt 60 ]; do
		sleep 0.5
		_n=$((_n + 1))
	done
	sleep 1
	if kill -0 "$GUARDD_PID" 2>/dev/null; then
		say "LAB-GUARD guardd running pid=$GUARDD_PID textfile=$([ -s "$_prom" ] && echo yes || echo no)"
	else
		wait "$GUARDD_PID"
		say "LAB-GUARD guardd exited early rc=$?"
		GUARDD_PID=""
	fi
}

stop_guardd() {
	[ -n "$GUARDD_PID" ] || return 0
	kill -TERM "$GUARDD_PID"
	wait "$GUARDD_PID"
	say "LAB-GUARD guardd exit rc=$?"
	while read -r _l; do say "LAB-GUARDD $_l"; done </run/guardd.log
}

prom_path() {
	/usr/sbin/gpugate -p "$POLICY" policy guard.metrics 2>/dev/null | sed -n 's/^guard\.metrics=//p'
}

show_prom() {
	_prom=$(prom_path)
	if [ ! -s "$_prom" ]; then
		say "LAB-PROM-MISSING ${_prom:-no guard.metrics path}"
		return
	fi
	while read -r _l; do say "LAB-PROM $_l"; done <"$_prom"
}

# load_module NAME: insmod it and its dependencies from modules.dep (the
# host driver is blacklisted in modprobe.d, as gpugate installs it; an
# explicit load is what an operator or a package's script would do)
load_module() {
	_dir=/lib/modules/$(uname -r)
	_ent=$(grep "/$1\.ko:" "$_dir/modules.dep")
	if [ -z "$_ent" ]; then
		say "LAB-GUARD module $1: not in modules.dep"
		return 1
	fi
	_list=""
	for _m in ${_ent#*:}; do _list="$_m $_list"; done
	for _m in $_list ${_ent%%:*}; do
		_name=$(basename "$_m" .ko | tr '-' '_')
		[ -d "/sys/module/$_name" ] && continue
		insmod "$_dir/$_m" || return 1
	done
	say "LAB-GUARD module $1 loaded"
}

drv_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }

# rescan: remove the GPU and rescan the bus with the host driver loaded;
# a sampler watches the host driver's bind list meanwhile
step_rescan() {
	_gpu=$(cmdline_value lab.gpu) _host=$(cmdline_value lab.hostdrv)
	load_module "$(cmdline_value lab.hostmod)" || say "LAB-GUARD rescan: host module load FAILED"
	[ -d "/sys/bus/pci/drivers/$_host" ] || say "LAB-GUARD rescan: no /sys/bus/pci/drivers/$_host"
	say "LAB-GUARD rescan before: driver=$(drv_of "$_gpu")"
	rm -f /run/lab-stop /run/lab-sampler
	(
		_s=0 _seen=0
		while [ ! -e /run/lab-stop ]; do
			_s=$((_s + 1))
			if [ -e "/sys/bus/pci/drivers/$_host/$_gpu" ]; then _seen=$((_seen + 1)); fi
		done
		echo "samples=$_s host_seen=$_seen" >/run/lab-sampler
	) &
	_sp=$!
	mark rescan-remove
	echo 1 >"/sys/bus/pci/devices/$_gpu/remove"
	udevadm settle
	mark rescan-rescan
	echo 1 >/sys/bus/pci/rescan
	udevadm settle
	sleep 3
	touch /run/lab-stop
	wait "$_sp"
	say "LAB-GUARD rescan $(cat /run/lab-sampler) driver=$(drv_of "$_gpu") override=$(cat "/sys/bus/pci/devices/$_gpu/driver_override" 2>/dev/null)"
}

# wait_vfio BDF: until the function is in vfio-pci's bind list (a shell
# builtin test, no fork), at most about 20 s; 0 when it is
wait_vfio() {
	_n=0
	while [ ! -e "/sys/bus/pci/drivers/vfio-pci/$1" ]; do
		_n=$((_n + 1))
		[ $_n -lt 200000 ] || return 1
		[ $((_n % 1000)) -ne 0 ] || [ "$(cut -d. -f1 /proc/uptime)" -lt "$2" ] || return 1
	done
}

# bind: the GPU to its host driver by hand, lab.tries times
step_bind() {
	_gpu=$(cmdline_value lab.gpu) _host=$(cmdline_value lab.hostdrv)
	load_module "$(cmdline_value lab.hostmod)" || say "LAB-GUARD bind: host module load FAILED"
	_i=1
	while [ "$_i" -le "$(cmdline_value lab.tries)" ]; do
		echo >"/sys/bus/pci/devices/$_gpu/driver_override"
		echo "$_gpu" >/sys/bus/pci/drivers/vfio-pci/unbind
		mark bind-write try=$_i
		if ! echo "$_gpu" >"/sys/bus/pci/drivers/$_host/bind"; then
			say "LAB-GUARD bind try=$_i: bind to $_host FAILED (driver=$(drv_of "$_gpu"))"
		fi
		if wait_vfio "$_gpu" $(($(cut -d. -f1 /proc/uptime) + 20)); then
			mark vfio-back try=$_i
			say "LAB-GUARD bind try=$_i back on vfio-pci"
		else
			say "LAB-GUARD bind try=$_i NOT back: driver=$(drv_of "$_gpu")"
		fi
		sleep 2
		_i=$((_i + 1))
	done
	say "LAB-GUARD bind done driver=$(drv_of "$_gpu") override=$(cat "/sys/bus/pci/devices/$_gpu/driver_override")"
}

# ats_ctl BDF: the ATS Control word, as 0x%04x (empty: no capability)
ats_ctl() {
	_c=$(ecap "$1" 15) || return 1
	printf '0x%04x' "$(cfg16 "$1" $((_c + 6)))"
}

# wait_ats_off BDF WHAT: until ATS Enable is 0 (about 20 s at most)
wait_ats_off() {
	_end=$(($(cut -d. -f1 /proc/uptime) + 20)) _on=0
	while :; do
		_v=$(ats_ctl "$1")
		if [ $((_v & 0x8000)) -eq 0 ]; then
			mark "ats-off-$2"
			say "LAB-GUARD ats $2: Enable- ($_v) after $_on samples with Enable+"
			return 0
		fi
		_on=$((_on + 1))
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$_end" ] || break
	done
	say "LAB-GUARD ats $2: still Enable+ ($_v) after 20 s"
	return 1
}

# vfio_attach TAG BDF HOLD: run vfio-attach in the background; wait for
# its "attached" line
vfio_attach() {
	/usr/bin/vfio-attach "$1" "$2" "$3" >/run/lab-vfio.out 2>&1 &
	VFIO_PID=$!
	_n=0
	while ! grep -q 'attached\|FAILED' /run/lab-vfio.out && [ $_n -lt 200 ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
}

# ats: the control first (no guard running: does the attach re-enable
# ATS?), then with the guard daemon: attach, hold, close
step_ats() {
	_gpu=$(cmdline_value lab.atsgpu)
	say "LAB-GUARD ats before: ctl=$(ats_ctl "$_gpu")"
	vfio_attach control "$_gpu" 1
	say "LAB-GUARD ats control attached: ctl=$(ats_ctl "$_gpu") ($(tr '\n' ';' </run/lab-vfio.out))"
	wait "$VFIO_PID"
	say "LAB-GUARD ats control closed rc=$?: ctl=$(ats_ctl "$_gpu")"
	start_guardd
	say "LAB-GUARD ats guard running: ctl=$(ats_ctl "$_gpu")"
	_i=1
	while [ "$_i" -le "$(cmdline_value lab.tries)" ]; do
		vfio_attach guarded "$_gpu" 3
		wait_ats_off "$_gpu" attached
		wait "$VFIO_PID"
		say "LAB-GUARD ats try=$_i vfio-attach rc=$? ($(tr '\n' ';' </run/lab-vfio.out))"
		wait_ats_off "$_gpu" closed
		sleep 1
		_i=$((_i + 1))
	done
}

guard_main() {
	setup
	say "LAB-ROOT-INIT reached real root (udev root), uptime=$(cut -d' ' -f1 /proc/uptime)"
	write_policy
	/usr/sbin/gpugate -p "$POLICY" check >/run/check.out 2>&1
	say "LAB-GUARD check at start rc=$? $(grep -c . /run/check.out) lines"
	grep -E '^(FAIL|UNKNOWN)|fail' /run/check.out | head -n 10 | while read -r _l; do say "LAB-GUARD check: $_l"; done
	start_udev
	[ "$(cmdline_value lab.nodynid)" = yes ] && remove_dynids
	_steps=$(cmdline_value lab.steps)
	case " $_steps " in
	*" ats "*) ;; # step_ats starts the daemon after its control attach
	*) [ "$(cmdline_value lab.guardd)" = yes ] && start_guardd ;;
	esac
	for _s in $_steps; do
		say "LAB-GUARD step $_s"
		"step_$_s"
	done
	udevadm settle
	stop_guardd
	show_uevents
	verify_all
	show_prom
	say "LAB-VERIFY-DONE failures=$FAILS"
	sync
	poweroff -f
	while :; do sleep 60; done
}

guard_main
