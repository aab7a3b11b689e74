// Running plugin calls in a forked child process, so that a plugin that crashes, hangs or
// calls exit() fails a check instead of taking the checker down.
//
// The child reports through a Channel: which check it is in, when a plugin call begins and
// ends (naming its case), each check's result, and named data (a schema, the plugin's
// provider id). The parent watches: a call that does not end within the call timeout is
// killed and reported naming the case; a child that dies of a signal, or exits early, fails
// the check it was in, naming the case and the signal.
//
// Thread-safety: RunIsolated forks; call it from a single-threaded process (the checker is).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "check_result.h"

namespace trunkline::plugin_check {

// Whether the checker is built with AddressSanitizer (scripts/sanitize.sh): its allocator
// reserves terabytes of address space (no address space limit can apply) and keeps no heap
// figures (the memory checks are left to its leak checker).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif

// The child's side of the pipe to the parent. Not thread-safe.
class Channel {
 public:
  explicit Channel(int fd) : fd_(fd) {}

  // The check the following calls belong to (a death is reported against it).
  void StartCheck(std::string_view id);
  // A plugin call begins; `what` names its case (in a hang or crash message).
  void Begin(std::string_view what);
  // The call returned.
  void End();
  void Report(const CheckResult& result);
  void Data(std::string_view key, std::string_view bytes);

 private:
  void Send(char type, std::string_view a, std::string_view b = {});
  int fd_;
};

struct IsolationOptions {
  std::chrono::milliseconds call_timeout{1000};   // one plugin call, Begin to End
  std::chrono::milliseconds idle_timeout{60000};  // between calls: the checker's own work
  uint64_t memory_limit_mb = 0;                   // RLIMIT_AS of the child; 0: none
};

struct ChildOutcome {
  // The results the child reported, then (if it died or hung) a failure of the check it
  // was in.
  std::vector<CheckResult> results;
  std::map<std::string, std::string> data;
  bool died = false;  // crashed, hung, or exited other than normally
};

// Runs `body` in a forked child and collects what it reports. `body` must return normally
// (the child then exits 0); an exception escaping it fails the current check.
ChildOutcome RunIsolated(const std::function<void(Channel&)>& body,
                         const IsolationOptions& options);

// "SIGSEGV (signal 11)".
std::string SignalName(int signal);

}  // namespace trunkline::plugin_check
