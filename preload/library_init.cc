// Start-up, fork and exit of the injected library.
//
// The constructor runs before the program's own constructors and main (LD_PRELOAD objects
// are initialized right after their dependencies). It reads CXXPROF_* (common/config),
// creates the raw store, records the loaded modules, installs the SIGPROF handler, arms a
// CPU timer for every thread that already exists, and starts the service thread if the
// wall profile or CXXDEBUG needs it.
//
// CXXDEBUG (preload/diagnostics.h) works with or without profiles. A process that records
// no profile but runs diagnostics (CXXPROF_CPU=0, a --no-follow descendant, or LD_PRELOAD
// with CXXDEBUG and no CXXPROF_* profile variable) gets a store in memory instead of a
// file — the module table and stack capture need one — and no SIGPROF handler or timers.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "common/text.h"
#include "common/version.h"
#include "include/cxxprof.h"
#include "preload/cpu_timer.h"
#include "preload/diagnostics.h"
#include "preload/interposers.h"
#include "preload/module_tracker.h"
#include "preload/profiler_state.h"
#include "preload/proc_files.h"
#include "preload/real_function.h"
#include "preload/sampling_handler.h"
#include "preload/service_thread.h"
#include "preload/startup_hooks.h"
#include "preload/thread_state.h"
#include "preload/vfork_child.h"

extern char* program_invocation_short_name;

