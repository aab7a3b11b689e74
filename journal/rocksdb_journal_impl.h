// RocksDbJournalImpl: the RocksDB-backed Journal. Private to journal/.
//
// Writes: Append() queues a Writer; the writer at the front of the queue becomes the leader,
// stages every queued request (idempotency, expected version, positions, hashes) into one
// WriteBatch, writes it with sync, and wakes the others. Only the leader touches the commit
// state (next position, chain head, stream-head cache), so it needs no lock of its own.
//
// AppendAsync() queues an AsyncWriter, which owns its request and callback, in the same
// queue. Nobody waits on it: when one is at the front of the queue, the lead goes to the
// journal's commit thread instead (rocksdb_journal_async.cc), which commits groups exactly
// as a blocking leader does. Whoever leads a group puts its async writers' callbacks on the
// completion list before handing the lead on, so the list is in commit order; the commit
// thread alone runs it, outside every lock.
//
// Reads go straight to RocksDB; a Write is visible only once synced, and commits happen in
// position order, so readers in the writing process never see a gap. A read-only journal is
// a RocksDB secondary instance, whose view can race the writer's flushes and file deletions
// (it may miss a log the writer has just flushed and deleted): its reads check that what
// they see is dense, and on a hole catch up with the writer and resume where they were, a
// few times, before reporting data loss.
//
// A writable journal that meets data loss in any read or write refuses appends from then
// on (damaged_).
#pragma once

#include <linux/futex.h>
#include <rocksdb/db.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "chain_head.h"
#include "record_codec.h"
#include "trunkline/journal/rocksdb_journal.h"

namespace trunkline::journal::internal {

// 8-byte big-endian, so that keys sort by number.
std::string PositionKey(uint64_t position);
uint64_t DecodePositionKey(std::string_view key);  // REQUIRES: key.size() == 8
// stream '\0' first_version(8 bytes, big-endian): the key of one append's index entry.
std::string StreamKey(std::string_view stream, uint64_t version);

// The value of a stream index entry: the events of one append, versions first_version..
// first_version + count - 1 at positions first_position.. first_position + count - 1.
struct StreamRun {
  uint64_t first_position = 0;
  uint64_t count = 0;
};
std::string EncodeStreamRun(const StreamRun& run);
Result<StreamRun> DecodeStreamRun(std::string_view value);

// Whether a writer, in this process or another, holds the journal directory `dir`.
bool WriterIsLive(const std::string& dir);

// Maps a RocksDB status to ours, with `context` in front of the message.
Status FromRocks(const rocksdb::Status& status, std::string_view context);

// What Verify gathers from the records to check the indexes against (rocksdb_journal_read.cc).
struct IndexDigests;

class RocksDbJournalImpl final : public RocksDbJournal {
 public:
  ~RocksDbJournalImpl() override;

  static Result<std::unique_ptr<RocksDbJournal>> Open(const RocksDbJournalOptions& options);

  Result<AppendReceipt> Append(const AppendRequest& request) override;
  void AppendAsync(AppendRequest request, AppendCallback done) override;
  Result<std::vector<Record>> ReadStream(const std::string& stream, uint64_t from_version,
                                         size_t max_count) const override;
  Status ScanStream(const std::string& stream, uint64_t from_version, uint64_t to_position,
                    const std::function<bool(const RecordView&)>& visit) const override;
  Result<std::vector<Record>> ReadStreamBackward(const std::string& stream, uint64_t from_version,
                                                 size_t max_count) const override;
  Result<std::vector<Record>> ReadAll(uint64_t from_position, size_t max_count) const override;
  Status Scan(uint64_t from_position,
              const std::function<bool(const RecordView&)>& visit) const override;
  Result<std::vector<Record>> ReadAllBackward(uint64_t from_position,
                                              size_t max_count) const override;
  Result<std::optional<AppendReceipt>> FindCommand(const std::string& command_id) const override;
  Result<uint64_t> StreamHead(const std::string& stream) const override;
  uint64_t LastPosition() const override { return last_position_.load(); }
  Result<uint64_t> FirstPositionAtOrAfter(int64_t timestamp_us) const override;
  uint64_t WaitForPositionAfter(uint64_t position,
                                std::chrono::milliseconds timeout) const override;
  Result<VerifyReport> Verify() const override;
  std::string Identity() const override { return identity_; }
  Status CatchUp() override;
  Status Compact() override;

 private:
  struct Writer;
  struct AsyncWriter;
  struct Group;

