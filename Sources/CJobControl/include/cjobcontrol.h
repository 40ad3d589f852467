// What Swift cannot call cleanly on Linux: variadic syscall()/prctl(), the
// W* status macros, siginfo_t with a payload, and the child side of fork→exec,
// where only async-signal-safe C may run.
#ifndef CJOBCONTROL_H
#define CJOBCONTROL_H

// No _GNU_SOURCE here: Swift imports this header beside Glibc's own module,
// and the two must see the same declarations. shims.c defines it.
#include <stdint.h>
#include <sys/types.h>

/// pidfd_open(2); -1 and errno on failure. The fd is close-on-exec.
int jc_pidfd_open(pid_t pid);
/// pidfd_send_signal(2) with no payload.
int jc_pidfd_send_signal(int pidfd, int sig);
/// pidfd_send_signal(2) with si_code SI_QUEUE and `value` in si_value, as
/// sigqueue(3) does: how `jobctl kill` hands a request to a job's monitor.
int jc_pidfd_send_sigval(int pidfd, int sig, uint64_t value);

/// The fields of /proc/PID/stat that jobctl uses, read into a stack buffer
/// (it runs on every spawn, for each ancestor). comm gets at most 15 bytes
/// and a NUL. Returns 0, or -1 with errno ENOENT or ESRCH if the process
/// does not exist, or another errno (EMFILE) if it could not be looked at.
struct jc_proc_stat {
    char comm[16];
    char state;
    int ppid, pgrp, session;
    unsigned long long start_time;
};
int jc_read_proc_stat(pid_t pid, struct jc_proc_stat *out);

/// Closes every descriptor from 3 up except those in `keep` (close_range(2)).
void jc_close_all_except(const int *keep, int count);

/// Drops this process's page-table entries for its executable file mappings
/// (the program's text): pages used again fault back in from the page cache. A monitor calls it once its job runs, so it keeps only
/// the pages its event loop touches.
void jc_drop_readonly_file_pages(void);

/// flock(fd, op) that gives up after `ns` nanoseconds (op without LOCK_NB):
/// 0 once locked, -1 with errno EWOULDBLOCK on timeout, or another errno.
/// A timer signal with a no-op handler (no SA_RESTART) interrupts the wait.
int jc_flock_timeout(int fd, int op, int64_t ns);

/// Extends `fd` by `len` bytes from `offset`, allocated (fallocate(2));
/// where the file system cannot, writes zeros instead. 0, or -1 and errno.
int jc_fallocate(int fd, int64_t offset, int64_t len);

/// memrchr(3), a GNU extension this header cannot declare.
void *jc_memrchr(const void *s, int c, size_t n);

/// renameat2(dir, from, dir, to, RENAME_NOREPLACE): fails with EEXIST
/// rather than replace `to`.
int jc_rename_noreplace(int dir, const char *from, const char *to);
/// renameat2(dir, a, dir, b, RENAME_EXCHANGE): swaps the two names at once.
int jc_rename_exchange(int dir, const char *a, const char *b);

/// pipe2(fds, O_CLOEXEC).
int jc_pipe_cloexec(int fds[2]);

/// splice(2) of up to `len` bytes from the pipe `from` into the file `to`
/// at `*offset` (advanced), without waiting on the pipe: the bytes, 0 at
/// EOF, or -1 and errno (EAGAIN: the pipe is empty).
ssize_t jc_splice_to_file(int from, int to, int64_t *offset, size_t len);
/// epoll_create1(EPOLL_CLOEXEC).
int jc_epoll_create(void);
/// Adds `fd` to `ep` for reading (level-triggered), its number as the data.
int jc_epoll_add(int ep, int fd);
/// epoll_wait(2) without waiting: up to `max` ready descriptors into `fds`,
/// in the order they became ready (the kernel's ready list is first come,
/// first served); their count, or -1 and errno.
int jc_epoll_ready(int ep, int *fds, int max);
/// copy_file_range(2) from `*in_off` of `in` to `*out_off` of `out`.
ssize_t jc_copy_file_range(int in, int64_t *in_off, int out, int64_t *out_off, size_t len);

int jc_set_child_subreaper(void);
/// Sets the calling process's name (what ps(1) and /proc/PID/stat show).
int jc_set_name(const char *name);

int jc_wifexited(int status);
int jc_wexitstatus(int status);
int jc_wifsignaled(int status);
int jc_wtermsig(int status);

/// Blocks `sigs` and returns a close-on-exec, non-blocking signalfd for them.
int jc_signalfd(const int *sigs, int count);
/// Reads one signalfd record: 1 on success, 0 if none is pending, -1 on error.
int jc_signalfd_read(int fd, int *signo, pid_t *sender, uint64_t *value);
int jc_sigrtmin(void);

/// A monotonic timerfd, close-on-exec and non-blocking.
int jc_timerfd_create(void);
/// Arms `fd` to fire once after `ns` nanoseconds (0 disarms).
int jc_timerfd_arm(int fd, int64_t ns);

/// Starts `fn(arg)` in a child process that shares this one's memory
/// (clone(2) with CLONE_VM, on a fresh stack: no page table or heap is
/// copied), closes `status_write` here, and waits for the child to hand over
/// the status this process is to exit with (`jc_hand_over`), then exits with
/// it: on success it never returns, and from the clone on it runs only raw
/// system calls, touching no memory but its own stack, so that the child may
/// run freely. If the child dies first, says so on stderr and exits 1.
/// Returns an errno only if the child could not be started.
int jc_clone_and_exit(int (*fn)(void *), void *arg, int status_read, int status_write);
/// The child's side: writes `code` to the status pipe and closes it. The
/// parent exits at once; its memory (which the child shares) is the child's.
void jc_hand_over(int status_write, int32_t code);

/// How the job child is set up between fork and exec.
struct jc_exec_spec {
    char *const *argv;       // NULL-terminated; argv[0] is searched in PATH
    char *const *envp;       // NULL-terminated environment for the command
    const char *cwd;         // NULL: stay where we are
    int stdin_fd, stdout_fd, stderr_fd;
    int new_session;         // setsid(): own session and process group
    int keep_fd;             // a descriptor the command inherits (a lock), or -1
    int keep_fd2;            // another (a pool slot), or -1
    int parent_death_signal; // 0: none
};

/// Where the child failed.
#define JC_STAGE_CHDIR 1
#define JC_STAGE_EXEC 2
#define JC_STAGE_SETUP 3

/// Starts the job as glibc's posix_spawn does: clone(CLONE_VM|CLONE_VFORK)
/// on a private stack, so the monitor's address space is neither copied nor
/// torn down, and the caller resumes only once the child has exec'd or
/// failed. Returns the pid; if the child failed, also sets *stage and *err
/// (the child has exited 127 and must be reaped). -1 with errno if clone failed.
pid_t jc_spawn_job(const struct jc_exec_spec *spec, int *stage, int *err);

#endif
