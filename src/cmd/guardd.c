// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * guardd.c - `gpugate guard daemon`: the runtime guard's service. It adds
 * the vfio-pci dynamic ids, runs the guard once (kind start), then waits in
 * poll(2) on a signalfd and an inotify watch of /dev/vfio. Every [guard]
 * poll_ms it re-reads the protected functions' ATS Control words, their
 * paths' ACS Control words and their driver links (regpoll.c) and runs the
 * guard again (kind poll) when one differs from the snapshot taken before
 * the last run; a VFIO group opened, closed or created runs it (kind vfio)
 * [guard] vfio_recheck_ms later, since the attach that re-enables ATS comes
 * after the open (docs/kernel-facts.md §17). SIGTERM and SIGINT end it with
 * exit status 0.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "dynid.h"
#include "guard.h"
#include "model.h"
#include "regpoll.h"
#include "vfiowatch.h"

/* A run of the guard that takes longer than this is stuck: exit 3. */
#define GUARD_RUN_SECONDS 120
#define EXIT_UNKNOWN 3

struct guardd {
	const struct run_opts *o;
	struct regpoll rp;
	bool stale;	     /* no snapshot: the next poll runs the guard */
	struct vfiowatch vw; /* fd -1: not watching */
	int sigfd;
	long long poll_due;  /* monotonic ms; 0: no polling */
	long long vfio_due;  /* a VFIO recheck is due then; 0: none pending */
	long long vfio_last; /* the last VFIO event */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Load the config spaces of @d and of the ports on its path. */
static void load_watched(struct model *m, struct pdev *d)
{
	model_config(d);
	for (int i = 0; !d->path_err && i < d->path_len; i++)
		model_config(&m->devs[d->path[i]]);
}

/* A new snapshot of what the poll compares: a scan of its own. */
static void guardd_snapshot(struct guardd *g)
{
	struct model m = { 0 };
	char err[256];
	int n;

	regpoll_free(&g->rp);
	g->stale = true;
	n = model_build(&m, g->o->policy, err, sizeof(err));
	if (n) {
		fprintf(stderr, "gpugate-guard: daemon: cannot scan for the poll: %s\n", err);
		model_free(&m);
		return;
	}
	for (int i = 0; i < m.ndevs; i++)
		if (pdev_protected(&m.devs[i]))
			load_watched(&m, &m.devs[i]);
	n = regpoll_snapshot(&g->rp, &m);
	model_free(&m);
	if (n < 0) {
		fprintf(stderr, "gpugate-guard: daemon: snapshot: %s\n", strerror(-n));
		return;
	}
	g->stale = false;
	if (g->o->verbose)
		fprintf(stderr, "gpugate-guard: daemon: watching %d registers and links\n", n);
}

/*
 * A new snapshot, then guard_once() under its own watchdog. The snapshot
 * comes first so that no change during the run goes unseen; what the run
 * itself wrote differs from it, and the next poll runs once more to see
 * the fix hold.
 */
static int guardd_run(struct guardd *g, enum guard_kind kind)
{
	int rc;

	alarm(GUARD_RUN_SECONDS);
	guardd_snapshot(g);
	rc = guard_once(g->o, kind);
	alarm(0);
	return rc;
}

/* Block SIGTERM and SIGINT and return a signalfd for them, or -errno. */
static int signals_open(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* The poll(2) timeout: until the next poll or VFIO recheck, -1 for never. */
static int guardd_timeout(const struct guardd *g, long long now)
{
	long long due = g->poll_due;

	if (g->vfio_due && (!due || g->vfio_due < due))
		due = g->vfio_due;
	if (!due)
		return -1;
	return due <= now ? 0 : (int)(due - now);
}

/* Take the inotify events; a VFIO one schedules a recheck. -errno on failure. */
static int guardd_vfio_events(struct guardd *g, long long now)
{
	char what[160];
	int n = vfiowatch_read(&g->vw, what, sizeof(what));

	if (n <= 0)
		return n;
	g->vfio_last = now;
	if (!g->vfio_due)
		g->vfio_due = now + g->o->policy->guard_vfio_recheck_ms;
	if (g->o->verbose)
		fprintf(stderr, "gpugate-guard: daemon: %s: check in %d ms\n", what,
			g->o->policy->guard_vfio_recheck_ms);
	return 0;
}

/*
 * The VFIO recheck, when due. Events that came while it was pending call
 * for one more, their own delay after the last of them: a steady stream of
 * opens delays no recheck by more than the delay.
 */
static void guardd_vfio_due(struct guardd *g, long long now)
{
	long long start;

	if (!g->vfio_due || g->vfio_due > now)
		return;
	start = g->vfio_due - g->o->policy->guard_vfio_recheck_ms;
	guardd_run(g, GUARD_VFIO);
	g->vfio_due = 0;
	if (g->vfio_last > start)
		g->vfio_due = g->vfio_last + g->o->policy->guard_vfio_recheck_ms;
}

/* The register poll, when due: compare with the snapshot, run on a change. */
static void guardd_poll_due(struct guardd *g, long long now)
{
	char what[256];

	if (!g->poll_due || g->poll_due > now)
		return;
	g->poll_due = now + g->o->policy->guard_poll_ms;
	if (g->stale) {
		guardd_run(g, GUARD_POLL);
		return;
	}
	if (!regpoll_changed(&g->rp, what, sizeof(what)))
		return;
	fprintf(stderr, "gpugate-guard: daemon: %s\n", what);
	guardd_run(g, GUARD_POLL);
}

/* SIGTERM or SIGINT came: say which. */
static void guardd_say_signal(int sigfd)
{
	struct signalfd_siginfo si;

	if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		fprintf(stderr, "gpugate-guard: daemon: %s, stopping\n", strsignal(si.ssi_signo));
}

/* Wait and act until a signal. Returns the exit status. */
static int guardd_loop(struct guardd *g)
{
	for (;;) {
		struct pollfd fds[2] = { { .fd = g->sigfd, .events = POLLIN },
					 { .fd = g->vw.fd, .events = POLLIN } };
		long long now = now_ms();
		int n = poll(fds, g->vw.fd >= 0 ? 2 : 1, guardd_timeout(g, now));

		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "gpugate-guard: daemon: poll: %s\n", strerror(errno));
			return EXIT_UNKNOWN;
		}
		if (n > 0 && fds[0].revents) {
			guardd_say_signal(g->sigfd);
			return 0;
		}
		now = now_ms();
		if (n > 0 && fds[1].revents && guardd_vfio_events(g, now) < 0) {
			fprintf(stderr, "gpugate-guard: daemon: inotify on /dev/vfio failed\n");
			return EXIT_UNKNOWN;
		}
		guardd_vfio_due(g, now);
		guardd_poll_due(g, now_ms());
	}
}

