// Helpers shared by the journal tests: temporary directories, request builders, a small
// file system and a clock that holds a commit leader.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/mount.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>

#include "trunkline/base/clock.h"
#include "trunkline/journal/journal.h"

namespace trunkline::journal::testing {

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "journal-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline NewEvent Event(const std::string& type, const std::string& payload) {
  return NewEvent{type, 1, payload};
}

inline AppendRequest Request(const std::string& stream, ExpectedVersion expected,
                             const std::string& command_id,
                             std::vector<NewEvent> events = {Event("Happened", "x")}) {
  AppendRequest r;
  r.stream = stream;
  r.expected = expected;
  r.metadata = Metadata{"alice", "testing", command_id, "corr-" + command_id};
  r.events = std::move(events);
  return r;
}

// A tmpfs of a given size mounted on a fresh directory for the life of the object (needs
// root: check mounted()).
class SmallFileSystem {
 public:
  explicit SmallFileSystem(const std::string& size) {
    mounted_ = ::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~SmallFileSystem() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  bool Resize(const std::string& size) {
    return ::mount("tmpfs", dir_.path().c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) ==
           0;
  }
  std::string Sub(const std::string& name) const { return dir_.Sub(name); }

 private:
  TempDir dir_;
  bool mounted_ = false;
};

// A clock whose first reading after Arm() waits for Release(): it holds a commit leader
// after it has taken its group, so that the appends queued meanwhile form the next group.
class GateClock final : public Clock {
 public:
  int64_t NowMicros() const override {
    std::unique_lock lock(mu_);
    if (armed_) {
      armed_ = false;
      held_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_; });
    }
    return SystemClock().NowMicros();
  }
  void Arm() {
    std::lock_guard lock(mu_);
    armed_ = true;
  }
  // Whether a reading is being held, waiting up to `timeout` for one to be.
  bool WaitUntilHeld(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return held_; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable bool armed_ = false;
  mutable bool held_ = false;
  bool released_ = false;
};

}  // namespace trunkline::journal::testing
