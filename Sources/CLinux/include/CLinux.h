#ifndef REGIMEN_GUARD_CLINUX_H
#define REGIMEN_GUARD_CLINUX_H
// Linux calls that Swift's Glibc module does not expose (they need _GNU_SOURCE).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

/// rename(2) that fails with EEXIST instead of replacing the target. EINVAL where the filesystem lacks it.
static inline int rg_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
    return renameat2(olddirfd, oldpath, newdirfd, newpath, RENAME_NOREPLACE);
}

/// Commits the whole filesystem holding fd to stable storage: one flush for a batch of files.
static inline int rg_syncfs(int fd) {
    return syncfs(fd);
}

/// Whether no one holds the file open for writing: takes a read lease on fd (opened O_RDONLY) and gives it back
/// at once. 0: no writer; -1 with errno EAGAIN: a writer holds it; -1 with EACCES/EPERM/EINVAL: a lease is not
/// allowed here (not the file's owner and no CAP_LEASE in the initial user namespace, or a file system without
/// leases), so nothing is known.
static inline int rg_probe_read_lease(int fd) {
    if (fcntl(fd, F_SETLEASE, F_RDLCK) != 0) return -1;
    (void)fcntl(fd, F_SETLEASE, F_UNLCK);
    return 0;
}

/// Ignores SIGIO: a lease break is signalled with SIGIO, whose default action ends the process. The probe's lease
/// lives for microseconds; a writer opening meanwhile just waits for its release.
static inline void rg_ignore_sigio(void) {
    signal(SIGIO, SIG_IGN);
}
#endif
