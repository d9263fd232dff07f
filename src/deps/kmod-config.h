/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kmod-config.h - hand-written stand-in for the config.h that kmod's
 * autoconf run would generate, used by src/deps/fetch-build.sh to compile
 * the libkmod/ and shared/ C sources straight into a static libkmod.a.
 *
 * kmod's configure refuses --enable-static, so we do not use its build
 * system; this file answers, for musl on Linux, the questions configure.ac
 * would have asked. It is force-included (-include) into every kmod source
 * file, exactly as kmod's own Makefile.am does with its generated config.h.
 *
 * Written for Debian bookworm's kmod 30. If a newer kmod is fetched and fails
 * to build, compare this file with that version's configure.ac.
 */
#ifndef GPUGATE_KMOD_CONFIG_H
#define GPUGATE_KMOD_CONFIG_H

/* AC_USE_SYSTEM_EXTENSIONS: secure_getenv, strndup, be32toh, ... */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

/* AC_SYS_LARGEFILE: musl's off_t is always 64-bit; kept for clarity. */
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif

#define PACKAGE "kmod"
#define VERSION "30"

/*
 * Where modprobe.d lives (kmod's Makefile.am passes -DSYSCONFDIR on the
 * command line; Debian configures kmod with --sysconfdir=/etc). The other
 * search paths (/run, /usr/local/lib, /lib/modprobe.d) and /lib/modules are
 * compiled into libkmod.c itself in kmod 30, so DISTCONFDIR and
 * MODULE_DIRECTORY (kmod 31+) are not needed, but harmless to define.
 */
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef DISTCONFDIR
#define DISTCONFDIR "/lib"
#endif
#ifndef MODULE_DIRECTORY
#define MODULE_DIRECTORY "/lib/modules"
#endif

/*
 * Features: no decompression in libkmod (zstd, xz, zlib) and no libcrypto
 * for signature details. A compressed module (.ko.xz, .ko.zst, .ko.gz)
 * opens as a plain file, so libkmod hands its descriptor to finit_module()
 * below, and gpugate's finit_module() asks the kernel to decompress it
 * (MODULE_INIT_COMPRESSED_FILE), or, on a kernel that cannot, decompresses
 * it itself with the liblzma, libzstd and zlib linked into gpugate and
 * calls init_module(): either way the kernel checks the signature inside
 * the payload. See docs/design.md, "Compressed modules".
 * The string mimics what configure prints for such a build.
 */
#define KMOD_FEATURES "-ZSTD -XZ -ZLIB -LIBCRYPTO -EXPERIMENTAL"
/* #undef ENABLE_ZSTD */
/* #undef ENABLE_XZ */
/* #undef ENABLE_ZLIB */
/* #undef ENABLE_OPENSSL */
/* #undef ENABLE_EXPERIMENTAL */
/* #undef ENABLE_DEBUG */

/* Logging through kmod_set_log_fn() (Debian builds kmod with it). */
#define ENABLE_LOGGING 1

/* Function checks (AC_CHECK_FUNCS_ONCE) answered for musl 1.2. */
#define HAVE_SECURE_GETENV 1 /* musl: stdlib.h under _GNU_SOURCE */
/* #undef HAVE___SECURE_GETENV */
/* #undef HAVE___XSTAT */
/*
 * musl has no finit_module(): gpugate defines it (src/modload.c), so that
 * shared/missing.h's own syscall wrapper is not used and every module load
 * libkmod does with a file descriptor goes through gpugate's.
 */
#define HAVE_FINIT_MODULE 1
int finit_module(int fd, const char *uargs, int flags);

/* Compiler builtins (CC_CHECK_FUNC_BUILTIN): any GCC from the last decade. */
#define HAVE___BUILTIN_CLZ 1
#define HAVE___BUILTIN_TYPES_COMPATIBLE_P 1
#define HAVE___BUILTIN_UADDL_OVERFLOW 1
#define HAVE___BUILTIN_UADDLL_OVERFLOW 1

/* AC_CHECK_MEMBERS / AC_CHECK_DECLS_ONCE: 1 if present, 0 if not. */
#define HAVE_STRUCT_STAT_ST_MTIM 1
#define HAVE_DECL_STRNDUPA 0 /* musl has no strndupa; missing.h defines it */
#define HAVE_DECL_BE32TOH 1  /* musl: endian.h */

/* Kernel UAPI header, reached through the build/deps/shim include dir. */
#define HAVE_LINUX_MODULE_H 1

/* C11 keywords, checked by configure.ac with test compiles. */
#define HAVE_STATIC_ASSERT 1
#define HAVE_NORETURN 1

#endif /* GPUGATE_KMOD_CONFIG_H */
