// RocksDbJournal: reads and timestamp lookup. Verify is in rocksdb_journal_verify.cc.
#include <algorithm>
#include <thread>
#include <unordered_map>

#include "rocksdb_journal_impl.h"

namespace trunkline::journal::internal {
namespace {

bool HasStreamPrefix(const rocksdb::Slice& key, std::string_view stream) {
  return key.size() == stream.size() + 9 && key.starts_with(rocksdb::Slice(stream)) &&
         key[stream.size()] == '\0';
}

uint64_t VersionOfStreamKey(const rocksdb::Slice& key) {
  return DecodePositionKey(std::string_view(key.data() + key.size() - 8, 8));
}

std::string PositionName(uint64_t position) { return "position " + std::to_string(position); }

// A record read through a stream's index must be the one the index names.
Status CheckIndexed(const RecordView& r, std::string_view stream, uint64_t version) {
  if (r.stream == stream && r.version == version) return OkStatus();
  return DataLossError(PositionName(r.position) + ": the index of stream " + std::string(stream) +
                       " places version " + std::to_string(version) +
                       " here, but the record is stream " + std::string(r.stream) + " version " +
                       std::to_string(r.version));
}

}  // namespace

Result<RecordView> RocksDbJournalImpl::ViewRecordValue(uint64_t position,
                                                       std::string_view value) const {
  Result<RecordView> record = DecodeRecord(value);
  if (!record.ok()) return record.status().WithContext(PositionName(position));
  if (record->position != position) {
    return DataLossError(PositionName(position) + ": record claims position " +
                         std::to_string(record->position));
  }
  return record;
}

Result<bool> RocksDbJournalImpl::VisitPositions(
    std::string_view stream, const std::vector<StreamEntry>& entries,
    const std::function<bool(const RecordView&)>& visit) const {
  // The batched MultiGet: one pass over the tables for all keys, sorted when they are.
  std::vector<std::string> keys;
  keys.reserve(entries.size());
  for (const StreamEntry& e : entries) keys.push_back(PositionKey(e.position));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  const bool sorted = std::is_sorted(keys.begin(), keys.end());
  db_->MultiGet(rocksdb::ReadOptions(), records_, slices.size(), slices.data(), values.data(),
                statuses.data(), sorted);
  for (size_t i = 0; i < entries.size(); ++i) {
    const uint64_t position = entries[i].position;
    if (statuses[i].IsNotFound()) {
      return DataLossError(PositionName(position) + ": indexed by its stream but missing");
    }
    TRUNKLINE_RETURN_IF_ERROR(FromRocks(statuses[i], PositionName(position)));
    TRUNKLINE_ASSIGN_OR_RETURN(RecordView r, ViewRecordValue(position, values[i].ToStringView()));
    TRUNKLINE_RETURN_IF_ERROR(CheckIndexed(r, stream, entries[i].version));
    if (!visit(r)) return false;
  }
  return true;
}

Result<std::vector<Record>> RocksDbJournalImpl::ReadStream(const std::string& stream,
                                                           uint64_t from_version,
                                                           size_t max_count) const {
  std::vector<Record> records;
  if (max_count == 0) return records;
  TRUNKLINE_RETURN_IF_ERROR(ScanStream(stream, from_version, UINT64_MAX, [&](const RecordView& r) {
    records.push_back(r.ToRecord());
    return records.size() < max_count;
  }));
  return records;
}

// Stream reads walk the stream's index runs (one per append, see StreamRun). A run's events
// sit at consecutive positions: one seek finds the first, the rest follow in key order. The
// runs must follow one another in version, and each record must be the one its run names.
Status RocksDbJournalImpl::ScanStream(const std::string& stream, uint64_t from_version,
                                      uint64_t to_position,
                                      const std::function<bool(const RecordView&)>& visit) const {
  uint64_t next = std::max<uint64_t>(from_version, 1);
  return Retrying([&] { return ScanStreamOnce(stream, next, to_position, visit); });
}

Status RocksDbJournalImpl::ScanStreamOnce(
    const std::string& stream, uint64_t& from_version, uint64_t to_position,
    const std::function<bool(const RecordView&)>& visit) const {
  const uint64_t last = std::min(LastPosition(), to_position);
  std::unique_ptr<rocksdb::Iterator> runs(db_->NewIterator(rocksdb::ReadOptions(), streams_));
  // Created second, it sees every record the runs iterator indexes.
  std::unique_ptr<rocksdb::Iterator> records(db_->NewIterator(rocksdb::ReadOptions(), records_));
  // Start at the run holding from_version, if any, else at the stream's first run.
  runs->SeekForPrev(StreamKey(stream, from_version));
  if (!runs->Valid() || !HasStreamPrefix(runs->key(), stream)) runs->Seek(StreamKey(stream, 0));
  uint64_t expected_version = 0;  // of the next run; 0 until the first is seen
  for (; runs->Valid() && HasStreamPrefix(runs->key(), stream); runs->Next()) {
    TRUNKLINE_ASSIGN_OR_RETURN(StreamRun run, DecodeStreamRun(runs->value().ToStringView()));
    const uint64_t first_version = VersionOfStreamKey(runs->key());
    if (run.count == 0 || first_version == 0 ||
        (expected_version != 0 && first_version != expected_version) ||
        (expected_version == 0 && first_version > from_version)) {
      return DataLossError("stream " + stream + ": its index has an entry at version " +
                           std::to_string(first_version) + " where version " +
                           std::to_string(expected_version ? expected_version : from_version) +
                           " was expected");
    }
    expected_version = first_version + run.count;
    if (run.first_position > last) break;  // later versions are later positions
    const uint64_t skip = from_version > first_version ? from_version - first_version : 0;
    if (skip >= run.count) continue;
    const uint64_t end = std::min(run.first_position + run.count - 1, last);
    records->Seek(PositionKey(run.first_position + skip));
    for (uint64_t position = run.first_position + skip; position <= end;
         ++position, records->Next()) {
      if (!records->Valid() || DecodePositionKey(records->key().ToStringView()) != position) {
        TRUNKLINE_RETURN_IF_ERROR(FromRocks(records->status(), PositionName(position)));
        return DataLossError(PositionName(position) + ": indexed by its stream but missing");
      }
      TRUNKLINE_ASSIGN_OR_RETURN(RecordView r,
                                 ViewRecordValue(position, records->value().ToStringView()));
      TRUNKLINE_RETURN_IF_ERROR(
          CheckIndexed(r, stream, first_version + (position - run.first_position)));
      from_version = r.version + 1;
      if (!visit(r)) return OkStatus();
    }
  }
  return FromRocks(runs->status(), "reading stream " + stream);
}

Result<std::vector<Record>> RocksDbJournalImpl::ReadStreamBackward(const std::string& stream,
                                                                   uint64_t from_version,
                                                                   size_t max_count) const {
  return Retrying([&]() -> Result<std::vector<Record>> {
    std::vector<StreamEntry> entries;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), streams_));
    uint64_t expected_end = 0;  // the version before the run read last; 0 at the head
    for (it->SeekForPrev(StreamKey(stream, from_version));
         it->Valid() && entries.size() < max_count && HasStreamPrefix(it->key(), stream);
         it->Prev()) {
      TRUNKLINE_ASSIGN_OR_RETURN(StreamRun run, DecodeStreamRun(it->value().ToStringView()));
      const uint64_t first_version = VersionOfStreamKey(it->key());
      if (run.count == 0 || first_version == 0 ||
          (expected_end != 0 && first_version + run.count - 1 != expected_end)) {
        return DataLossError("stream " + stream + ": its index has a gap before version " +
                             std::to_string(expected_end + 1));
      }
      expected_end = first_version - 1;
      for (uint64_t i = run.count; i > 0 && entries.size() < max_count; --i) {
        const uint64_t version = first_version + i - 1;
        if (version <= from_version) entries.push_back({version, run.first_position + i - 1});
      }
    }
    TRUNKLINE_RETURN_IF_ERROR(FromRocks(it->status(), "reading stream " + stream));
    if (entries.size() < max_count && expected_end != 0) {
      return DataLossError("stream " + stream + ": its index has no entry for versions 1.." +
                           std::to_string(expected_end));
    }
    std::vector<Record> records;
    records.reserve(entries.size());
    TRUNKLINE_RETURN_IF_ERROR(VisitPositions(stream, entries, [&](const RecordView& r) {
                                records.push_back(r.ToRecord());
                                return true;
                              }).status());
    return records;
  });
}

