// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tpmdev.c - moving TPM commands to the TPM and back, with a bound on the wait.
 *
 * Live, the device is /dev/tpmrm0 (the kernel's resource manager: any
 * number of openers), else /dev/tpm0 (one opener at a time: EBUSY). It is
 * opened O_NONBLOCK because in blocking mode write() itself transmits and
 * waits for the TPM; non-blocking, write() queues the command, poll(POLLIN)
 * waits for the answer and one read() returns all of it (tpm-dev-common.c,
 * as tpm2-tss's tcti-device does). That poll() itself blocks until the
 * kernel's transmit ends, so a child waits in it (wait_answer) while the
 * caller's deadline runs on a pipe. A command that times out is left to the
 * kernel: close() would run flush_work() and block until the kernel's own
 * transmit gives up, so a hung descriptor is never closed.
 *
 * Under --root the "device" is a TPM simulator's unix stream socket
 * (swtpm socket --server type=unixio,...), which speaks the same raw
 * commands; bytes may arrive in pieces, so a response is read until the
 * size in its header is complete. Only connect(2) is used there, which
 * fails on anything but a socket: a device node in the tree, which could
 * be this machine's TPM, is refused before that with the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "machine.h"
#include "measlog.h"
#include "sysroot.h"
#include "tpm2.h"
#include "tpmdev.h"
#include "tpmevent.h"
#include "why.h"

#define HEADER_SIZE 10
/* -EAGAIN answers (TPM_RC_RETRY, TESTING, YIELDED, CANCELED) resent at most this often */
#define RETRY_MAX 8
/* first pause before a resend, doubled each time (the kernel's TPM2_DURATION_SHORT) */
#define RETRY_PAUSE_MS 20

static const char *const device_paths[] = { "/dev/tpmrm0", "/dev/tpm0" };

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_path(struct tpmdev *t, const char *path)
{
	snprintf(t->path, sizeof(t->path), "%s", path);
}

/* --- open --------------------------------------------------------------- */

/* Connect to the simulator socket @real (the tree's @path). 0 or -errno. */
static int open_socket(struct tpmdev *t, const char *path, const char *real, char *why,
		       size_t whylen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(real) >= sizeof(sa.sun_path))
		return why_fail(why, whylen, -ENAMETOOLONG,
				"%s: path longer than a unix socket address (%zu bytes)", real,
				sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, real, strlen(real) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return why_fail(why, whylen, -errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		return why_fail(why, whylen, err, "%s: cannot connect to the TPM simulator: %s",
				real, strerror(-err));
	}
	t->fd = fd;
	t->socket = true;
	set_path(t, path);
	return 0;
}

/*
 * Under --root: @real must be a unix socket, not a link to one. -ENOENT
 * when it does not exist, -EPERM for a device node or a symbolic link
 * (which could lead to this machine's TPM), -EINVAL for anything else.
 */
static int open_tree(struct tpmdev *t, const char *path, const char *real, char *why, size_t whylen)
{
	struct stat st;

	if (lstat(real, &st) < 0)
		return why_fail(why, whylen, -errno, "%s: %s", real, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return why_fail(
		    why, whylen, -EPERM,
		    "%s is a symbolic link: under --root only a TPM simulator's unix socket in the tree is used",
		    real);
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		return why_fail(
		    why, whylen, -EPERM,
		    "%s is a device node: under --root only a TPM simulator's unix socket is used (a device could be this machine's TPM)",
		    real);
	if (!S_ISSOCK(st.st_mode))
		return why_fail(
		    why, whylen, -EINVAL,
		    "%s is not a unix socket: under --root the TPM is a simulator's socket (swtpm socket --server type=unixio,path=...)",
		    real);
	return open_socket(t, path, real, why, whylen);
}

/* Live: open the character device @path. 0 or -errno (-ENOENT: absent). */
static int open_live(struct tpmdev *t, const char *path, char *why, size_t whylen)
{
	struct stat st;
	int fd, err;

	fd = openat(AT_FDCWD, path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == EBUSY)
		return why_fail(
		    why, whylen, -EBUSY,
		    "%s is open in another process (one opener at a time; a TSS resource manager such as tpm2-abrmd?)",
		    path);
	if (fd < 0)
		return why_fail(why, whylen, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return why_fail(why, whylen, err, "%s: fstat: %s", path, strerror(-err));
	}
	if (!S_ISCHR(st.st_mode)) {
		close(fd);
		return why_fail(why, whylen, -EINVAL, "%s is not a character device", path);
	}
	t->fd = fd;
	set_path(t, path);
	return 0;
}

int tpmdev_open(struct tpmdev *t, char *why, size_t whylen)
{
	char real[PATH_MAX];
	int err = -ENOENT;

	*t = (struct tpmdev){ .fd = -1 };
	for (size_t i = 0; i < sizeof(device_paths) / sizeof(device_paths[0]); i++) {
		const char *path = device_paths[i];

		if (sysroot_path(real, sizeof(real), path))
			return why_fail(why, whylen, -ENAMETOOLONG, "%s: path too long", path);
		if (sysroot_is_redirected())
			err = open_tree(t, path, real, why, whylen);
		else
			err = open_live(t, path, why, whylen);
		if (err != -ENOENT)
			return err;
	}
	return why_fail(why, whylen, -ENOENT,
			"no TPM: neither %s/dev/tpmrm0 nor %s/dev/tpm0 exists", sysroot_prefix(),
			sysroot_prefix());
}

/* --- one command -------------------------------------------------------- */

/*
 * Wait until @fd is ready for @events or @deadline (ms, monotonic) passes.
 * 0, -ETIMEDOUT, or -errno of poll().
 */
static int wait_for(int fd, short events, long long deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		long long left = deadline - now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n > 0)
			return 0;
	}
}

