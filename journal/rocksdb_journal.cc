// RocksDbJournal: storage options, group-committed appends, and catching up. Opening and
// recovery are in rocksdb_journal_open.cc, reads in rocksdb_journal_read.cc, Verify in
// rocksdb_journal_verify.cc. Key layout: FORMAT.md.
#include <fcntl.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "rocksdb_journal_impl.h"
#include "trunkline/base/check.h"

namespace trunkline::journal {

std::string ExpectedVersion::ToString() const {
  if (is_any()) return "any";
  if (value_ == 0) return "no stream";
  return std::to_string(value_);
}

Result<std::unique_ptr<RocksDbJournal>> RocksDbJournal::Open(const RocksDbJournalOptions& options) {
  return internal::RocksDbJournalImpl::Open(options);
}

namespace internal {
namespace {

constexpr size_t kMaxStreamBytes = 256;
constexpr size_t kMaxCommandIdBytes = 256;
constexpr size_t kMaxTypeBytes = 128;
constexpr size_t kMaxRequestBytes = 64 << 20;

rocksdb::ColumnFamilyOptions TableOptions(bool point_lookups, bool sequential_keys) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  if (point_lookups) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    cf.memtable_prefix_bloom_size_ratio = 0.05;
    cf.memtable_whole_key_filtering = true;
  }
  // Records are read in key order (scans, and a stream's runs): larger blocks, fewer of them.
  table.block_size = point_lookups ? 16 << 10 : 64 << 10;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (sequential_keys) {
    // Keys arrive in increasing order: insert next to the previous one.
    cf.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(4));
  }
  // The point-lookup families hold small entries in random key order: small memtables keep
  // their skip lists shallow and cache-resident, which is what inserts cost.
  cf.write_buffer_size = point_lookups ? 8 << 20 : 64 << 20;
  // Upper levels stay uncompressed (cheap to write); the bottom level, where most data
  // settles, is compressed.
  cf.compression = rocksdb::kNoCompression;
  cf.bottommost_compression = rocksdb::kLZ4Compression;
  return cf;
}

// The stream of a stream index key: what comes before its NUL.
class StreamOfKey final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "trunkline.StreamOfKey"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* nul = std::memchr(key.data(), '\0', key.size());
    return rocksdb::Slice(key.data(), static_cast<const char*>(nul) - key.data());
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return std::memchr(key.data(), '\0', key.size()) != nullptr;
  }
};

// A stream's index entries arrive in version order, but the streams' entries interleave: a
// skip list insert would search from the top each time. Inserted next to the stream's
// previous entry instead (one remembered position per stream and memtable), they cost a
// few comparisons (measured: about a tenth of the commit path's CPU per event).
rocksdb::ColumnFamilyOptions StreamTableOptions() {
  rocksdb::ColumnFamilyOptions cf = TableOptions(true, false);
  cf.memtable_insert_with_hint_prefix_extractor = std::make_shared<StreamOfKey>();
  return cf;
}

// Command entries are only ever looked up by their whole key: a hash memtable inserts in
// constant time where a skip list pays a cache miss per level.
rocksdb::ColumnFamilyOptions CommandTableOptions() {
  rocksdb::ColumnFamilyOptions cf = TableOptions(true, false);
  cf.prefix_extractor.reset(rocksdb::NewNoopTransform());
  cf.memtable_factory.reset(rocksdb::NewHashLinkListRepFactory(1 << 16));
  cf.memtable_prefix_bloom_size_ratio = 0;
  return cf;
}

// RocksDB's diagnostic log, kept in the journal directory's LOG file. RocksDB's own logger
// asserts when a write after a failed one (a full disk) meets its earlier error; this one
// just drops what it cannot write: diagnostics must never take the journal down.
class DiagnosticLog final : public rocksdb::Logger {
 public:
  explicit DiagnosticLog(const std::string& path)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL),
        fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {}
  ~DiagnosticLog() override {
    if (fd_ >= 0) ::close(fd_);
  }
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (fd_ < 0) return;
    char line[1024];
    const int n = std::vsnprintf(line, sizeof(line) - 1, format, ap);
    if (n < 0) return;
    size_t size = std::min(static_cast<size_t>(n), sizeof(line) - 2);
    line[size++] = '\n';
    if (::write(fd_, line, size) < 0) return;  // dropped
  }

 private:
  int fd_;
};

