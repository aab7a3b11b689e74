// RocksDbJournal: reads, timestamp lookup and chain verification.
#include <algorithm>
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
    const std::vector<uint64_t>& positions,
    const std::function<bool(const RecordView&)>& visit) const {
  // The batched MultiGet: one pass over the tables for all keys, sorted when they are.
  std::vector<std::string> keys;
  keys.reserve(positions.size());
  for (uint64_t p : positions) keys.push_back(PositionKey(p));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  const bool sorted = std::is_sorted(positions.begin(), positions.end());
  db_->MultiGet(rocksdb::ReadOptions(), records_, slices.size(), slices.data(), values.data(),
                statuses.data(), sorted);
  for (size_t i = 0; i < positions.size(); ++i) {
    if (statuses[i].IsNotFound()) {
      return DataLossError(PositionName(positions[i]) + ": indexed by its stream but missing");
    }
    TRUNKLINE_RETURN_IF_ERROR(FromRocks(statuses[i], PositionName(positions[i])));
    TRUNKLINE_ASSIGN_OR_RETURN(RecordView r,
                               ViewRecordValue(positions[i], values[i].ToStringView()));
    if (!visit(r)) return false;
  }
  return true;
}

Result<std::vector<Record>> RocksDbJournalImpl::ReadPositions(
    const std::vector<uint64_t>& positions) const {
  std::vector<Record> records;
  records.reserve(positions.size());
  TRUNKLINE_RETURN_IF_ERROR(VisitPositions(positions, [&](const RecordView& r) {
                              records.push_back(r.ToRecord());
                              return true;
                            }).status());
  return records;
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
// sit at consecutive positions: one seek finds the first, the rest follow in key order.
Status RocksDbJournalImpl::ScanStream(const std::string& stream, uint64_t from_version,
                                      uint64_t to_position,
                                      const std::function<bool(const RecordView&)>& visit) const {
  const uint64_t last = std::min(LastPosition(), to_position);
  std::unique_ptr<rocksdb::Iterator> runs(db_->NewIterator(rocksdb::ReadOptions(), streams_));
  // Created second, it sees every record the runs iterator indexes.
  std::unique_ptr<rocksdb::Iterator> records(db_->NewIterator(rocksdb::ReadOptions(), records_));
  // Start at the run holding from_version, if any, else at the first run after it.
  runs->SeekForPrev(StreamKey(stream, std::max<uint64_t>(from_version, 1)));
  if (!runs->Valid() || !HasStreamPrefix(runs->key(), stream)) runs->Seek(StreamKey(stream, 0));
  for (; runs->Valid() && HasStreamPrefix(runs->key(), stream); runs->Next()) {
    TRUNKLINE_ASSIGN_OR_RETURN(StreamRun run, DecodeStreamRun(runs->value().ToStringView()));
    if (run.first_position > last) break;  // later versions are later positions
    const uint64_t first_version = VersionOfStreamKey(runs->key());
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
      if (!visit(r)) return OkStatus();
    }
  }
  return FromRocks(runs->status(), "reading stream " + stream);
}

Result<std::vector<Record>> RocksDbJournalImpl::ReadStreamBackward(const std::string& stream,
                                                                   uint64_t from_version,
                                                                   size_t max_count) const {
  std::vector<uint64_t> positions;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), streams_));
  for (it->SeekForPrev(StreamKey(stream, from_version));
       it->Valid() && positions.size() < max_count && HasStreamPrefix(it->key(), stream);
       it->Prev()) {
    TRUNKLINE_ASSIGN_OR_RETURN(StreamRun run, DecodeStreamRun(it->value().ToStringView()));
    const uint64_t first_version = VersionOfStreamKey(it->key());
    for (uint64_t i = run.count; i > 0 && positions.size() < max_count; --i) {
      if (first_version + i - 1 <= from_version) positions.push_back(run.first_position + i - 1);
    }
  }
  TRUNKLINE_RETURN_IF_ERROR(FromRocks(it->status(), "reading stream " + stream));
  return ReadPositions(positions);
}

