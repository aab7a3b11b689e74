// The pipe between a check's child and the parent carries frames:
//   frame := type:u8 len_a:u32 a:bytes len_b:u32 b:bytes      (lengths little-endian)
//   type  := 'C' (check id) | 'B' (call begins, case name) | 'E' (call ended)
//          | 'R' (result: a = verdict letter + id, b = message) | 'D' (data: a = key, b = bytes)
#include "isolate.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <exception>

namespace trunkline::plugin_check {
namespace {

using Clock = std::chrono::steady_clock;

void PutU32(std::string& out, uint32_t n) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
}

uint32_t GetU32(std::string_view in) {
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n |= static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  return n;
}

char VerdictLetter(Verdict v) {
  return v == Verdict::kPass ? 'P' : v == Verdict::kFail ? 'F' : 'S';
}

Verdict FromLetter(char c) {
  return c == 'P' ? Verdict::kPass : c == 'F' ? Verdict::kFail : Verdict::kSkip;
}

// The parent's view of one child.
class Watcher {
 public:
  Watcher(pid_t pid, int fd, const IsolationOptions& options)
      : pid_(pid), fd_(fd), options_(options) {}

  ChildOutcome Run();

 private:
  bool Parse();  // consumes complete frames from buffer_
  void Frame(char type, std::string a, std::string b);
  void Died(const std::string& why);
  std::string Where() const;

  pid_t pid_;
  int fd_;
  const IsolationOptions& options_;
  std::string buffer_;
  std::string check_ = "checker";
  std::string call_;  // the case of the call in progress; empty: none
  std::string last_call_;
  Clock::time_point deadline_;
  ChildOutcome outcome_;
};

std::string Watcher::Where() const {
  if (!call_.empty()) return "in case " + call_;
  if (!last_call_.empty()) return "after case " + last_call_ + " returned";
  return "before any plugin call";
}

void Watcher::Died(const std::string& why) {
  outcome_.died = true;
  outcome_.results.push_back(Fail(check_, why));
}

void Watcher::Frame(char type, std::string a, std::string b) {
  switch (type) {
    case 'C':
      check_ = std::move(a);
      last_call_.clear();
      break;
    case 'B':
      call_ = std::move(a);
      deadline_ = Clock::now() + options_.call_timeout;
      break;
    case 'E':
      last_call_ = std::move(call_);
      call_.clear();
      deadline_ = Clock::now() + options_.idle_timeout;
      break;
    case 'R':
      if (!a.empty()) outcome_.results.push_back({a.substr(1), FromLetter(a[0]), std::move(b)});
      break;
    case 'D':
      outcome_.data[std::move(a)] = std::move(b);
      break;
    default:
      break;
  }
}

bool Watcher::Parse() {
  size_t at = 0;
  while (buffer_.size() - at >= 5) {
    const uint32_t len_a = GetU32(std::string_view(buffer_).substr(at + 1));
    if (buffer_.size() - at < 9 + static_cast<size_t>(len_a)) break;
    const uint32_t len_b = GetU32(std::string_view(buffer_).substr(at + 5 + len_a));
    const size_t total = 9 + static_cast<size_t>(len_a) + len_b;
    if (buffer_.size() - at < total) break;
    Frame(buffer_[at], buffer_.substr(at + 5, len_a), buffer_.substr(at + 9 + len_a, len_b));
    at += total;
  }
  buffer_.erase(0, at);
  return true;
}

ChildOutcome Watcher::Run() {
  deadline_ = Clock::now() + options_.idle_timeout;
  bool hung = false;
  char chunk[65536];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    pollfd p{fd_, POLLIN, 0};
    const int ready = left.count() <= 0 ? 0 : poll(&p, 1, static_cast<int>(left.count()) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0 && Clock::now() >= deadline_) {
      hung = true;
      kill(pid_, SIGKILL);
      break;
    }
    const ssize_t n = read(fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer_.append(chunk, static_cast<size_t>(n));
    Parse();
  }
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  if (hung) {
    const bool in_call = !call_.empty();
    Died(in_call ? "case " + call_ + ": no answer within " +
                       std::to_string(options_.call_timeout.count()) + " ms (the call was killed)"
                 : "the check stopped responding " + Where() + " (killed after " +
                       std::to_string(options_.idle_timeout.count()) + " ms)");
  } else if (WIFSIGNALED(status)) {
    Died("the plugin crashed " + Where() + ": " + SignalName(WTERMSIG(status)));
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    Died("the process exited with status " + std::to_string(WEXITSTATUS(status)) + " " + Where() +
         " (a plugin must not exit)");
  } else if (!call_.empty()) {
    Died("the process ended " + Where() + " (a plugin must not exit)");
  }
  return std::move(outcome_);
}

void WriteAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(120);  // the parent is gone
    done += static_cast<size_t>(n);
  }
}

