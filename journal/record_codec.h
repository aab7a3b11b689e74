// Encoding of journal records and command entries (grammar in record_codec.cc and
// FORMAT.md). The only journal file that includes msgpack.
//
// Thread-safety: all functions are safe for concurrent use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "trunkline/base/sha256.h"
#include "trunkline/base/status.h"
#include "trunkline/journal/journal.h"

namespace trunkline::journal::internal {

inline constexpr uint32_t kRecordFormat = 1;
inline constexpr size_t kHashSize = 32;

// Where an event lands: assigned by the journal at commit time.
struct Placement {
  uint64_t position = 0;
  const std::string* stream = nullptr;
  uint64_t version = 0;
  int64_t timestamp_us = 0;
};

// Appends the record body (everything the hash covers except the previous hash) to *out.
void AppendRecordBody(const Placement& placement, const Metadata& metadata, const NewEvent& event,
                      std::string* out);

// Decodes a stored value (body followed by the 32-byte hash) in place: the views point into
// `value`. The hash is copied, not checked. kDataLoss when the bytes do not decode;
// kFailedPrecondition for a record format this build does not read. Messages do not name the
// position: callers add it.
Result<RecordView> DecodeRecord(std::string_view value);

// What the journal remembers of each command id.
struct CommandEntry {
  AppendReceipt receipt;  // with replayed = false
  Sha256Digest digest{};  // of the stream and events (see CommandDigest)
};

std::string EncodeCommandEntry(const CommandEntry& entry);
Result<CommandEntry> DecodeCommandEntry(std::string_view bytes);

// Identifies "the same stream and events" for idempotent retries.
Sha256Digest CommandDigest(const AppendRequest& request);

}  // namespace trunkline::journal::internal
