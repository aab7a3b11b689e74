// RocksDbJournal::Verify: the hash chain over the records, then the two indexes derived from
// them (stream runs and command entries) checked against the records.
//
// The indexes are checked without a lookup per entry: while the records are walked, each
// event adds a 64-bit digest of (stream, version, position) to a sum, and each append (a run
// of records with one command id) a digest of its receipt; walking an index adds up the same
// digests from its entries. Equal counts and sums mean the index says exactly what the
// records say. Only when they differ is the index walked again, entry by entry against the
// records, to name the first wrong entry.
#include <rocksdb/snapshot.h>

#include <optional>
#include <unordered_map>

#include "rocksdb_journal_impl.h"

namespace trunkline::journal::internal {

struct IndexDigests {
  uint64_t events = 0;
  uint64_t event_sum = 0;
  uint64_t appends = 0;
  uint64_t append_sum = 0;
  std::unordered_map<std::string, uint64_t> heads;  // stream -> its last version
  // What the indexes are read with, and the last position verified: index entries for
  // later positions (appends since) are left out.
  rocksdb::ReadOptions read_options;
  uint64_t last = 0;
};

namespace {

std::string PositionName(uint64_t position) { return "position " + std::to_string(position); }

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Combine(uint64_t seed, uint64_t value) {
  return Mix(seed ^ Mix(value + 0x9e3779b97f4a7c15ULL));
}

uint64_t StringDigest(std::string_view s) { return Mix(std::hash<std::string_view>{}(s)); }

uint64_t EventDigest(std::string_view stream, uint64_t version, uint64_t position) {
  return Combine(Combine(StringDigest(stream), version), position);
}

uint64_t AppendDigest(std::string_view command_id, const AppendReceipt& r) {
  uint64_t h = Combine(StringDigest(command_id), StringDigest(r.stream));
  for (uint64_t v : {r.first_version, r.last_version, r.first_position, r.last_position,
                     static_cast<uint64_t>(r.timestamp_us)}) {
    h = Combine(h, v);
  }
  return h;
}

uint64_t VersionOfStreamKey(const rocksdb::Slice& key) {
  return DecodePositionKey(std::string_view(key.data() + key.size() - 8, 8));
}

rocksdb::ReadOptions VerifyReadOptions() {
  rocksdb::ReadOptions read_options;
  read_options.verify_checksums = true;
  read_options.fill_cache = false;
  read_options.adaptive_readahead = true;
  return read_options;
}

// Folds records into appends (runs of one command id) for the command index digest.
class AppendTracker {
 public:
  explicit AppendTracker(IndexDigests& digests) : digests_(digests) {}
  void Add(const RecordView& r) {
    if (open_ && r.command_id == command_id_ && r.stream == receipt_.stream) {
      receipt_.last_version = r.version;
      receipt_.last_position = r.position;
      return;
    }
    Finish();
    open_ = true;
    command_id_ = r.command_id;
    receipt_ = AppendReceipt{std::string(r.stream), r.version, r.version, r.position, r.position,
                             r.timestamp_us};
  }
  void Finish() {
    if (!open_) return;
    ++digests_.appends;
    digests_.append_sum += AppendDigest(command_id_, receipt_);
    open_ = false;
  }