[[noreturn]] void ChildMain(const std::function<void(Channel&)>& body, int fd,
                            const IsolationOptions& options) {
  // Whatever the plugin prints goes to stderr, never into the checker's report on stdout.
  dup2(STDERR_FILENO, STDOUT_FILENO);
  // AddressSanitizer reserves terabytes of address space for its shadow memory: under it an
  // address space limit would only make every allocation fail (a checker built so checks
  // the plugin's memory with the sanitizer itself).
  if (options.memory_limit_mb > 0 && !kAddressSanitizer) {
    const rlim_t bytes = static_cast<rlim_t>(options.memory_limit_mb) << 20;
    const rlimit limit{bytes, bytes};
    setrlimit(RLIMIT_AS, &limit);
  }
  Channel channel(fd);
  try {
    body(channel);
  } catch (const std::exception& e) {
    channel.Report(Fail("checker", std::string("internal error in the checker: ") + e.what()));
    _exit(0);
  }
  _exit(0);
}

}  // namespace

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "fail";
    case Verdict::kSkip:
      return "skip";
  }
  return "fail";
}

int PluginReport::failed() const {
  int n = 0;
  for (const CheckResult& c : checks) n += c.verdict == Verdict::kFail;
  return n;
}
int PluginReport::passed() const {
  int n = 0;
  for (const CheckResult& c : checks) n += c.verdict == Verdict::kPass;
  return n;
}
int PluginReport::skipped() const {
  int n = 0;
  for (const CheckResult& c : checks) n += c.verdict == Verdict::kSkip;
  return n;
}

void Channel::Send(char type, std::string_view a, std::string_view b) {
  std::string frame(1, type);
  PutU32(frame, static_cast<uint32_t>(a.size()));
  frame.append(a);
  PutU32(frame, static_cast<uint32_t>(b.size()));
  frame.append(b);
  WriteAll(fd_, frame);
}

void Channel::StartCheck(std::string_view id) { Send('C', id); }
void Channel::Begin(std::string_view what) { Send('B', what); }
void Channel::End() { Send('E', ""); }
void Channel::Data(std::string_view key, std::string_view bytes) { Send('D', key, bytes); }
void Channel::Report(const CheckResult& result) {
  Send('R', std::string(1, VerdictLetter(result.verdict)) + result.id, result.message);
}

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return (abbrev ? "SIG" + std::string(abbrev) : std::string("signal")) + " (signal " +
         std::to_string(signal) + ")";
}

ChildOutcome RunIsolated(const std::function<void(Channel&)>& body,
                         const IsolationOptions& options) {
  int fds[2];
  if (pipe(fds) != 0) {
    ChildOutcome out;
    out.died = true;
    out.results.push_back(Fail("checker", std::string("pipe: ") + strerror(errno)));
    return out;
  }
  std::fflush(nullptr);  // nothing buffered is written twice
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    ChildOutcome out;
    out.died = true;
    out.results.push_back(Fail("checker", std::string("fork: ") + strerror(errno)));
    return out;
  }
  if (pid == 0) {
    close(fds[0]);
    ChildMain(body, fds[1], options);
  }
  close(fds[1]);
  ChildOutcome outcome = Watcher(pid, fds[0], options).Run();
  close(fds[0]);
  return outcome;
}

}  // namespace trunkline::plugin_check