  explicit RocksDbJournalImpl(const RocksDbJournalOptions& options);
  rocksdb::DBOptions DbOptions() const;
  static std::vector<rocksdb::ColumnFamilyDescriptor> Families();

  // Opening (rocksdb_journal_open.cc).
  Status OpenDb();
  Status LoadMarkers(bool create);
  Status LoadTail();
  Status CheckChainHead();
  // Before the lock goes: forgets the holder (so that a next writer's is never removed).
  void ReleaseDir();
  void PublishLastPosition(uint64_t position) const;

  // Read-only journals: catches up with the writer and publishes its last position.
  Status Refresh() const;
  // Notes data loss met by any operation: a writable journal then refuses appends.
  // Returns `status` unchanged.
  Status Seen(Status status) const;
  template <typename T>
  Result<T> Seen(Result<T> result) const {
    if (!result.ok()) Seen(result.status()).IgnoreError();
    return result;
  }
  // Read-only journals: whether a read that met data loss (or a view behind the chain head)
  // should catch up with the writer and try again, after sleeping a little. With a writer
  // about, the view may lag or have raced its file deletions: yes, for up to a few seconds.
  // With none, one catch-up settles it. Always false for a writable journal.
  bool RetryAfterCatchUp(int attempt, std::chrono::steady_clock::time_point start) const;
  // Runs `read` again while RetryAfterCatchUp says so (see the design comment). A hole
  // that outlasts the catching up while a writer is live is kUnavailable (BesideBusyWriter):
  // the writer has lost nothing, the reader could not see it whole.
  template <typename F>
  auto Retrying(F read) const -> decltype(read());
  // Read-only journals beside a live writer: `status` (data loss) as kUnavailable, saying so.
  Status BesideBusyWriter(Status status) const;

  // A read-only journal or a malformed request: refused before it is queued.
  Status CheckRequest(const AppendRequest& request) const;
  // Why appends are refused once data loss was met.
  Status RefusedAfterDataLoss() const;

  // Group commit. LeadOneGroup: as the leader (`self`, or the commit thread when null),
  // commits the group's writers, queues the callbacks of its async ones, hands the lead to
  // the next in line and wakes the blocking ones.
  void LeadOneGroup(const Writer* self);
  std::vector<std::shared_ptr<Writer>> TakeGroupLocked();
  void CommitGroup(const std::vector<std::shared_ptr<Writer>>& writers);
  Result<AppendReceipt> Stage(Writer& writer, Group& group);
  // Looks the group's command ids up in one batch, for FindCommand.
  void LookUpCommands(const std::vector<std::shared_ptr<Writer>>& writers, Group& group) const;
  Result<std::optional<CommandEntry>> FindCommand(const std::string& command_id,
                                                  const Group& group) const;
  Result<uint64_t> CachedHead(const std::string& stream);

  // Asynchronous appends (rocksdb_journal_async.cc).
  struct Completion {
    AppendCallback done;
    Result<AppendReceipt> result;
  };
  Status StartCommitThread();
  // Refuses new async appends, commits and calls back what is queued, joins the thread.
  void StopCommitThread();
  void CommitThreadLoop();
  void GiveLeadToCommitThread();
  // Puts the callbacks of `group`'s async writers on the completion list, in order.
  void QueueCompletions(const std::vector<std::shared_ptr<Writer>>& group);
  // Puts one callback on the completion list (appends refused without being queued).
  void QueueCompletion(AppendCallback done, Status status);
  // Calls `done`; an exception from it is caught and logged (a bug of the caller's).
  void RunCallback(const AppendCallback& done, Result<AppendReceipt> result) noexcept;
  bool OnCommitThread() const { return std::this_thread::get_id() == commit_thread_.get_id(); }

  // Reads.
  // Decodes the stored value at `position`; the view points into `value`.
  Result<RecordView> ViewRecordValue(uint64_t position, std::string_view value) const;
  struct StreamEntry {
    uint64_t version;
    uint64_t position;
  };
  // Visits the records at the entries' positions in order, checking each is the stream's
  // version the entry says, until `visit` returns false; returns whether it asked to go on.
  Result<bool> VisitPositions(std::string_view stream, const std::vector<StreamEntry>& entries,
                              const std::function<bool(const RecordView&)>& visit) const;
  // One attempt of each; the public methods retry them (Retrying).
  Status ScanOnce(uint64_t& next, const std::function<bool(const RecordView&)>& visit) const;
  Status ScanStreamOnce(const std::string& stream, uint64_t& from_version, uint64_t to_position,
                        const std::function<bool(const RecordView&)>& visit) const;
  Result<VerifyReport> VerifyOnce() const;
  // The stream's last version among its appends at or before `last_position`.
  Result<uint64_t> StreamHeadOnce(const std::string& stream, uint64_t last_position) const;
  Result<uint64_t> FirstPositionAtOrAfterOnce(int64_t timestamp_us) const;
  Status VerifyStreamIndex(const IndexDigests& expected) const;
  Status VerifyCommandIndex(const IndexDigests& expected) const;