/*
 * Wait for a device's answer (POLLIN) until @deadline. poll() on the
 * device itself cannot be bounded: the kernel's tpm_common_poll() takes
 * the file's buffer_mutex, which tpm_dev_async_work() holds for the whole
 * transmit, so poll() returns only when the TPM answered or the kernel
 * gave up on the command (for TPM2_PCR_Read TPM2_DURATION_DEFAULT, 120 s:
 * measured in the QEMU lab on 6.1 and 6.12, qemu/README.md "Limits").
 * A child waits in that poll() and writes one byte to a pipe when it
 * returns; this process waits for the pipe with the deadline. A child
 * still blocked at the deadline is left to the kernel: it exits when the
 * transmit ends. 0, -ETIMEDOUT, or -errno.
 */
static int wait_answer(int fd, long long deadline)
{
	int pipefd[2], err;
	pid_t pid;
	char ok = 0;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (pid == 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n;

		do
			n = poll(&p, 1, -1);
		while (n < 0 && errno == EINTR);
		ok = n > 0;
		_exit(write(pipefd[1], &ok, 1) == 1 ? 0 : 1);
	}
	close(pipefd[1]);
	err = wait_for(pipefd[0], POLLIN, deadline);
	if (!err) {
		err = read(pipefd[0], &ok, 1) == 1 && ok ? 0 : -EIO;
		waitpid(pid, NULL, 0);
	}
	close(pipefd[0]);
	return err;
}

/*
 * Write the command. A device takes it in one write() or not at all (a
 * short write is an error); a socket may take it in pieces.
 */
static int send_cmd(struct tpmdev *t, const uint8_t *cmd, size_t len, long long deadline, char *why,
		    size_t whylen)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(t->fd, cmd + done, len - done);
		int err;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			err = wait_for(t->fd, POLLOUT, deadline);
			if (err == -ETIMEDOUT)
				return err;
			if (err)
				return why_fail(why, whylen, err, "%s: poll: %s", t->path,
						strerror(-err));
			continue;
		}
		if (n < 0)
			return why_fail(why, whylen, -errno, "%s: write of the command: %s",
					t->path, strerror(errno));
		done += (size_t)n;
		if (done < len && !t->socket)
			return why_fail(why, whylen, -EIO, "%s: short write: %zd of %zu bytes",
					t->path, n, len);
	}
	return 0;
}

