#ifndef REGIMEN_GUARD_CLINUX_H
#define REGIMEN_GUARD_CLINUX_H
// Linux calls that Swift's Glibc module does not expose (they need _GNU_SOURCE).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
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
#endif
