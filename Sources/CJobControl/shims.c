#define _GNU_SOURCE 1
#include "cjobcontrol.h"

#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <fcntl.h>
#include <stdlib.h>
#include <malloc.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

extern char **environ;

int jc_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int jc_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int jc_pidfd_send_sigval(int pidfd, int sig, uint64_t value) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = sig;
    // The kernel accepts a caller-made siginfo for another process only with
    // a negative si_code (rt_sigqueueinfo(2)); SI_QUEUE is what sigqueue uses.
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_uid = getuid();
    info.si_value.sival_ptr = (void *)(uintptr_t)value;
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, &info, 0);
}

int jc_read_proc_stat(pid_t pid, struct jc_proc_stat *out) {
    char path[32], buf[1024];
    // Small and fixed: a hand-rolled decimal print keeps snprintf out.
    char digits[12];
    int n = 0;
    unsigned v = (unsigned)pid;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v && n < 11);
    memcpy(path, "/proc/", 6);
    int k = 6;
    while (n) path[k++] = digits[--n];
    memcpy(path + k, "/stat", 6);
    // errno tells the caller whether the process is gone (ENOENT, ESRCH)
    // or could not be looked at (EMFILE: no descriptor left).
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t len;
    do { len = read(fd, buf, sizeof buf - 1); } while (len < 0 && errno == EINTR);
    int read_errno = errno;
    close(fd);
    if (len < 0) { errno = read_errno; return -1; }
    if (len == 0) { errno = ESRCH; return -1; }
    buf[len] = 0;
    // comm may hold spaces and parentheses: it ends at the last ')'.
    char *open_paren = memchr(buf, '(', (size_t)len);
    char *close_paren = NULL;
    for (char *p = buf + len - 1; p > buf; p--) if (*p == ')') { close_paren = p; break; }
    if (!open_paren || !close_paren || close_paren < open_paren) { errno = ESRCH; return -1; }
    size_t clen = (size_t)(close_paren - open_paren - 1);
    if (clen > 15) clen = 15;
    memcpy(out->comm, open_paren + 1, clen);
    out->comm[clen] = 0;
    // Fields from 3 on, space separated: state ppid pgrp session ... (22) starttime.
    char *p = close_paren + 2;
    if (p >= buf + len) { errno = ESRCH; return -1; }
    out->state = *p;
    unsigned long long f[20];
    int field = 0;
    p++;
    while (*p && field < 20) {
        while (*p == ' ') p++;
        int neg = 0;
        if (*p == '-') { neg = 1; p++; }
        unsigned long long x = 0;
        while (*p >= '0' && *p <= '9') x = x * 10 + (unsigned long long)(*p++ - '0');
        f[field++] = neg ? (unsigned long long)-(long long)x : x;
        while (*p && *p != ' ') p++;
    }
    if (field < 19) { errno = ESRCH; return -1; }
    out->ppid = (int)f[0];
    out->pgrp = (int)f[1];
    out->session = (int)f[2];
    out->start_time = f[18];
    return 0;
}

void jc_close_all_except(const int *keep, int count) {
    // Walk the gaps between the kept descriptors in ascending order.
    int lo = 3;
    for (;;) {
        int next = -1;
        for (int i = 0; i < count; i++) {
            if (keep[i] >= lo && (next < 0 || keep[i] < next)) next = keep[i];
        }
        if (next < 0) { syscall(SYS_close_range, lo, ~0U, 0); return; }
        if (next > lo) syscall(SYS_close_range, lo, next - 1, 0);
        lo = next + 1;
    }
}

void jc_drop_readonly_file_pages(void) {
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    char buf[16384];
    ssize_t len = 0, n;
    while (len < (ssize_t)sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - (size_t)len)) > 0) len += n;
    close(fd);
    buf[len > 0 ? len : 0] = 0;
    // Lines: start-end perms offset dev inode path. Only executable text:
    // never written, so discarding it loses nothing and it is reread. Not
    // every read-only mapping: RELRO pages (the GOT) were written by the
    // relocations before being made read-only, and would come back unrelocated.
    for (char *line = buf; line && *line; ) {
        char *next = strchr(line, '\n');
        if (next) *next++ = 0;
        unsigned long start = strtoul(line, &line, 16);
        unsigned long end = strtoul(line + 1, &line, 16);
        char perms[5] = {0};
        if (*line == ' ') memcpy(perms, line + 1, 4);
        char *path = strchr(line, '/');
        if (path && perms[0] == 'r' && perms[1] == '-' && perms[2] == 'x' && perms[3] == 'p' && end > start) {
            madvise((void *)start, end - start, MADV_DONTNEED);
        }
        line = next;
    }
    // And the heap: what spawn allocated and freed before the fork is
    // garbage here, but its pages were copied in; give the free ones back.
    malloc_trim(0);
}

static void noop_handler(int sig) { (void)sig; }

