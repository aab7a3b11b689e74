// ChainHeadFile: the last acknowledged position and its hash, kept in the file CHAIN_HEAD
// beside the database, so that an acknowledged append that later vanishes (a truncated or
// removed write-ahead log, a removed table file) is found when the journal is opened.
// Private to journal/. Format: FORMAT.md, "The chain head file".
//
// Thread-safety: not thread-safe; the journal's commit leader owns the writer.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "trunkline/base/sha256.h"
#include "trunkline/base/status.h"

namespace trunkline::journal::internal {

inline constexpr char kChainHeadFile[] = "CHAIN_HEAD";

struct ChainHead {
  uint64_t position = 0;
  Sha256Digest hash{};
};

class ChainHeadFile {
 public:
  ~ChainHeadFile();

  // The newest intact head recorded in `dir`, or nullopt when there is no file (or it was
  // never written). kDataLoss when the file exists but holds no intact head.
  static Result<std::optional<ChainHead>> Read(const std::string& dir);

  // Opens (creating when missing) the file in `dir` for writing.
  static Result<std::unique_ptr<ChainHeadFile>> Open(const std::string& dir);

  // Records `head` in the slot not written last, so a torn write leaves the other intact.
  // Not synced: it survives a crash of the process; Sync() makes it survive the machine's.
  Status Write(const ChainHead& head);
  Status Sync();

 private:
  ChainHeadFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
  int next_slot_ = 0;
};

}  // namespace trunkline::journal::internal
