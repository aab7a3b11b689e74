// RocksDbJournal: opening, recovery and group-committed appends. Reads and Verify are in
// rocksdb_journal_read.cc. Key layout: FORMAT.md.
#include <linux/futex.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
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

constexpr char kFormatKey[] = "format";
constexpr char kFormatValue[] = "1";
constexpr char kHolderFile[] = "HOLDER";
constexpr size_t kMaxStreamBytes = 256;
constexpr size_t kMaxCommandIdBytes = 256;
constexpr size_t kMaxTypeBytes = 128;
constexpr size_t kMaxRequestBytes = 64 << 20;

std::string SelfDescription() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  while (!cmdline.empty() && cmdline.back() == ' ') cmdline.pop_back();
  return "pid " + std::to_string(getpid()) + " (" + cmdline + ")";
}

std::string ReadHolder(const std::string& dir) {
  std::ifstream in(std::filesystem::path(dir) / kHolderFile);
  std::string holder;
  std::getline(in, holder);
  return holder.empty() ? "an unknown process" : holder;
}

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

// Command entries are only ever looked up by their whole key: a hash memtable inserts in
// constant time where a skip list pays a cache miss per level.
rocksdb::ColumnFamilyOptions CommandTableOptions() {
  rocksdb::ColumnFamilyOptions cf = TableOptions(true, false);
  cf.prefix_extractor.reset(rocksdb::NewNoopTransform());
  cf.memtable_factory.reset(rocksdb::NewHashLinkListRepFactory(1 << 16));
  cf.memtable_prefix_bloom_size_ratio = 0;
  return cf;
}

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
  if (status.IsNotFound()) return NotFoundError(std::move(message));
  if (status.IsInvalidArgument()) return InvalidArgumentError(std::move(message));
  if (status.IsNotSupported()) return UnimplementedError(std::move(message));
  if (status.IsIOError() || status.IsBusy() || status.IsTryAgain() || status.IsTimedOut()) {
    return UnavailableError(std::move(message));
  }
  return InternalError(std::move(message));
}

// One request in the append queue. Shared by its Append() caller and the leader that
// commits it, so that the leader may still notify it after the caller has returned.
// Waiting is a bare futex: std::atomic::wait spins and yields first, which with dozens of
// waiting appenders on few cores costs more than the commit itself.
struct RocksDbJournalImpl::Writer {
  enum State : int { kWaiting, kLead, kDone };
  static_assert(sizeof(std::atomic<int>) == sizeof(int) && std::atomic<int>::is_always_lock_free);

  const AppendRequest* request = nullptr;
  Sha256Digest digest{};
  Result<AppendReceipt> result = InternalError("append was not committed");
  std::atomic<int> state{kWaiting};

  // Returns the state once it is no longer kWaiting.
  int Wait() {
    int s;
    while ((s = state.load(std::memory_order_acquire)) == kWaiting) {
      syscall(SYS_futex, reinterpret_cast<int*>(&state), FUTEX_WAIT_PRIVATE, kWaiting, nullptr,
              nullptr, 0);
    }
    return s;
  }