  RocksDbJournalOptions options_;
  const Clock& clock_;
  std::string secondary_dir_;  // read-only journals: RocksDB's scratch directory
  std::string identity_;       // see Journal::Identity
  bool holds_dir_ = false;     // a writer that has taken the directory
  std::unique_ptr<ChainHeadFile> chain_head_file_;  // writable journals
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // owned; see the destructor
  rocksdb::ColumnFamilyHandle* records_ = nullptr;
  rocksdb::ColumnFamilyHandle* streams_ = nullptr;
  rocksdb::ColumnFamilyHandle* commands_ = nullptr;

  // The append queue.
  std::mutex queue_mu_;
  std::deque<std::shared_ptr<Writer>> queue_;

  // The commit thread (writable journals): leads groups whose front writer is async and
  // runs the completion list.
  std::thread commit_thread_;
  std::mutex async_mu_;
  std::condition_variable async_cv_;
  bool commit_thread_leads_ = false;       // guarded by async_mu_
  bool stopping_ = false;                  // guarded by async_mu_
  std::vector<Completion> completions_;    // guarded by async_mu_; in commit order
  std::atomic<bool> async_closed_{false};  // AppendAsync refuses from now on

  // Commit state, leader only.
  uint64_t next_position_ = 1;
  Sha256Digest chain_head_{};
  int64_t last_timestamp_us_ = 0;
  std::unordered_map<std::string, uint64_t> heads_;
  Status failed_;  // once set, every append fails with it

  // Data loss met by any operation (see Seen).
  mutable std::mutex damaged_mu_;
  mutable Status damaged_;
  mutable std::atomic<bool> is_damaged_{false};
  mutable std::mutex refresh_mu_;

  // Published commit state, for readers and subscribers.
  mutable std::atomic<uint64_t> last_position_{0};
  mutable std::mutex commit_mu_;
  mutable std::condition_variable commit_cv_;
  bool closing_ = false;  // guarded by commit_mu_
};

// One request in the append queue. A blocking one is shared by its Append() caller and the
// leader that commits it, so that the leader may still notify it after the caller has
// returned. Waiting is a bare futex: std::atomic::wait spins and yields first, which with
// dozens of waiting appenders on few cores costs more than the commit itself.
struct RocksDbJournalImpl::Writer {
  enum State : int { kWaiting, kLead, kDone };
  static_assert(sizeof(std::atomic<int>) == sizeof(int) && std::atomic<int>::is_always_lock_free);

  const AppendRequest* request = nullptr;
  Sha256Digest digest{};
  // An AsyncWriter: nobody waits on it; its lead goes to the commit thread.
  bool async = false;
  // A retry of a command staged earlier in the same group: it stands or falls with the write.
  bool replays_own_group = false;
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

// An AppendAsync() request: the queue holds the only reference, so it owns what it commits.
struct RocksDbJournalImpl::AsyncWriter final : Writer {
  AsyncWriter(AppendRequest r, AppendCallback d) : owned(std::move(r)), done(std::move(d)) {
    request = &owned;
    async = true;
  }
  AppendRequest owned;
  AppendCallback done;
};

inline StatusCode CodeOf(const Status& status) { return status.code(); }
template <typename T>
StatusCode CodeOf(const Result<T>& result) {
  return result.ok() ? StatusCode::kOk : result.status().code();
}

template <typename F>
auto RocksDbJournalImpl::Retrying(F read) const -> decltype(read()) {
  const auto start = std::chrono::steady_clock::now();
  for (int attempt = 1;; ++attempt) {
    auto result = read();
    if (CodeOf(result) != StatusCode::kDataLoss) return Seen(std::move(result));
    if (!RetryAfterCatchUp(attempt, start)) {
      if constexpr (std::is_same_v<decltype(result), Status>) {
        return Seen(BesideBusyWriter(std::move(result)));
      } else {
        return Seen(BesideBusyWriter(result.status()));
      }
    }
  }
}

}  // namespace trunkline::journal::internal
