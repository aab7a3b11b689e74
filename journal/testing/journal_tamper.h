// Test-only tools that damage a closed journal directory the way disks and attackers do,
// so that tests can check the journal notices. Never link into a product binary.
//
// Every function REQUIRES that no process has the journal open.
#pragma once

#include <cstdint>
#include <string>

#include "trunkline/base/status.h"

namespace trunkline::journal::testing {

// XORs one byte of the stored record at `position` with 0x01. A non-negative offset counts
// from the start of the stored value, a negative one from its end (-1 = the last byte of the
// hash, -33 = the last byte of the payload). Simulates a rewrite behind the journal's back.
Status FlipRecordByte(const std::string& dir, uint64_t position, int64_t offset);

// Rewrites the record at `position` as if a newer build had written it in `format`.
Status SetRecordFormat(const std::string& dir, uint64_t position, uint32_t format);

// Deletes the stored record at `position`, leaving its stream's index pointing at nothing.
Status DeleteRecord(const std::string& dir, uint64_t position);

// Replaces the journal's format marker.
Status SetFormatMarker(const std::string& dir, const std::string& format);

// Moves everything into SST files (so that damage to a file hits stored tables).
Status CompactAll(const std::string& dir);

// Removes the last `bytes` bytes of the newest write-ahead log file, as a crash in the
// middle of a write leaves it.
Status TruncateNewestLog(const std::string& dir, uint64_t bytes);

}  // namespace trunkline::journal::testing