Status ValidateRequest(const AppendRequest& request, size_t max_events) {
  auto invalid = [](std::string field, std::string rule) {
    return InvalidArgumentError(field + ": " + rule);
  };
  if (request.stream.empty() || request.stream.size() > kMaxStreamBytes) {
    return invalid("stream", "must be 1 to 256 bytes");
  }
  if (request.stream.find('\0') != std::string::npos) {
    return invalid("stream", "must not contain a NUL byte");
  }
  if (request.metadata.command_id.empty() ||
      request.metadata.command_id.size() > kMaxCommandIdBytes) {
    return invalid("metadata.command_id", "must be 1 to 256 bytes");
  }
  if (request.events.empty()) return invalid("events", "must hold at least one event");
  if (request.events.size() > max_events) {
    return invalid("events", "at most " + std::to_string(max_events) + " per append");
  }
  size_t bytes = 0;
  for (size_t i = 0; i < request.events.size(); ++i) {
    const NewEvent& e = request.events[i];
    const std::string field = "events[" + std::to_string(i) + "]";
    if (e.type.empty() || e.type.size() > kMaxTypeBytes) {
      return invalid(field + ".type", "must be 1 to 128 bytes");
    }
    if (e.schema_version == 0) return invalid(field + ".schema_version", "must be >= 1");
    bytes += e.payload.size();
  }
  if (bytes > kMaxRequestBytes) return invalid("events", "payloads exceed 64 MiB in total");
  return OkStatus();
}

}  // namespace

std::string PositionKey(uint64_t position) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i, position >>= 8) key[i] = static_cast<char>(position & 0xff);
  return key;
}

uint64_t DecodePositionKey(std::string_view key) {
  TRUNKLINE_CHECK(key.size() == 8);
  uint64_t n = 0;
  for (char c : key) n = (n << 8) | static_cast<unsigned char>(c);
  return n;
}

std::string EncodeStreamRun(const StreamRun& run) {
  return PositionKey(run.first_position) + PositionKey(run.count);
}

Result<StreamRun> DecodeStreamRun(std::string_view value) {
  if (value.size() != 16) return DataLossError("stream index entry is malformed");
  return StreamRun{DecodePositionKey(value.substr(0, 8)), DecodePositionKey(value.substr(8))};
}

std::string StreamKey(std::string_view stream, uint64_t version) {
  std::string key(stream);
  key.push_back('\0');
  key += PositionKey(version);
  return key;
}

Status FromRocks(const rocksdb::Status& status, std::string_view context) {
  if (status.ok()) return OkStatus();
  std::string message = std::string(context) + ": " + status.ToString();
  if (status.IsCorruption()) return DataLossError(std::move(message));
  // A file the database names is gone: damage, not a missing key.
  if (status.IsPathNotFound()) return DataLossError(std::move(message));
  if (status.IsNotFound()) return NotFoundError(std::move(message));
  if (status.IsNoSpace()) return ResourceExhaustedError(std::move(message));
  if (status.IsIOError()) {
    const std::string_view text = message;
    if (text.find("Permission denied") != text.npos ||
        text.find("Read-only file system") != text.npos) {
      return PermissionDeniedError(std::move(message));
    }
  }
  if (status.IsInvalidArgument()) return InvalidArgumentError(std::move(message));
  if (status.IsNotSupported()) return UnimplementedError(std::move(message));
  if (status.IsIOError() || status.IsBusy() || status.IsTryAgain() || status.IsTimedOut()) {
    return UnavailableError(std::move(message));
  }
  return InternalError(std::move(message));
}