Status RocksDbJournalImpl::Scan(uint64_t from_position,
                                const std::function<bool(const RecordView&)>& visit) const {
  // A scan reads each block once, in order: large read-ahead, and no churning of the block
  // cache that point reads rely on.
  rocksdb::ReadOptions read_options;
  read_options.readahead_size = 2 << 20;
  read_options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, records_));
  for (it->Seek(PositionKey(from_position)); it->Valid(); it->Next()) {
    const uint64_t position = DecodePositionKey(it->key().ToStringView());
    TRUNKLINE_ASSIGN_OR_RETURN(RecordView r, ViewRecordValue(position, it->value().ToStringView()));
    if (!visit(r)) return OkStatus();
  }
  return FromRocks(it->status(), "reading from " + PositionName(from_position));
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
  std::vector<Record> records;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), records_));
  for (it->SeekForPrev(PositionKey(from_position)); it->Valid() && records.size() < max_count;
       it->Prev()) {
    const uint64_t position = DecodePositionKey(it->key().ToStringView());
    TRUNKLINE_ASSIGN_OR_RETURN(RecordView r, ViewRecordValue(position, it->value().ToStringView()));
    records.push_back(r.ToRecord());
  }
  TRUNKLINE_RETURN_IF_ERROR(
      FromRocks(it->status(), "reading back from " + PositionName(from_position)));
  return records;
}

Result<uint64_t> RocksDbJournalImpl::StreamHead(const std::string& stream) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), streams_));
  it->SeekForPrev(StreamKey(stream, UINT64_MAX));
  TRUNKLINE_RETURN_IF_ERROR(FromRocks(it->status(), "reading the head of stream " + stream));
  if (!it->Valid() || !HasStreamPrefix(it->key(), stream)) return uint64_t{0};
  TRUNKLINE_ASSIGN_OR_RETURN(StreamRun run, DecodeStreamRun(it->value().ToStringView()));
  return VersionOfStreamKey(it->key()) + run.count - 1;
}

// Timestamps never decrease with position, so a binary search over positions finds it.
Result<uint64_t> RocksDbJournalImpl::FirstPositionAtOrAfter(int64_t timestamp_us) const {
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

Result<VerifyReport> RocksDbJournalImpl::Verify() const {
  VerifyReport report;
  Sha256 hasher;
  Sha256Digest previous{};
  int64_t previous_timestamp = INT64_MIN;
  std::unordered_map<std::string, uint64_t> versions;
  rocksdb::ReadOptions read_options;
  read_options.verify_checksums = true;
  read_options.fill_cache = false;
  read_options.adaptive_readahead = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, records_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const uint64_t expected = report.records + 1;
    const std::string where = PositionName(expected);
    if (it->key().size() != 8) return DataLossError(where + ": malformed key");
    const uint64_t position = DecodePositionKey(it->key().ToStringView());
    if (position != expected) {
      return DataLossError(where + ": missing (the next stored is " + std::to_string(position) +
                           ")");
    }
    const std::string_view value = it->value().ToStringView();
    TRUNKLINE_ASSIGN_OR_RETURN(RecordView r, ViewRecordValue(position, value));
    hasher.Update(previous);
    hasher.Update(value.substr(0, value.size() - kHashSize));
    if (hasher.Finish() != r.hash) {
      return DataLossError(where + ": hash mismatch; the record or its predecessor was altered");
    }
    if (r.timestamp_us < previous_timestamp) {
      return DataLossError(where + ": timestamp goes backwards");
    }
    uint64_t& version = versions[std::string(r.stream)];
    if (r.version != version + 1) {
      return DataLossError(where + ": stream " + std::string(r.stream) + " version " +
                           std::to_string(r.version) + " follows " + std::to_string(version));
    }
    version = r.version;
    previous = r.hash;
    previous_timestamp = r.timestamp_us;
    ++report.records;
  }
  if (!it->status().ok()) {
    return FromRocks(it->status(), PositionName(report.records + 1) + ": unreadable")
        .WithContext("verify");
  }
  report.last_position = report.records;
  report.last_hash = previous;
  return report;
}

}  // namespace trunkline::journal::internal
