// TrunkSnapshots: every trunk's state at every kEvery-th version, kept in an append-only file,
// so that a trunk's state as of any point is its nearest earlier snapshot plus at most
// kEvery - 1 events, however long its history. Derived data: losing the file costs speed,
// never correctness (reads fall back to folding from the first event).
//
//   file  := entry*
//   entry := body_size:u32le body sha256(body)[0..8)
//   body  := position:u64le trunk state (domain/state_codec.h)
//
// A torn or damaged tail (a crash mid-append) ends the usable entries; a writer truncates it.
// Entries may repeat (a fold resumed from an older checkpoint appends again): the last one
// for a (trunk, version) wins, and they are equal anyway.
//
// Thread-safety: safe for concurrent use. One process appends (the registry that writes the
// journal); read-only processes pick up what it appended on their next read.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "trunkline/base/status.h"
#include "trunkline/domain/trunk.h"

namespace trunkline::projection {

class TrunkSnapshots {
 public:
  static constexpr uint64_t kEvery = 64;

  // Opens (creating it, unless read_only) the file at `path` and indexes its entries.
  static Result<std::unique_ptr<TrunkSnapshots>> Open(const std::string& path, bool read_only);
  ~TrunkSnapshots();

  // Keeps `state` (its last event at journal `position`) when its version is a multiple of
  // kEvery. Written at once, not synced: the file is derived data.
  Status Add(const domain::TrunkState& state, uint64_t position);
  // Forgets every entry (for a projection rebuilt from scratch).
  Status Clear();

  struct Snapshot {
    domain::TrunkState state;
    uint64_t position = 0;  // of the state's last event
  };
  // The latest snapshot of `trunk_id` whose last event is at or before `position`.
  Result<std::optional<Snapshot>> Before(const std::string& trunk_id, uint64_t position);

  size_t size() const;  // entries indexed

 private:
  struct Entry {
    uint64_t version;
    uint64_t position;
    uint64_t offset;  // of the body
    uint32_t size;
  };
  TrunkSnapshots(std::string path, bool read_only)
      : path_(std::move(path)), read_only_(read_only) {}
  // Indexes entries from `indexed_` on; stops at the first incomplete or damaged one.
  Status ReadNew();

  const std::string path_;
  const bool read_only_;
  mutable std::mutex mu_;
  int fd_ = -1;           // read-write (writer) or read-only; -1 while there is no file
  uint64_t indexed_ = 0;  // bytes of the file indexed so far (the writer appends there)
  std::unordered_map<std::string, std::vector<Entry>> index_;  // by trunk id, by version
};

}  // namespace trunkline::projection