// What the leader builds while staging one group.
struct RocksDbJournalImpl::Group {
  rocksdb::WriteBatch batch;
  std::unordered_map<std::string, CommandEntry> commands;  // staged in this group
  // What the database held for the group's command ids before it was staged: looked up all
  // at once (one MultiGet), which costs a fraction of a point lookup for each.
  struct Stored {
    rocksdb::Status status;
    rocksdb::PinnableSlice bytes;
  };
  std::unordered_map<std::string_view, Stored> stored;
  uint64_t next_position;
  Sha256Digest chain_head;
  int64_t timestamp_us;
  std::string value;  // scratch buffer for one record
};

RocksDbJournalImpl::RocksDbJournalImpl(const RocksDbJournalOptions& options)
    : options_(options), clock_(options.clock ? *options.clock : SystemClock()) {}

RocksDbJournalImpl::~RocksDbJournalImpl() {
  // First: what is still queued is committed with the database open, and every callback
  // has been called before anything goes.
  StopCommitThread();
  {
    std::lock_guard lock(commit_mu_);
    closing_ = true;
  }
  commit_cv_.notify_all();
  if (chain_head_file_) chain_head_file_->Sync().IgnoreError();
  if (db_) {
    ReleaseDir();
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
    db_->Close().PermitUncheckedError();
    db_.reset();
  }
  if (!secondary_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(secondary_dir_, ignored);
  }
}

Result<std::unique_ptr<RocksDbJournal>> RocksDbJournalImpl::Open(
    const RocksDbJournalOptions& options) {
  if (options.dir.empty()) return InvalidArgumentError("dir: must not be empty");
  if (options.max_group_events == 0 || options.max_group_bytes == 0) {
    return InvalidArgumentError("max_group_events, max_group_bytes: must be > 0");
  }
  std::unique_ptr<RocksDbJournalImpl> journal(new RocksDbJournalImpl(options));
  TRUNKLINE_RETURN_IF_ERROR(journal->OpenDb());
  TRUNKLINE_RETURN_IF_ERROR(journal->LoadTail());
  TRUNKLINE_RETURN_IF_ERROR(journal->CheckChainHead());
  if (!options.read_only) TRUNKLINE_RETURN_IF_ERROR(journal->StartCommitThread());
  return std::unique_ptr<RocksDbJournal>(std::move(journal));
}

rocksdb::DBOptions RocksDbJournalImpl::DbOptions() const {
  rocksdb::DBOptions db_options;
  if (!options_.read_only) {
    db_options.info_log = std::make_shared<DiagnosticLog>(options_.dir + "/LOG");
  }
  // A torn last record (a crash mid-write, never acknowledged) is dropped; corruption
  // anywhere else refuses the open instead of silently losing what follows it. A lost
  // acknowledged tail is found by the chain head check (rocksdb_journal_open.cc).
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  db_options.track_and_verify_wals_in_manifest = true;
  db_options.paranoid_checks = true;
  // The families flush together: a reader beside the writer (a secondary instance) catching
  // up never sees one family's entries dropped from the log while another's are kept, which
  // showed as an index briefly behind its records.
  db_options.atomic_flush = true;
  db_options.max_background_jobs = 2;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.keep_log_file_num = 2;
  db_options.allow_concurrent_memtable_write = false;  // required by hash memtables
  return db_options;
}

std::vector<rocksdb::ColumnFamilyDescriptor> RocksDbJournalImpl::Families() {
  return {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"records", TableOptions(false, true)},
      {"streams", StreamTableOptions()},
      {"commands", CommandTableOptions()},
  };
}

void RocksDbJournalImpl::PublishLastPosition(uint64_t position) const {
  {
    std::lock_guard lock(commit_mu_);
    last_position_.store(position);
  }
  commit_cv_.notify_all();
}

Status RocksDbJournalImpl::CatchUp() { return Refresh(); }