 private:
  IndexDigests& digests_;
  bool open_ = false;
  std::string command_id_;
  AppendReceipt receipt_;
};

}  // namespace

Result<VerifyReport> RocksDbJournalImpl::Verify() const {
  return Retrying([&] { return VerifyOnce(); });
}

Result<VerifyReport> RocksDbJournalImpl::VerifyOnce() const {
  VerifyReport report;
  IndexDigests digests;
  AppendTracker appends(digests);
  Sha256 hasher;
  Sha256Digest previous{};
  int64_t previous_timestamp = INT64_MIN;
  // A writer's journal takes appends while it is verified: the records and both indexes are
  // read in one snapshot, up to the last published position. (A secondary instance has no
  // snapshots; its view moves only when it catches up, and the bound covers that.)
  const uint64_t last = LastPosition();
  std::optional<rocksdb::ManagedSnapshot> snapshot;
  digests.read_options = VerifyReadOptions();
  if (!options_.read_only) {
    snapshot.emplace(db_.get());
    digests.read_options.snapshot = snapshot->snapshot();
  }
  digests.last = last;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(digests.read_options, records_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const uint64_t expected = report.records + 1;
    const std::string where = PositionName(expected);
    if (it->key().size() != 8) return DataLossError(where + ": malformed key");
    const uint64_t position = DecodePositionKey(it->key().ToStringView());
    if (position > last) break;
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
    uint64_t& version = digests.heads[std::string(r.stream)];
    if (r.version != version + 1) {
      return DataLossError(where + ": stream " + std::string(r.stream) + " version " +
                           std::to_string(r.version) + " follows " + std::to_string(version));
    }
    version = r.version;
    ++digests.events;
    digests.event_sum += EventDigest(r.stream, r.version, r.position);
    appends.Add(r);
    previous = r.hash;
    previous_timestamp = r.timestamp_us;
    ++report.records;
  }
  if (!it->status().ok()) {
    return FromRocks(it->status(), PositionName(report.records + 1) + ": unreadable")
        .WithContext("verify");
  }
  if (report.records < last) {
    return DataLossError(PositionName(report.records + 1) +
                         ": missing (the journal's last position is " + std::to_string(last) + ")");
  }
  appends.Finish();
  TRUNKLINE_RETURN_IF_ERROR(VerifyStreamIndex(digests).WithContext("verify: stream index"));
  TRUNKLINE_RETURN_IF_ERROR(VerifyCommandIndex(digests).WithContext("verify: command index"));
  report.last_position = report.records;
  report.last_hash = previous;
  return report;
}

Status RocksDbJournalImpl::VerifyStreamIndex(const IndexDigests& expected) const {
  uint64_t events = 0;
  uint64_t sum = 0;
  size_t streams = 0;
  std::string stream;
  uint64_t next_version = 0;
  auto finish_stream = [&]() -> Status {
    if (next_version == 0) return OkStatus();
    ++streams;
    auto head = expected.heads.find(stream);
    if (head == expected.heads.end()) {
      return DataLossError("stream " + stream + " is indexed but has no records");
    }
    if (head->second != next_version - 1) {
      return DataLossError("stream " + stream + " is indexed up to version " +
                           std::to_string(next_version - 1) + ", but its records go to " +
                           std::to_string(head->second));
    }
    return OkStatus();
  };
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(expected.read_options, streams_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const rocksdb::Slice key = it->key();
    if (key.size() < 10 || key[key.size() - 9] != '\0') {
      return DataLossError("malformed key of " + std::to_string(key.size()) + " bytes");
    }
    const std::string_view key_stream(key.data(), key.size() - 9);
    const uint64_t version = VersionOfStreamKey(key);
    Result<StreamRun> run = DecodeStreamRun(it->value().ToStringView());
    if (!run.ok()) {
      return run.status().WithContext("stream " + std::string(key_stream) + " version " +
                                      std::to_string(version));
    }
    if (run->first_position > expected.last) continue;  // appended since
    if (key_stream != stream) {
      TRUNKLINE_RETURN_IF_ERROR(finish_stream());
      stream = key_stream;
      next_version = 1;
    }
    const std::string where = "stream " + stream + " version " + std::to_string(version);
    if (version != next_version || run->count == 0) {
      return DataLossError(where + ": an entry where version " + std::to_string(next_version) +
                           " was expected");
    }
    for (uint64_t i = 0; i < run->count; ++i) {
      sum += EventDigest(stream, version + i, run->first_position + i);
    }
    events += run->count;
    next_version += run->count;
  }
  TRUNKLINE_RETURN_IF_ERROR(FromRocks(it->status(), "unreadable"));
  TRUNKLINE_RETURN_IF_ERROR(finish_stream());
  if (streams != expected.heads.size()) {
    for (const auto& [name, head] : expected.heads) {
      TRUNKLINE_ASSIGN_OR_RETURN(uint64_t indexed, StreamHeadOnce(name, expected.last));
      if (indexed == 0) return DataLossError("stream " + name + " has records but no index");
    }
  }
  if (events == expected.events && sum == expected.event_sum) return OkStatus();
  // Name the first entry that points at the wrong records.
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key_stream(it->key().data(), it->key().size() - 9);
    const uint64_t version = VersionOfStreamKey(it->key());
    TRUNKLINE_ASSIGN_OR_RETURN(StreamRun run, DecodeStreamRun(it->value().ToStringView()));
    if (run.first_position > expected.last) continue;
    std::vector<StreamEntry> entries;
    for (uint64_t i = 0; i < run.count; ++i)
      entries.push_back({version + i, run.first_position + i});
    TRUNKLINE_RETURN_IF_ERROR(
        VisitPositions(key_stream, entries, [](const RecordView&) { return true; }).status());
  }
  return DataLossError("it indexes " + std::to_string(events) + " events, the records hold " +
                       std::to_string(expected.events));
}

Status RocksDbJournalImpl::VerifyCommandIndex(const IndexDigests& expected) const {
  uint64_t appends = 0;
  uint64_t sum = 0;
  rocksdb::ReadOptions read_options = expected.read_options;
  read_options.total_order_seek = true;  // the family is hashed by whole key
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, commands_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    Result<CommandEntry> entry = DecodeCommandEntry(it->value().ToStringView());
    if (!entry.ok()) return entry.status().WithContext("command id " + it->key().ToString());
    if (entry->receipt.first_position > expected.last) continue;  // appended since
    ++appends;
    sum += AppendDigest(it->key().ToStringView(), entry->receipt);
  }
  TRUNKLINE_RETURN_IF_ERROR(FromRocks(it->status(), "unreadable"));
  if (appends == expected.appends && sum == expected.append_sum) return OkStatus();
  // Name the first entry whose receipt does not match its records.
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string command_id = it->key().ToString();
    TRUNKLINE_ASSIGN_OR_RETURN(CommandEntry entry, DecodeCommandEntry(it->value().ToStringView()));
    const AppendReceipt& r = entry.receipt;
    if (r.first_position > expected.last) continue;
    TRUNKLINE_ASSIGN_OR_RETURN(std::vector<Record> first, ReadAll(r.first_position, 1));
    if (first.empty() || first.front().metadata.command_id != command_id ||
        first.front().stream != r.stream || first.front().version != r.first_version ||
        r.last_position - r.first_position != r.last_version - r.first_version) {
      return DataLossError("command id " + command_id + ": its entry names " +
                           PositionName(r.first_position) + " of stream " + r.stream +
                           ", which the records do not bear out");
    }
  }
  return DataLossError("it holds " + std::to_string(appends) + " appends, the records " +
                       std::to_string(expected.appends));
}

}  // namespace trunkline::journal::internal
