// A scratch directory for one test, removed with everything in it when the test ends.
//
// Thread-safety: not thread-safe; one test owns it. Paths it returns stay valid until it is
// destroyed.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

namespace trunkline::testing {

class TempDir {
 public:
  // A fresh, empty directory under the system temp dir, named "<prefix>-XXXXXX". A failure
  // to make it fails the running test.
  explicit TempDir(const std::string& prefix = "trunkline-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp " << pattern << ": " << std::strerror(errno);
      return;
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The directory; empty if it could not be made.
  const std::string& path() const { return path_; }
  // "<path>/<name>"; nothing is created.
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace trunkline::testing