Status RocksDbJournalImpl::Refresh() const {
  if (!options_.read_only) return OkStatus();
  std::lock_guard lock(refresh_mu_);
  TRUNKLINE_RETURN_IF_ERROR(
      FromRocks(db_->TryCatchUpWithPrimary(), "catching up with the journal's writer"));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), records_));
  it->SeekToLast();
  TRUNKLINE_RETURN_IF_ERROR(FromRocks(it->status(), "reading the journal's last record"));
  if (it->Valid() && it->key().size() != 8) return DataLossError("records: malformed last key");
  PublishLastPosition(it->Valid() ? DecodePositionKey(it->key().ToStringView()) : 0);
  return OkStatus();
}

Status RocksDbJournalImpl::Seen(Status status) const {
  if (status.code() != StatusCode::kDataLoss || options_.read_only) return status;
  std::lock_guard lock(damaged_mu_);
  if (!is_damaged_.load()) {
    damaged_ = status;
    is_damaged_.store(true);
  }
  return status;
}

Status RocksDbJournalImpl::Compact() {
  if (options_.read_only) {
    return FailedPreconditionError("journal " + options_.dir + " is open read-only");
  }
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    TRUNKLINE_RETURN_IF_ERROR(FromRocks(db_->CompactRange(options, handle, nullptr, nullptr),
                                        "compacting " + handle->GetName()));
  }
  return OkStatus();
}

uint64_t RocksDbJournalImpl::WaitForPositionAfter(uint64_t position,
                                                  std::chrono::milliseconds timeout) const {
  std::unique_lock lock(commit_mu_);
  commit_cv_.wait_for(lock, timeout, [&] { return last_position_.load() > position || closing_; });
  return last_position_.load();
}

Status RocksDbJournalImpl::CheckRequest(const AppendRequest& request) const {
  if (options_.read_only) {
    return FailedPreconditionError("journal " + options_.dir + " is open read-only");
  }
  return ValidateRequest(request, options_.max_group_events);
}

Status RocksDbJournalImpl::RefusedAfterDataLoss() const {
  std::lock_guard lock(damaged_mu_);
  return DataLossError("journal " + options_.dir + " refuses appends: it met data loss (" +
                       damaged_.message() + ")");
}

Result<AppendReceipt> RocksDbJournalImpl::Append(const AppendRequest& request) {
  TRUNKLINE_RETURN_IF_ERROR(CheckRequest(request));
  if (is_damaged_.load()) return RefusedAfterDataLoss();
  // The commit thread may hold the lead while it runs callbacks: waiting there would be
  // waiting for itself.
  if (OnCommitThread()) {
    return FailedPreconditionError(
        "Append called from an AppendAsync callback, which must not block: use AppendAsync");
  }
  auto self = std::make_shared<Writer>();
  self->request = &request;
  self->digest = CommandDigest(request);
  {
    std::lock_guard lock(queue_mu_);
    queue_.push_back(self);
    if (queue_.size() == 1) self->state.store(Writer::kLead, std::memory_order_relaxed);
  }
  if (self->Wait() == Writer::kDone) return std::move(self->result);
  LeadOneGroup(self.get());
  return std::move(self->result);
}

// Commits the writer at the front of the queue and everything queued behind it, within the
// group limits, then hands the lead to the next in line. Wake-ups happen outside the queue
// lock.
void RocksDbJournalImpl::LeadOneGroup(const Writer* self) {
  std::vector<std::shared_ptr<Writer>> group;
  {
    std::lock_guard lock(queue_mu_);
    group = TakeGroupLocked();
  }
  CommitGroup(group);
  // Before the lead moves on: the next leader's callbacks must not overtake these.
  QueueCompletions(group);
  std::shared_ptr<Writer> next;
  {
    std::lock_guard lock(queue_mu_);
    for (const auto& w : group) {
      TRUNKLINE_CHECK(queue_.front() == w);
      queue_.pop_front();
    }
    if (!queue_.empty()) next = queue_.front();
  }
  if (next) {
    if (next->async) {
      GiveLeadToCommitThread();
    } else {
      next->Wake(Writer::kLead);
    }
  }
  for (const auto& w : group) {
    if (w.get() != self && !w->async) w->Wake(Writer::kDone);
  }
}