Status RocksDbJournalImpl::Scan(uint64_t from_position,
                                const std::function<bool(const RecordView&)>& visit) const {
  uint64_t next = std::max<uint64_t>(from_position, 1);
  return Retrying([&] { return ScanOnce(next, visit); });
}

// Visits positions `next`, next + 1, ... and advances `next` past each one visited. Every
// position up to the last published one must be there: a hole is data loss (or, for a
// reader, a view that raced the writer: see Retrying).
Status RocksDbJournalImpl::ScanOnce(uint64_t& next,
                                    const std::function<bool(const RecordView&)>& visit) const {
  const uint64_t last = LastPosition();
  // A scan reads each block once, in order: large read-ahead, and no churning of the block
  // cache that point reads rely on.
  rocksdb::ReadOptions read_options;
  read_options.readahead_size = 2 << 20;
  read_options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, records_));
  for (it->Seek(PositionKey(next)); it->Valid(); it->Next()) {
    if (it->key().size() != 8) return DataLossError(PositionName(next) + ": malformed key");
    const uint64_t position = DecodePositionKey(it->key().ToStringView());
    if (position != next) {
      return DataLossError(PositionName(next) + ": missing (the next stored is " +
                           std::to_string(position) + ")");
    }
    TRUNKLINE_ASSIGN_OR_RETURN(RecordView r, ViewRecordValue(position, it->value().ToStringView()));
    ++next;
    if (!visit(r)) return OkStatus();
  }
  TRUNKLINE_RETURN_IF_ERROR(FromRocks(it->status(), "reading " + PositionName(next)));
  if (next <= last) {
    return DataLossError(PositionName(next) + ": missing (the journal's last position is " +
                         std::to_string(last) + ")");
  }
  return OkStatus();
}

