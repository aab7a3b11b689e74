// RocksDbJournalImpl: the RocksDB-backed Journal. Private to journal/.
//
// Writes: Append() queues a Writer; the writer at the front of the queue becomes the leader,
// stages every queued request (idempotency, expected version, positions, hashes) into one
// WriteBatch, writes it with sync, and wakes the others. Only the leader touches the commit
// state (next position, chain head, stream-head cache), so it needs no lock of its own.
//
// Reads go straight to RocksDB; a Write is visible only once synced, and commits happen in
// position order, so readers never see a gap.
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

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

// Maps a RocksDB status to ours, with `context` in front of the message.
Status FromRocks(const rocksdb::Status& status, std::string_view context);

class RocksDbJournalImpl final : public RocksDbJournal {
 public:
  ~RocksDbJournalImpl() override;

  static Result<std::unique_ptr<RocksDbJournal>> Open(const RocksDbJournalOptions& options);

  Result<AppendReceipt> Append(const AppendRequest& request) override;
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
  Status CatchUp() override;
  Status Compact() override;

 private:
  struct Writer;
  struct Group;

  explicit RocksDbJournalImpl(const RocksDbJournalOptions& options);
  Status OpenDb();
  Status LoadTail();
  void PublishLastPosition(uint64_t position);

  // Group commit (leader only).
  std::vector<std::shared_ptr<Writer>> TakeGroupLocked();
  void CommitGroup(const std::vector<std::shared_ptr<Writer>>& writers);
  Result<AppendReceipt> Stage(const Writer& writer, Group& group);
  Result<std::optional<CommandEntry>> FindCommand(const std::string& command_id,
                                                  const Group& group) const;
  Result<uint64_t> CachedHead(const std::string& stream);

  // Reads.
  // Decodes the stored value at `position`; the view points into `value`.
  Result<RecordView> ViewRecordValue(uint64_t position, std::string_view value) const;
  Result<std::vector<Record>> ReadPositions(const std::vector<uint64_t>& positions) const;
  // Visits the records at `positions` in order until `visit` returns false; returns whether
  // it asked to go on.
  Result<bool> VisitPositions(const std::vector<uint64_t>& positions,
                              const std::function<bool(const RecordView&)>& visit) const;

  RocksDbJournalOptions options_;
  const Clock& clock_;
  std::string secondary_dir_;  // read-only journals: RocksDB's scratch directory
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // owned; see the destructor
  rocksdb::ColumnFamilyHandle* records_ = nullptr;
  rocksdb::ColumnFamilyHandle* streams_ = nullptr;
  rocksdb::ColumnFamilyHandle* commands_ = nullptr;

  // The append queue.
  std::mutex queue_mu_;
  std::deque<std::shared_ptr<Writer>> queue_;

  // Commit state, leader only.
  uint64_t next_position_ = 1;
  Sha256Digest chain_head_{};
  int64_t last_timestamp_us_ = 0;
  std::unordered_map<std::string, uint64_t> heads_;
  Status failed_;  // once set, every append fails with it

  // Published commit state, for readers and subscribers.
  std::atomic<uint64_t> last_position_{0};
  mutable std::mutex commit_mu_;
  mutable std::condition_variable commit_cv_;
  bool closing_ = false;  // guarded by commit_mu_
};

}  // namespace trunkline::journal::internal