std::vector<std::shared_ptr<RocksDbJournalImpl::Writer>> RocksDbJournalImpl::TakeGroupLocked() {
  std::vector<std::shared_ptr<Writer>> group;
  size_t events = 0;
  size_t bytes = 0;
  for (const std::shared_ptr<Writer>& w : queue_) {
    size_t w_bytes = 0;
    for (const NewEvent& e : w->request->events) w_bytes += e.payload.size();
    const bool fits = events + w->request->events.size() <= options_.max_group_events &&
                      bytes + w_bytes <= options_.max_group_bytes;
    if (!group.empty() && !fits) break;
    group.push_back(w);
    events += w->request->events.size();
    bytes += w_bytes;
  }
  return group;
}

void RocksDbJournalImpl::CommitGroup(const std::vector<std::shared_ptr<Writer>>& writers) {
  if (!failed_.ok()) {
    for (const auto& w : writers) w->result = failed_;
    return;
  }
  Group group;
  group.next_position = next_position_;
  group.chain_head = chain_head_;
  group.timestamp_us = std::max(clock_.NowMicros(), last_timestamp_us_);
  LookUpCommands(writers, group);
  for (const auto& w : writers) w->result = Seen(Stage(*w, group));
  if (group.batch.Count() == 0) return;

  rocksdb::WriteOptions sync;
  sync.sync = true;
  Status s = FromRocks(db_->Write(sync, &group.batch), "journal write failed");
  if (!s.ok()) {
    // The cached heads may now be ahead of the disk; refuse appends until reopened.
    failed_ = s.WithContext("appends are refused until the journal is reopened");
    heads_.clear();
    for (const auto& w : writers) {
      if (w->result.ok() && (!w->result->replayed || w->replays_own_group)) w->result = s;
    }
    return;
  }
  next_position_ = group.next_position;
  chain_head_ = group.chain_head;
  last_timestamp_us_ = group.timestamp_us;
  // The durable chain head, before anyone is told: see CheckChainHead.
  if (Status head = chain_head_file_->Write({next_position_ - 1, chain_head_}); !head.ok()) {
    failed_ = head.WithContext("appends are refused until the journal is reopened");
  }
  PublishLastPosition(next_position_ - 1);
}

void RocksDbJournalImpl::LookUpCommands(const std::vector<std::shared_ptr<Writer>>& writers,
                                        Group& group) const {
  std::vector<rocksdb::Slice> keys;
  std::vector<Group::Stored*> answers;
  keys.reserve(writers.size());
  answers.reserve(writers.size());
  for (const auto& w : writers) {
    const std::string& id = w->request->metadata.command_id;
    auto [it, added] = group.stored.try_emplace(id);
    if (!added) continue;
    keys.emplace_back(id);
    answers.push_back(&it->second);
  }
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), commands_, keys.size(), keys.data(), values.data(),
                statuses.data());
  for (size_t i = 0; i < keys.size(); ++i) {
    answers[i]->status = std::move(statuses[i]);
    answers[i]->bytes = std::move(values[i]);
  }
}

Result<std::optional<CommandEntry>> RocksDbJournalImpl::FindCommand(const std::string& command_id,
                                                                    const Group& group) const {
  if (auto it = group.commands.find(command_id); it != group.commands.end()) {
    return std::optional<CommandEntry>(it->second);
  }
  rocksdb::Status s;
  rocksdb::PinnableSlice fetched;
  std::string_view bytes;
  if (auto it = group.stored.find(command_id); it != group.stored.end()) {
    s = it->second.status;
    bytes = it->second.bytes.ToStringView();
  } else {
    s = db_->Get(rocksdb::ReadOptions(), commands_, command_id, &fetched);
    bytes = fetched.ToStringView();
  }
  if (s.IsNotFound()) return std::optional<CommandEntry>();
  TRUNKLINE_RETURN_IF_ERROR(FromRocks(s, "looking up command id " + command_id));
  Result<CommandEntry> entry = DecodeCommandEntry(bytes);
  if (!entry.ok()) return entry.status().WithContext("command id " + command_id);
  return std::optional<CommandEntry>(std::move(*entry));
}

