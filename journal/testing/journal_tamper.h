// Test-only tools that damage a closed journal directory the way disks and attackers do,
// so that tests can check the journal notices. Never link into a product binary.
//
// Every function REQUIRES that no process has the journal open.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

// Deletes the stream index entry of `stream` whose run starts at `version`.
Status DeleteStreamIndexEntry(const std::string& dir, const std::string& stream, uint64_t version);

// Rewrites the stream index entry of `stream` at `version` to name other positions.
Status SetStreamIndexEntry(const std::string& dir, const std::string& stream, uint64_t version,
                           uint64_t first_position, uint64_t count);

// Deletes the idempotency entry of `command_id`.
Status DeleteCommandEntry(const std::string& dir, const std::string& command_id);

// The table files (*.sst) that hold `family` ("records", "streams", "commands"), with paths.
Result<std::vector<std::string>> TableFilesOf(const std::string& dir, const std::string& family);

// XORs the byte at `offset` of the file at `path` with 0x01.
Status FlipFileByte(const std::string& path, uint64_t offset);

// Replaces the journal's format marker.
Status SetFormatMarker(const std::string& dir, const std::string& format);

// Moves everything into SST files (so that damage to a file hits stored tables).
Status CompactAll(const std::string& dir);

// Removes the last `bytes` bytes of the newest write-ahead log file, as a crash in the
// middle of a write leaves it.
Status TruncateNewestLog(const std::string& dir, uint64_t bytes);

}  // namespace trunkline::journal::testing