  void Wake(State to) {
    state.store(to, std::memory_order_release);
    syscall(SYS_futex, reinterpret_cast<int*>(&state), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }
};

// What the leader builds while staging one group.
struct RocksDbJournalImpl::Group {
  rocksdb::WriteBatch batch;
  std::unordered_map<std::string, CommandEntry> commands;  // staged in this group
  uint64_t next_position;
  Sha256Digest chain_head;
  int64_t timestamp_us;
  std::string value;  // scratch buffer for one record
};

RocksDbJournalImpl::RocksDbJournalImpl(const RocksDbJournalOptions& options)
    : options_(options), clock_(options.clock ? *options.clock : SystemClock()) {}

RocksDbJournalImpl::~RocksDbJournalImpl() {
  {
    std::lock_guard lock(commit_mu_);
    closing_ = true;
  }
  commit_cv_.notify_all();
  if (db_) {
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
    db_->Close().PermitUncheckedError();
    db_.reset();
  }
  if (!options_.read_only && !options_.dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove(std::filesystem::path(options_.dir) / kHolderFile, ignored);
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
  return std::unique_ptr<RocksDbJournal>(std::move(journal));
}

Status RocksDbJournalImpl::OpenDb() {
  const std::string& dir = options_.dir;
  std::error_code ec;
  if (!options_.read_only) std::filesystem::create_directories(dir, ec);
  if (ec) return UnavailableError("creating journal directory " + dir + ": " + ec.message());

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = !options_.read_only;
  db_options.create_missing_column_families = !options_.read_only;
  // A torn last record (a crash mid-write, never acknowledged) is dropped; corruption
  // anywhere else refuses the open instead of silently losing what follows it.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  db_options.max_background_jobs = 2;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.keep_log_file_num = 2;
  db_options.allow_concurrent_memtable_write = false;  // required by hash memtables
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"records", TableOptions(false, true)},
      {"streams", TableOptions(true, false)},
      {"commands", CommandTableOptions()},
  };

  rocksdb::DB* db = nullptr;
  rocksdb::Status s;
  if (options_.read_only) {
    if (!std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec)) {
      return NotFoundError("journal " + dir + " does not exist (nothing has been written yet)");
    }
    char scratch[] = "/tmp/trunkline-journal-reader-XXXXXX";
    if (mkdtemp(scratch) == nullptr) return UnavailableError("creating a scratch directory");
    secondary_dir_ = scratch;
    db_options.max_open_files = -1;  // required of secondary instances
    s = rocksdb::DB::OpenAsSecondary(db_options, dir, secondary_dir_, families, &handles_, &db);
  } else {
    s = rocksdb::DB::Open(db_options, dir, families, &handles_, &db);
  }
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return UnavailableError("journal " + dir + " is open in another process: " + ReadHolder(dir) +
                              "; read-only access is still possible");
    }
    return FromRocks(s, "opening journal " + dir);
  }
  db_.reset(db);
  records_ = handles_[1];
  streams_ = handles_[2];
  commands_ = handles_[3];
  if (options_.read_only) return OkStatus();

  std::ofstream(std::filesystem::path(dir) / kHolderFile, std::ios::trunc)
      << SelfDescription() << "\n";
  std::string format;
  s = db_->Get(rocksdb::ReadOptions(), kFormatKey, &format);
  if (s.IsNotFound()) {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    return FromRocks(db_->Put(sync, kFormatKey, kFormatValue), "writing the format marker");
  }
  TRUNKLINE_RETURN_IF_ERROR(FromRocks(s, "reading the format marker"));
  if (format != kFormatValue) {
    return FailedPreconditionError("journal " + dir + " has format " + format +
                                   "; this build reads format " + kFormatValue);
  }
  return OkStatus();
}

// Recovers the commit state from the last record.
Status RocksDbJournalImpl::LoadTail() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), records_));
  it->SeekToLast();
  TRUNKLINE_RETURN_IF_ERROR(FromRocks(it->status(), "reading the journal's last record"));
  if (!it->Valid()) {
    next_position_ = 1;
    chain_head_ = Sha256Digest{};
    last_timestamp_us_ = 0;
    PublishLastPosition(0);
    return OkStatus();
  }
  if (it->key().size() != 8) return DataLossError("records: malformed last key");
  const uint64_t position = DecodePositionKey(it->key().ToStringView());
  TRUNKLINE_ASSIGN_OR_RETURN(RecordView last,
                             ViewRecordValue(position, it->value().ToStringView()));
  next_position_ = position + 1;
  chain_head_ = last.hash;
  last_timestamp_us_ = last.timestamp_us;
  heads_.clear();
  PublishLastPosition(position);
  return OkStatus();
}

void RocksDbJournalImpl::PublishLastPosition(uint64_t position) {
  {
    std::lock_guard lock(commit_mu_);
    last_position_.store(position);
  }
  commit_cv_.notify_all();
}