int jc_flock_timeout(int fd, int op, int64_t ns) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = noop_handler;  // no SA_RESTART: flock returns EINTR
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old);
    sigset_t alrm, oldmask;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    sigprocmask(SIG_UNBLOCK, &alrm, &oldmask);
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = ns / 1000000000;
    it.it_value.tv_usec = (ns % 1000000000) / 1000;
    if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0) it.it_value.tv_usec = 1;
    setitimer(ITIMER_REAL, &it, NULL);
    int r = flock(fd, op);
    int e = errno;
    struct itimerval off;
    memset(&off, 0, sizeof off);
    setitimer(ITIMER_REAL, &off, NULL);
    sigprocmask(SIG_SETMASK, &oldmask, NULL);
    sigaction(SIGALRM, &old, NULL);
    if (r == 0) return 0;
    errno = e == EINTR ? EWOULDBLOCK : e;
    return -1;
}

void *jc_memrchr(const void *s, int c, size_t n) { return memrchr(s, c, n); }

int jc_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

ssize_t jc_splice_to_file(int from, int to, int64_t *offset, size_t len) {
    loff_t off = *offset;
    ssize_t n = splice(from, NULL, to, &off, len, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
    *offset = off;
    return n;
}

int jc_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int jc_epoll_add(int ep, int fd) {
    struct epoll_event e = { .events = EPOLLIN, .data.fd = fd };
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

int jc_epoll_ready(int ep, int *fds, int max) {
    struct epoll_event ev[16];
    if (max > 16) max = 16;
    int n = epoll_wait(ep, ev, max, 0);
    for (int k = 0; k < n; k++) fds[k] = ev[k].data.fd;
    return n;
}

ssize_t jc_copy_file_range(int in, int64_t *in_off, int out, int64_t *out_off, size_t len) {
    loff_t a = *in_off, b = *out_off;
    ssize_t n = copy_file_range(in, &a, out, &b, len, 0);
    *in_off = a;
    *out_off = b;
    return n;
}

int jc_rename_noreplace(int dir, const char *from, const char *to) {
    return renameat2(dir, from, dir, to, RENAME_NOREPLACE);
}

int jc_rename_exchange(int dir, const char *a, const char *b) {
    return renameat2(dir, a, dir, b, RENAME_EXCHANGE);
}

int jc_fallocate(int fd, int64_t offset, int64_t len) {
    int r;
    do { r = fallocate(fd, 0, (off_t)offset, (off_t)len); } while (r < 0 && errno == EINTR);
    if (r == 0 || errno != EOPNOTSUPP) return r;
    static const char zeros[4096];
    while (len > 0) {
        size_t n = len > (int64_t)sizeof zeros ? sizeof zeros : (size_t)len;
        ssize_t w = pwrite(fd, zeros, n, (off_t)offset);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        offset += w;
        len -= w;
    }
    return 0;
}

int jc_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }
int jc_set_name(const char *name) { return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0); }

int jc_wifexited(int s) { return WIFEXITED(s); }
int jc_wexitstatus(int s) { return WEXITSTATUS(s); }
int jc_wifsignaled(int s) { return WIFSIGNALED(s); }
int jc_wtermsig(int s) { return WTERMSIG(s); }
int jc_sigrtmin(void) { return SIGRTMIN; }

int jc_signalfd(const int *sigs, int count) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) sigaddset(&set, sigs[i]);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int jc_signalfd_read(int fd, int *signo, pid_t *sender, uint64_t *value) {
    struct signalfd_siginfo si;
    ssize_t n;
    do { n = read(fd, &si, sizeof si); } while (n < 0 && errno == EINTR);
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    if (n != (ssize_t)sizeof si) { errno = EIO; return -1; }
    *signo = (int)si.ssi_signo;
    *sender = (pid_t)si.ssi_pid;
    *value = si.ssi_code == SI_QUEUE ? si.ssi_ptr : 0;
    return 1;
}

int jc_timerfd_create(void) {
    return timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
}

int jc_timerfd_arm(int fd, int64_t ns) {
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (ns > 0) {
        its.it_value.tv_sec = ns / 1000000000;
        its.it_value.tv_nsec = ns % 1000000000;
    }
    return timerfd_settime(fd, 0, &its, NULL);
}

// The child shares the monitor's memory until it execs: it may only write
// to its own stack and to the result fields below, and call only
// async-signal-safe functions.
struct child_args {
    const struct jc_exec_spec *spec;
    char **saved_environ;
    volatile int stage, err;
};

static int fail(struct child_args *a, int stage) {
    a->err = errno;  // capture errno before anything else can change it
    a->stage = stage;
    _exit(127);
}

static int move_fd(int from, int to) {
    if (from == to) {
        int flags = fcntl(from, F_GETFD);
        return flags < 0 ? -1 : fcntl(from, F_SETFD, flags & ~FD_CLOEXEC);
    }
    return dup2(from, to) < 0 ? -1 : 0;
}

