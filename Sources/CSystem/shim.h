// Linux system calls Swift's Glibc module does not expose (they need _GNU_SOURCE).
#ifndef SENDIT_CSYSTEM_H
#define SENDIT_CSYSTEM_H
#ifdef __linux__
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <sys/vfs.h>

/// Queues a file range for writeback without waiting (SYNC_FILE_RANGE_WRITE).
static inline int sendit_start_writeback(int fd, long long offset, long long length) {
    return sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE);
}

/// The file system type (statfs f_type magic) of the file system holding `path`, or 0.
static inline long sendit_filesystem_type(const char *path) {
    struct statfs fs;
    return statfs(path, &fs) == 0 ? (long)fs.f_type : 0;
}
#else
static inline int sendit_start_writeback(int fd, long long offset, long long length) { return 0; }
static inline long sendit_filesystem_type(const char *path) { return 0; }
#endif
#endif
