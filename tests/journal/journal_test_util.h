// Helpers shared by the journal tests: temporary directories and request builders.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

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

}  // namespace trunkline::journal::testing