namespace cxxprof {
namespace {

char g_output_dir[kMaxPath];
// True when this process records profiles into g_output_dir; false when its store is in
// memory, for CXXDEBUG alone.
bool g_profiles_on = false;

const char* lookup_environment(const char* name) { return getenv(name); }

void warn_line(void*, const char* line) { write_diagnostic(line); }

// mkdir -p with mode 0700 for what we create; existing directories are left as they are.
bool make_directories(const char* path) {
  char partial[kMaxPath];
  size_t length = std::strlen(path);
  if (length == 0 || length >= sizeof(partial)) return false;
  std::memcpy(partial, path, length + 1);
  for (size_t i = 1; i <= length; ++i) {
    if (partial[i] != '/' && partial[i] != '\0') continue;
    char saved = partial[i];
    partial[i] = '\0';
    if (mkdir(partial, 0700) != 0 && errno != EEXIST) return false;
    partial[i] = saved;
  }
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void choose_output_directory(const Config& config) {
  TextBuffer dir(g_output_dir, sizeof(g_output_dir));
  if (config.output_dir[0] != '\0') {
    dir.append(config.output_dir);
  } else {
    dir.append("./cxxprof.").append(program_invocation_short_name).append(".")
        .append_i64(getpid());
  }
}

void arm_existing_thread(pid_t tid, void*) {
  if (tid == current_tid()) return;
  arm_cpu_timer_for_thread(tid, profiler().cpu_period_ns);
}

// What is left of a Config when only CXXDEBUG runs: no profile, so no timer, no SIGPROF
// and no event profile in this process.
void switch_profiles_off(Config* config) {
  config->cpu_hz = 0;
  config->wall_hz = 0;
  config->heap_rate = 0;
  config->mutex_fraction = 0;
  config->block_rate = 0;
  config->io_rate = 0;
  g_profiles_on = false;
}

// Everything that makes this process record samples into a fresh store. Used by the
// constructor and by a forked child.
bool start_profiling(bool existing_threads) {
  ProfilerState& state = profiler();
  if (!state.store.create(g_profiles_on ? g_output_dir : nullptr, state.config)) return false;
  state.cpu_period_ns = state.store.header()->cpu_period_ns;
  state.wall_period_ns = state.store.header()->wall_period_ns;
  refresh_modules(state.store, true);
  ThreadState& main_thread = current_thread();
  if (main_thread.stack_high == 0) learn_stack_bounds(main_thread);
  state.active.store(true, std::memory_order_release);
  run_start_hooks(state.store);
  if (state.cpu_period_ns != 0) {
    arm_cpu_timer_for_current_thread(main_thread, state.cpu_period_ns);
    if (existing_threads) for_each_thread(&arm_existing_thread, nullptr);
  }
  // Only for work that needs it: see service_thread.h for why a thread of ours is avoided.
  if (service_thread_needed() && !start_service_thread(real_pthread_create())) {
    write_diagnostic("cannot start the service thread; wall profile and CXXDEBUG timers off");
  }
  return true;
}

void child_after_fork() {
  ProfilerState& state = profiler();
  if (!state.active.load(std::memory_order_acquire)) return;
  // Nothing of the parent's profiling survives fork but memory: the timers, the service
  // thread and the right to write into the parent's file are gone.
  state.active.store(false, std::memory_order_release);
  state.store.abandon();
  ThreadState& thread = current_thread();
  thread.cpu_timer_armed = false;
  thread.tid = 0;  // the cached tid is the parent's thread's: the child has its own
  state.generation.fetch_add(1, std::memory_order_relaxed);
  forget_service_thread();
  reset_module_tracker_after_fork();
  if (!state.config.follow_children) {
    if (!diagnostics_on()) return;
    switch_profiles_off(&state.config);  // CXXDEBUG goes on in the child, profiles don't
  }
  hold_heap_diagnostics();
  start_profiling(false);
  release_heap_diagnostics();
}

bool is_dormant_descendant(const Config& config) {
  if (config.follow_children) return false;
  const char* root = getenv(kRootPidEnv);
  uint64_t root_pid = 0;
  return root != nullptr && parse_u64(root, &root_pid) && pid_t(root_pid) != getpid();
}

__attribute__((constructor)) void cxxprof_library_init() {
  // First: every later atfork child handler (child_after_fork) and every cache filled
  // from here on relies on knowing whether it runs in a vfork child.
  track_process_pid();
  ProfilerState& state = profiler();
  config_init(&state.config);
  config_from_environment(&state.config, &lookup_environment, &warn_line, nullptr);
  const bool diagnostics = read_diagnostic_settings();
  // CXXDEBUG says what is wanted: the implicit CPU profile is for a bare LD_PRELOAD.
  if (diagnostics && !config_profile_variable_set(&lookup_environment)) {
    switch_profiles_off(&state.config);
  }
  g_profiles_on = config_any_profile(state.config) && !is_dormant_descendant(state.config);
  if (g_profiles_on) {
    choose_output_directory(state.config);
    if (!make_directories(g_output_dir)) {
      char line[kMaxPath + 64];
      TextBuffer(line, sizeof(line)).append("cannot create ").append(g_output_dir)
          .append(": ").append(strerror(errno)).append("; profiling off");
      write_diagnostic(line);
      switch_profiles_off(&state.config);
    } else if (!install_sampling_handler()) {
      write_diagnostic("cannot install the SIGPROF handler; profiling off");
      switch_profiles_off(&state.config);
    }
  } else {
    switch_profiles_off(&state.config);
  }
  if (!g_profiles_on && !diagnostics) return;
  prepare_thread_exit_hook();
  resolve_exit_functions();
  // Interposers reached later from the program's signal handlers must not call dlsym.
  resolve_all_real_functions();
  pthread_atfork(nullptr, nullptr, &child_after_fork);
  start_profiling(true);
  release_heap_diagnostics();  // held since read_diagnostic_settings()
}

__attribute__((destructor)) void cxxprof_library_fini() {
  ProfilerState& state = profiler();
  if (!state.active.load(std::memory_order_acquire)) return;
  // A last scan records objects loaded since the start that no stack reached (harmless:
  // those a stack reached were recorded then).
  refresh_modules(state.store, false);
  state.store.mark_exit();
  finish_diagnostics();
  if (g_profiles_on && getenv(kLauncherEnv) == nullptr) {
    char line[kMaxPath + 160];
    TextBuffer(line, sizeof(line)).append("raw profile data in ").append(g_output_dir)
        .append("/").append_i64(getpid()).append(raw::kFileSuffix)
        .append("; turn it into pprof files with: cxxprof symbolize ").append(g_output_dir)
        .append("/*").append(raw::kFileSuffix);
    write_diagnostic(line);
  }
}

}  // namespace
}  // namespace cxxprof

extern "C" __attribute__((visibility("default"))) int cxxprof_active(void) {
  // A store in memory (CXXDEBUG alone) records no profile.
  const cxxprof::ProfilerState& state = cxxprof::profiler();
  return state.active.load(std::memory_order_acquire) && !state.store.in_memory() ? 1 : 0;
}

extern "C" __attribute__((visibility("default"))) const char* cxxprof_version(void) {
  return cxxprof::kVersion;
}