Result<std::optional<AppendReceipt>> RocksDbJournalImpl::FindCommand(
    const std::string& command_id) const {
  TRUNKLINE_ASSIGN_OR_RETURN(std::optional<CommandEntry> entry,
                             Seen(FindCommand(command_id, Group())));
  if (!entry) return std::optional<AppendReceipt>();
  return std::optional<AppendReceipt>(entry->receipt);
}

Result<uint64_t> RocksDbJournalImpl::CachedHead(const std::string& stream) {
  if (auto it = heads_.find(stream); it != heads_.end()) return it->second;
  // Every append written counts, durable yet or not: the leader stages on top of them.
  TRUNKLINE_ASSIGN_OR_RETURN(uint64_t head, Seen(StreamHeadOnce(stream, UINT64_MAX)));
  heads_.emplace(stream, head);
  return head;
}

// Checks one request against the journal plus what this group staged before it, and on
// success adds its records to the batch.
Result<AppendReceipt> RocksDbJournalImpl::Stage(Writer& writer, Group& group) {
  const AppendRequest& request = *writer.request;
  const std::string& command_id = request.metadata.command_id;
  TRUNKLINE_ASSIGN_OR_RETURN(std::optional<CommandEntry> previous, FindCommand(command_id, group));
  if (previous) {
    if (previous->digest != writer.digest) {
      const AppendReceipt& r = previous->receipt;
      return AlreadyExistsError("command id " + command_id + " was already used for other " +
                                "events (stream " + r.stream + ", positions " +
                                std::to_string(r.first_position) + ".." +
                                std::to_string(r.last_position) + ")");
    }
    AppendReceipt receipt = previous->receipt;
    receipt.replayed = true;
    writer.replays_own_group = group.commands.count(command_id) > 0;
    return receipt;
  }
  TRUNKLINE_ASSIGN_OR_RETURN(uint64_t head, CachedHead(request.stream));
  if (!request.expected.is_any() && request.expected.version() != head) {
    return AbortedError("stream " + request.stream + ": expected version " +
                        request.expected.ToString() + ", but it is at " +
                        (head == 0 ? std::string("no stream") : std::to_string(head)));
  }
  const size_t n = request.events.size();
  AppendReceipt receipt{
      request.stream,    head + 1, head + n, group.next_position, group.next_position + n - 1,
      group.timestamp_us};
  Sha256 hasher;
  for (const NewEvent& event : request.events) {
    Placement placement{group.next_position, &request.stream, ++head, group.timestamp_us};
    group.value.clear();
    AppendRecordBody(placement, request.metadata, event, &group.value);
    hasher.Update(group.chain_head);
    hasher.Update(group.value);
    group.chain_head = hasher.Finish();
    group.value.append(reinterpret_cast<const char*>(group.chain_head.data()), kHashSize);
    group.batch.Put(records_, PositionKey(group.next_position++), group.value)
        .PermitUncheckedError();
  }
  // One index entry per append: its events are contiguous in version and in position.
  group.batch
      .Put(streams_, StreamKey(request.stream, receipt.first_version),
           EncodeStreamRun({receipt.first_position, n}))
      .PermitUncheckedError();
  CommandEntry entry{receipt, writer.digest};
  group.batch.Put(commands_, command_id, EncodeCommandEntry(entry)).PermitUncheckedError();
  group.commands.emplace(command_id, std::move(entry));
  heads_[request.stream] = head;
  return receipt;
}

}  // namespace internal
}  // namespace trunkline::journal