Status RocksDbJournalImpl::CatchUp() {
  if (!options_.read_only) return OkStatus();
  TRUNKLINE_RETURN_IF_ERROR(FromRocks(db_->TryCatchUpWithPrimary(), "catching up"));
  return LoadTail();
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

Result<AppendReceipt> RocksDbJournalImpl::Append(const AppendRequest& request) {
  if (options_.read_only) {
    return FailedPreconditionError("journal " + options_.dir + " is open read-only");
  }
  TRUNKLINE_RETURN_IF_ERROR(ValidateRequest(request, options_.max_group_events));
  auto self = std::make_shared<Writer>();
  self->request = &request;
  self->digest = CommandDigest(request);
  {
    std::lock_guard lock(queue_mu_);
    queue_.push_back(self);
    if (queue_.size() == 1) self->state.store(Writer::kLead, std::memory_order_relaxed);
  }
  if (self->Wait() == Writer::kDone) return std::move(self->result);

  // This writer leads: commit it and everything queued behind it, within the group limits,
  // then hand the lead to the next in line. Wake-ups happen outside the queue lock.
  std::vector<std::shared_ptr<Writer>> group;
  {
    std::lock_guard lock(queue_mu_);
    group = TakeGroupLocked();
  }
  CommitGroup(group);
  std::shared_ptr<Writer> next;
  {
    std::lock_guard lock(queue_mu_);
    for (const auto& w : group) {
      TRUNKLINE_CHECK(queue_.front() == w);
      queue_.pop_front();
    }
    if (!queue_.empty()) next = queue_.front();
  }
  if (next) next->Wake(Writer::kLead);
  for (const auto& w : group) {
    if (w != self) w->Wake(Writer::kDone);
  }
  return std::move(self->result);
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
  for (const auto& w : writers) w->result = Stage(*w, group);
  if (group.batch.Count() == 0) return;

  rocksdb::WriteOptions sync;
  sync.sync = true;
  Status s = FromRocks(db_->Write(sync, &group.batch), "journal write failed");
  if (!s.ok()) {
    // The cached heads may now be ahead of the disk; refuse appends until reopened.
    failed_ = s.WithContext("appends are refused until the journal is reopened");
    heads_.clear();
    for (const auto& w : writers) {
      if (w->result.ok() && !w->result->replayed) w->result = s;
    }
    return;
  }
  next_position_ = group.next_position;
  chain_head_ = group.chain_head;
  last_timestamp_us_ = group.timestamp_us;
  PublishLastPosition(next_position_ - 1);
}

Result<std::optional<CommandEntry>> RocksDbJournalImpl::FindCommand(const std::string& command_id,
                                                                    const Group& group) const {
  if (auto it = group.commands.find(command_id); it != group.commands.end()) {
    return std::optional<CommandEntry>(it->second);
  }
  std::string bytes;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), commands_, command_id, &bytes);
  if (s.IsNotFound()) return std::optional<CommandEntry>();
  TRUNKLINE_RETURN_IF_ERROR(FromRocks(s, "looking up command id " + command_id));
  Result<CommandEntry> entry = DecodeCommandEntry(bytes);
  if (!entry.ok()) return entry.status().WithContext("command id " + command_id);
  return std::optional<CommandEntry>(std::move(*entry));
}

Result<std::optional<AppendReceipt>> RocksDbJournalImpl::FindCommand(
    const std::string& command_id) const {
  TRUNKLINE_ASSIGN_OR_RETURN(std::optional<CommandEntry> entry, FindCommand(command_id, Group()));
  if (!entry) return std::optional<AppendReceipt>();
  return std::optional<AppendReceipt>(entry->receipt);
}

Result<uint64_t> RocksDbJournalImpl::CachedHead(const std::string& stream) {
  if (auto it = heads_.find(stream); it != heads_.end()) return it->second;
  TRUNKLINE_ASSIGN_OR_RETURN(uint64_t head, StreamHead(stream));
  heads_.emplace(stream, head);
  return head;
}

// Checks one request against the journal plus what this group staged before it, and on
// success adds its records to the batch.
Result<AppendReceipt> RocksDbJournalImpl::Stage(const Writer& writer, Group& group) {
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