Result<std::vector<Record>> RocksDbJournalImpl::ReadAll(uint64_t from_position,
                                                        size_t max_count) const {
  std::vector<Record> records;
  if (max_count == 0) return records;
  TRUNKLINE_RETURN_IF_ERROR(Scan(from_position, [&](const RecordView& r) {
    records.push_back(r.ToRecord());
    return records.size() < max_count;
  }));
  return records;
}

Result<std::vector<Record>> RocksDbJournalImpl::ReadAllBackward(uint64_t from_position,
                                                                size_t max_count) const {
  return Retrying([&]() -> Result<std::vector<Record>> {
    std::vector<Record> records;
    uint64_t expected = std::min(from_position, LastPosition());
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), records_));
    for (it->SeekForPrev(PositionKey(expected));
         it->Valid() && records.size() < max_count && expected > 0; it->Prev(), --expected) {
      const uint64_t position = DecodePositionKey(it->key().ToStringView());
      if (position != expected) {
        return DataLossError(PositionName(expected) + ": missing (the previous stored is " +
                             std::to_string(position) + ")");
      }
      TRUNKLINE_ASSIGN_OR_RETURN(RecordView r,
                                 ViewRecordValue(position, it->value().ToStringView()));
      records.push_back(r.ToRecord());
    }
    TRUNKLINE_RETURN_IF_ERROR(
        FromRocks(it->status(), "reading back from " + PositionName(from_position)));
    if (records.size() < max_count && expected > 0) {
      return DataLossError(PositionName(expected) + ": missing");
    }
    return records;
  });
}

Result<uint64_t> RocksDbJournalImpl::StreamHead(const std::string& stream) const {
  return Retrying([&] { return StreamHeadOnce(stream, LastPosition()); });
}

Result<uint64_t> RocksDbJournalImpl::StreamHeadOnce(const std::string& stream,
                                                    uint64_t last_position) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), streams_));
  for (it->SeekForPrev(StreamKey(stream, UINT64_MAX));
       it->Valid() && HasStreamPrefix(it->key(), stream); it->Prev()) {
    TRUNKLINE_ASSIGN_OR_RETURN(StreamRun run, DecodeStreamRun(it->value().ToStringView()));
    if (run.first_position <= last_position) return VersionOfStreamKey(it->key()) + run.count - 1;
  }
  TRUNKLINE_RETURN_IF_ERROR(FromRocks(it->status(), "reading the head of stream " + stream));
  return uint64_t{0};
}

// Timestamps never decrease with position, so a binary search over positions finds it.
Result<uint64_t> RocksDbJournalImpl::FirstPositionAtOrAfter(int64_t timestamp_us) const {
  return Retrying([&] { return FirstPositionAtOrAfterOnce(timestamp_us); });
}

Result<uint64_t> RocksDbJournalImpl::FirstPositionAtOrAfterOnce(int64_t timestamp_us) const {
  auto timestamp_at = [&](uint64_t position) -> Result<int64_t> {
    std::string value;
    TRUNKLINE_RETURN_IF_ERROR(
        FromRocks(db_->Get(rocksdb::ReadOptions(), records_, PositionKey(position), &value),
                  PositionName(position)));
    TRUNKLINE_ASSIGN_OR_RETURN(RecordView r, ViewRecordValue(position, value));
    return r.timestamp_us;
  };
  uint64_t lo = 1;
  uint64_t hi = LastPosition();
  if (hi == 0) return NotFoundError("the journal is empty");
  TRUNKLINE_ASSIGN_OR_RETURN(int64_t newest, timestamp_at(hi));
  if (newest < timestamp_us) {
    return NotFoundError("no event at or after timestamp " + std::to_string(timestamp_us) +
                         "; the newest is at " + std::to_string(newest));
  }
  while (lo < hi) {  // invariant: the answer is in [lo, hi]
    const uint64_t mid = lo + (hi - lo) / 2;
    TRUNKLINE_ASSIGN_OR_RETURN(int64_t t, timestamp_at(mid));
    if (t >= timestamp_us) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

}  // namespace trunkline::journal::internal