/* The size field of a response header, once HEADER_SIZE bytes are in @rsp. */
static size_t header_size(const uint8_t *rsp)
{
	return (size_t)rsp[2] << 24 | (size_t)rsp[3] << 16 | (size_t)rsp[4] << 8 | rsp[5];
}

/*
 * How many bytes the response in @rsp (@have read so far, of a buffer of
 * @len) must have in all: HEADER_SIZE until the header is in, then its
 * size field. -EBADMSG when that size cannot be a response.
 */
static ssize_t response_need(const uint8_t *rsp, size_t have, size_t len, char *why, size_t whylen)
{
	size_t size;

	if (have < HEADER_SIZE)
		return HEADER_SIZE;
	size = header_size(rsp);
	if (size < HEADER_SIZE || size > len)
		return why_fail(why, whylen, -EBADMSG,
				"response header gives a size of %zu bytes (%d..%zu allowed)", size,
				HEADER_SIZE, len);
	return (ssize_t)size;
}

/*
 * Read the response: from a device in one read() after POLLIN; from a
 * socket until the header's size is complete. Returns the length or -errno.
 */
static ssize_t recv_rsp(struct tpmdev *t, uint8_t *rsp, size_t len, long long deadline, char *why,
			size_t whylen)
{
	size_t have = 0;
	ssize_t need = HEADER_SIZE;

	while (have < (size_t)need) {
		int err = t->socket ? wait_for(t->fd, POLLIN, deadline) : wait_answer(t->fd, deadline);
		ssize_t n;

		if (err == -ETIMEDOUT)
			return err;
		if (err)
			return why_fail(why, whylen, err, "%s: poll: %s", t->path, strerror(-err));
		n = read(t->fd, rsp + have, t->socket ? (size_t)need - have : len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return why_fail(why, whylen, -errno, "%s: read of the response: %s",
					t->path, strerror(errno));
		if (n == 0)
			return why_fail(why, whylen, -EBADMSG,
					"%s: the response ended after %zu bytes (header: %s)",
					t->path, have,
					have < HEADER_SIZE ? "incomplete" : "complete");
		have += (size_t)n;
		need = response_need(rsp, have, len, why, whylen);
		if (need < 0)
			return need;
		if (!t->socket && have != (size_t)need)
			return why_fail(why, whylen, -EBADMSG,
					"%s: read %zu bytes, the response header gives %zd",
					t->path, have, need);
	}
	return (ssize_t)have;
}

int tpmdev_transact(struct tpmdev *t, const uint8_t *cmd, size_t cmdlen, uint8_t *rsp,
		    size_t rsplen, int timeout_ms, char *why, size_t whylen)
{
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	ssize_t n;
	int err;

	if (t->fd < 0)
		return why_fail(why, whylen, -EBADF, "the TPM is not open");
	if (t->hung)
		return why_fail(why, whylen, -EBUSY, "%s: an earlier command timed out", t->path);
	if (rsplen > TPM2_RESPONSE_MAX)
		rsplen = TPM2_RESPONSE_MAX;
	if (cmdlen < HEADER_SIZE || cmdlen > TPM2_RESPONSE_MAX || rsplen < HEADER_SIZE)
		return why_fail(why, whylen, -EINVAL,
				"command of %zu bytes, response buffer of %zu", cmdlen, rsplen);
	err = send_cmd(t, cmd, cmdlen, deadline, why, whylen);
	n = err ? err : recv_rsp(t, rsp, rsplen, deadline, why, whylen);
	if (n == -ETIMEDOUT) {
		t->hung = true;
		return why_fail(why, whylen, -ETIMEDOUT, "%s: no answer within %d ms", t->path,
				timeout_ms);
	}
	return (int)n;
}

/* --- PCR_Read and PCR_Extend -------------------------------------------- */

/* The TPM still asked to resend (-EAGAIN @err): add that to the parser's reason. */
static int retries_spent(int err, int timeout_ms, char *why, size_t whylen)
{
	char last[160];

	snprintf(last, sizeof(last), "%s", why);
	return why_fail(why, whylen, err, "%s, still after at most %d resends within %d ms", last,
			RETRY_MAX, timeout_ms);
}

/*
 * Send @cmd and judge the answer with tpm2_pcr_read_parse() (@value given)
 * or tpm2_extend_parse(), resending on -EAGAIN answers with a doubling
 * pause, at most RETRY_MAX times and only within @timeout_ms in all.
 */
static int command(struct tpmdev *t, const uint8_t *cmd, size_t cmdlen, unsigned int pcr,
		   uint8_t value[TPM2_SHA256_SIZE], int timeout_ms, char *why, size_t whylen)
{
	long long deadline = now_ms() + timeout_ms;
	uint8_t rsp[TPM2_RESPONSE_MAX];
	int pause = RETRY_PAUSE_MS, err = -EAGAIN;
	uint32_t rc = 0;

	/* the first command is always sent: err is the parser's before any break */
	for (int i = 0; i <= RETRY_MAX; i++) {
		int n;

		if (i > 0 && deadline - now_ms() <= pause)
			break;
		if (i > 0) {
			usleep((useconds_t)pause * 1000);
			pause *= 2;
		}
		if (i > 0 && deadline - now_ms() <= 0)
			break;
		n = tpmdev_transact(t, cmd, cmdlen, rsp, sizeof(rsp), (int)(deadline - now_ms()),
				    why, whylen);
		if (n < 0)
			return n;
		err = value ? tpm2_pcr_read_parse(rsp, (size_t)n, pcr, value, &rc, why, whylen)
			    : tpm2_extend_parse(rsp, (size_t)n, &rc, why, whylen);
		if (err != -EAGAIN)
			return err;
	}
	return retries_spent(err, timeout_ms, why, whylen);
}

int tpmdev_pcr_read(struct tpmdev *t, unsigned int pcr, uint8_t value[32], int timeout_ms,
		    char *why, size_t whylen)
{
	uint8_t cmd[TPM2_PCR_READ_CMD_SIZE];
	int n = tpm2_pcr_read_build(cmd, sizeof(cmd), pcr);

	if (n < 0)
		return why_fail(why, whylen, n, "PCR %u: not a PCR (0..%d)", pcr,
				TPM2_PCR_COUNT - 1);
	return command(t, cmd, (size_t)n, pcr, value, timeout_ms, why, whylen);
}

int tpmdev_extend(struct tpmdev *t, unsigned int pcr, const uint8_t digest[32], uint8_t after[32],
		  int timeout_ms, char *why, size_t whylen)
{
	uint8_t cmd[TPM2_EXTEND_CMD_SIZE], want[32];
	char got_hex[65], want_hex[65];
	int n, err;

	if (!sysroot_is_redirected() && !machine_may_act())
		return why_fail(why, whylen, -EPERM,
				"extending PCR %u of this machine's TPM is not allowed in this run",
				pcr);
	n = tpm2_extend_build(cmd, sizeof(cmd), pcr, digest);
	if (n < 0)
		return why_fail(why, whylen, n, "PCR %u: not a PCR (0..%d)", pcr,
				TPM2_PCR_COUNT - 1);
	err = tpmdev_pcr_read(t, pcr, want, timeout_ms, why, whylen);
	if (!err)
		err = command(t, cmd, (size_t)n, pcr, NULL, timeout_ms, why, whylen);
	if (!err)
		err = tpmdev_pcr_read(t, pcr, after, timeout_ms, why, whylen);
	if (err)
		return err;
	measlog_fold(want, digest);
	if (!memcmp(after, want, 32))
		return 0;
	tpmev_hex(after, got_hex);
	tpmev_hex(want, want_hex);
	return why_fail(why, whylen, -EIO,
			"PCR %u reads %s after the extend, not SHA-256(before || digest) = %s", pcr,
			got_hex, want_hex);
}

void tpmdev_close(struct tpmdev *t)
{
	if (t->fd >= 0 && !t->hung)
		close(t->fd);
	if (!t->hung)
		t->fd = -1;
}
