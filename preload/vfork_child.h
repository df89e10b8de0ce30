// Is the calling process a vfork child still running in its parent's memory?
//
// Between vfork (or any clone with CLONE_VM but without CLONE_THREAD) and exec, a child
// runs on its parent's stack, in its parent's memory, with its parent thread's TLS. Every
// interposer it reaches (close, dup2, write, sigaction...) therefore writes our state,
// for the parent: a tid cached in TLS would become the parent thread's tid, a descriptor
// classified through the child's descriptor table would label the parent's calls, a
// SIGPROF action the child "installs" would replace the parent's. No atfork handler runs
// for vfork (nor for glibc's posix_spawn, which clones with CLONE_VM|CLONE_VFORK), and a
// function that returns twice cannot be wrapped, so vfork itself is not interposed.
//
// Instead the few places that *remember* something learn whether they run in such a
// child by asking the kernel: getpid() differs from the pid this memory belongs to,
// which we record at start-up and keep current across fork with an atfork handler.
// That costs one system call, so only slow paths ask: filling a per-thread or
// per-descriptor cache (once per thread or descriptor), and calls that are rare anyway
// (sigaction of SIGPROF). The fast paths stay a TLS load and a branch (DESIGN.md §2.8);
// what they write in a vfork child (counters, forgetting a descriptor) is harmless to
// the parent by construction.
//
// glibc's own posix_spawn child (and so popen and system, which use it in glibc 2.36)
// calls only libc-internal functions (__dup2, __close_nocancel, __libc_sigaction...),
// which never reach our interposers; this is for programs' own vfork, as shells do.
//
// A process created by a raw clone without CLONE_VM and without atfork handlers (the
// clone system call, _Fork) also has a pid other than the recorded one: it is treated
// as a vfork child, which only means it caches less.
//
// Async-signal-safe.
#pragma once

namespace cxxprof {

// Records this process's pid and, the first time, registers the atfork handler that
// records a forked child's. Call first thing in the constructor: atfork child handlers
// run in registration order, so later handlers already see the child's pid.
void track_process_pid();

// True if the calling process is not the one whose pid track_process_pid recorded (a
// vfork child before exec); false before track_process_pid was called. One getpid system
// call: for slow paths only.
bool in_vfork_child();

}  // namespace cxxprof
