// Linux system calls Swift's Glibc module does not expose (they need _GNU_SOURCE).
#ifndef SENDIT_CSYSTEM_H
#define SENDIT_CSYSTEM_H
#ifdef __linux__
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <errno.h>

/// Queues a file range for writeback without waiting (SYNC_FILE_RANGE_WRITE).
static inline int sendit_start_writeback(int fd, long long offset, long long length) {
    return sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE);
}

/// The file system type (statfs f_type magic) of the file system holding `path`, or 0.
static inline long sendit_filesystem_type(const char *path) {
    struct statfs fs;
    return statfs(path, &fs) == 0 ? (long)fs.f_type : 0;
}

/// rename(2) that fails with EEXIST instead of replacing an existing target (RENAME_NOREPLACE).
static inline int sendit_rename_noreplace(const char *from, const char *to) {
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

/// copy_file_range(2): copies up to `length` bytes from `in` at `*in_offset` (advanced) to `out`
/// at its file position, inside the kernel. Bytes copied, 0 at the end of `in`, or -1 and errno.
static inline long long sendit_copy_file_range(int in, long long *in_offset, int out, long long length) {
    __off64_t offset = *in_offset;
    ssize_t r = copy_file_range(in, &offset, out, NULL, (size_t)length, 0);
    *in_offset = offset;
    return r;
}

/// syncfs(2): writes out and flushes everything of the file system holding `fd`.
static inline int sendit_syncfs(int fd) {
    return syncfs(fd);
}

/// The CPUs this process may run on (sched_getaffinity: taskset, cpusets), or 0 if unknown.
static inline int sendit_affinity_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    return sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 0;
}

/// The calling thread's id (gettid), for per-thread calls such as setpriority.
static inline int sendit_gettid(void) {
    return (int)syscall(SYS_gettid);
}
#else
static inline int sendit_gettid(void) { return 0; }
static inline int sendit_affinity_cpu_count(void) { return 0; }
#include <errno.h>
static inline int sendit_syncfs(int fd) {
    errno = ENOSYS;
    return -1;
}
static inline long long sendit_copy_file_range(int in, long long *in_offset, int out, long long length) {
    errno = ENOSYS;
    return -1;
}
static inline int sendit_rename_noreplace(const char *from, const char *to) { return -1; }
static inline int sendit_start_writeback(int fd, long long offset, long long length) { return 0; }
static inline long sendit_filesystem_type(const char *path) { return 0; }
#endif
#endif