static int child_main(void *arg) {
    struct child_args *a = arg;
    const struct jc_exec_spec *spec = a->spec;
    // Handlers are the monitor's; without CLONE_SIGHAND this table is ours.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) {
        if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, NULL);
    }
    if (spec->new_session && setsid() < 0) fail(a, JC_STAGE_SETUP);
    if (spec->parent_death_signal) prctl(PR_SET_PDEATHSIG, spec->parent_death_signal, 0, 0, 0);
    int fds[3] = { spec->stdin_fd, spec->stdout_fd, spec->stderr_fd };
    // dup2 in an order that cannot clobber a source still needed: copy any
    // source that sits on 0..2 (and is not already in place) out of the way.
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0 && fds[i] <= 2 && fds[i] != i) {
            int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
            if (moved < 0) fail(a, JC_STAGE_SETUP);
            for (int j = i + 1; j < 3; j++) if (fds[j] == fds[i]) fds[j] = moved;
            fds[i] = moved;
        }
    }
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0 && move_fd(fds[i], i) < 0) fail(a, JC_STAGE_SETUP);
    }
    // Nothing else of ours leaks into the job: a caller's pipe held open by a
    // job would keep `$(jobctl spawn ...)` from returning. Only a lock the
    // job is to hold stays open.
    // Locks the job holds for its whole life (`--lock`, its pool slot) stay
    // open, so that they are freed only once the job's last process is gone.
    int keep[2] = { spec->keep_fd, spec->keep_fd2 };
    if (keep[0] > keep[1]) { int t = keep[0]; keep[0] = keep[1]; keep[1] = t; }
    int lo = 3;
    for (int i = 0; i < 2; i++) {
        if (keep[i] < lo) continue;
        if (keep[i] > lo) syscall(SYS_close_range, lo, keep[i] - 1, 0);
        int flags = fcntl(keep[i], F_GETFD);
        if (flags >= 0) fcntl(keep[i], F_SETFD, flags & ~FD_CLOEXEC);
        lo = keep[i] + 1;
    }
    syscall(SYS_close_range, lo, ~0U, 0);
    if (spec->cwd && chdir(spec->cwd) < 0) fail(a, JC_STAGE_CHDIR);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    // execvp searches the job's own PATH (as env(1) would) through environ;
    // the monitor puts its own environ back once we have exec'd.
    environ = (char **)spec->envp;
    execvp(spec->argv[0], spec->argv);
    return fail(a, JC_STAGE_EXEC);
}

pid_t jc_spawn_job(const struct jc_exec_spec *spec, int *stage, int *err) {
    static char *stack;
    static const size_t stack_size = 256 * 1024;
    if (!stack) {
        stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (stack == MAP_FAILED) { stack = NULL; return -1; }
    }
    struct child_args a = { spec, environ, 0, 0 };
    // No handler of ours may run in the child while it shares our memory.
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    pid_t pid = clone(child_main, stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
    int clone_errno = errno;
    environ = a.saved_environ;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) { errno = clone_errno; return -1; }
    *stage = a.stage;
    *err = a.err;
    return pid;
}

// System calls that never touch errno: the parent of jc_clone_and_exit
// shares its errno (thread-local storage) with a child running meanwhile.
static long raw_syscall3(long n, long a, long b, long c) {
#if defined(__x86_64__)
    long ret;
    __asm__ volatile ("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile ("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
#else
#error "raw_syscall3: add this architecture"
#endif
}

int jc_clone_and_exit(int (*fn)(void *), void *arg, int status_read, int status_write) {
    // The monitor's whole life runs on this stack: 8 MiB reserved, as a
    // main thread gets, paid for only as it is touched; a guard page below.
    const size_t size = 8u << 20, guard = 64u << 10;
    char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
    if (stack == MAP_FAILED) return errno;
    mprotect(stack, guard, PROT_NONE);
    pid_t pid = clone(fn, stack + size, CLONE_VM | SIGCHLD, arg);
    if (pid < 0) {
        int e = errno;
        munmap(stack, size);
        return e;
    }
    // From here the child runs Swift in our memory: raw system calls only.
    raw_syscall3(SYS_close, status_write, 0, 0);
    int32_t code = 0;
    size_t got = 0;
    while (got < sizeof code) {
        long n = raw_syscall3(SYS_read, status_read, (long)((char *)&code + got), (long)(sizeof code - got));
        if (n == -EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    if (got < sizeof code) {
        static const char msg[] = "jobctl: spawn: the job's monitor died before the job started\n";
        raw_syscall3(SYS_write, 2, (long)msg, sizeof msg - 1);
        code = 1;
    }
    // Our exit must not write to the shared memory either: the kernel would
    // clear the thread id glibc keeps there (CLONE_CHILD_CLEARTID).
    raw_syscall3(SYS_set_tid_address, 0, 0, 0);
    for (;;) raw_syscall3(SYS_exit_group, code, 0, 0);
}

void jc_hand_over(int status_write, int32_t code) {
    ssize_t n;
    do { n = write(status_write, &code, sizeof code); } while (n < 0 && errno == EINTR);
    close(status_write);
}
