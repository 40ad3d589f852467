#define _GNU_SOURCE 1
#include "cjobcontrol.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
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

int jc_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

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

void jc_reset_signals(void) {
    sigset_t none;
    sigemptyset(&none);
    for (int s = 1; s < NSIG; s++) {
        if (s == SIGKILL || s == SIGSTOP) continue;
        signal(s, SIG_DFL);
    }
    sigprocmask(SIG_SETMASK, &none, NULL);
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

// Between fork and exec only async-signal-safe calls: no malloc, no stdio.
static void report_and_exit(int fd, int stage) {
    int msg[2] = { stage, errno };  // capture errno before write() can change it
    ssize_t r = write(fd, msg, sizeof msg);
    (void)r;
    _exit(127);
}

static int move_fd(int from, int to) {
    if (from == to) {
        int flags = fcntl(from, F_GETFD);
        return flags < 0 ? -1 : fcntl(from, F_SETFD, flags & ~FD_CLOEXEC);
    }
    return dup2(from, to) < 0 ? -1 : 0;
}

pid_t jc_fork_exec(const struct jc_exec_spec *spec) {
    pid_t pid = fork();
    if (pid != 0) return pid;

    int efd = spec->error_fd;
    jc_reset_signals();
    if (spec->new_session && setsid() < 0) report_and_exit(efd, JC_STAGE_SETUP);
    if (spec->parent_death_signal) {
        prctl(PR_SET_PDEATHSIG, spec->parent_death_signal, 0, 0, 0);
    }
    // The error pipe must not land on 0..2: move it above them first.
    if (efd <= 2) {
        int moved = fcntl(efd, F_DUPFD_CLOEXEC, 3);
        if (moved < 0) _exit(127);
        efd = moved;
    }
    int fds[3] = { spec->stdin_fd, spec->stdout_fd, spec->stderr_fd };
    // dup2 in an order that cannot clobber a source still needed: copy any
    // source that sits on 0..2 out of the way first.
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0 && fds[i] <= 2 && fds[i] != i) {
            int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
            if (moved < 0) report_and_exit(efd, JC_STAGE_SETUP);
            for (int j = i; j < 3; j++) if (fds[j] == fds[i]) fds[j] = moved;
        }
    }
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0 && move_fd(fds[i], i) < 0) report_and_exit(efd, JC_STAGE_SETUP);
    }
    // Nothing else of ours leaks into the job: a caller's pipe held open by a
    // job would keep `$(jobctl spawn ...)` from returning.
    if (efd > 3) syscall(SYS_close_range, 3, efd - 1, 0);
    syscall(SYS_close_range, efd + 1, ~0U, 0);
    if (spec->cwd && chdir(spec->cwd) < 0) report_and_exit(efd, JC_STAGE_CHDIR);
    environ = (char **)spec->envp;
    execvp(spec->argv[0], spec->argv);
    report_and_exit(efd, JC_STAGE_EXEC);
    return -1;
}