/*
 * The vfio-pci dynamic ids: dynid_apply() itself does nothing with
 * [guard] dynid = no or in audit-readonly mode, and only prints with
 * --dry-run. A failure is said and the daemon goes on: the poll and the
 * events still guard the functions.
 */
static void guardd_dynid(const struct run_opts *o)
{
	int rc = dynid_apply(o->policy, o->dry_run);

	if (rc < 0)
		fprintf(stderr, "gpugate-guard: daemon: vfio-pci dynamic ids: %s\n", strerror(-rc));
}

/* The signalfd and the /dev/vfio watch. Returns 0, or the exit status. */
static int guardd_open(struct guardd *g)
{
	int rc;

	g->sigfd = signals_open();
	if (g->sigfd < 0) {
		fprintf(stderr, "gpugate-guard: daemon: signalfd: %s\n", strerror(-g->sigfd));
		return EXIT_UNKNOWN;
	}
	g->vw.fd = -1;
	if (!g->o->policy->guard_vfio_watch)
		return 0;
	rc = vfiowatch_open(&g->vw);
	if (rc) {
		fprintf(stderr, "gpugate-guard: daemon: cannot watch /dev/vfio or /dev: %s\n",
			strerror(-rc));
		return EXIT_UNKNOWN;
	}
	return 0;
}

int guard_daemon(const struct run_opts *o)
{
	struct guardd g = { .o = o, .vw = { .fd = -1 }, .sigfd = -1 };
	int rc;

	alarm(0); /* main.c's watchdog: each run has its own below */
	rc = guardd_open(&g);
	if (rc)
		goto out;
	fprintf(stderr, "gpugate-guard: daemon: started (poll %d ms, vfio watch %s)\n",
		o->policy->guard_poll_ms, g.vw.fd >= 0 ? "on" : "off");
	guardd_dynid(o);
	guardd_run(&g, GUARD_START);
	if (o->policy->guard_poll_ms)
		g.poll_due = now_ms() + o->policy->guard_poll_ms;
	rc = guardd_loop(&g);
out:
	regpoll_free(&g.rp);
	vfiowatch_close(&g.vw);
	if (g.sigfd >= 0)
		close(g.sigfd);
	return rc;
}
