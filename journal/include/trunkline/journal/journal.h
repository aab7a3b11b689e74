// The event journal: an append-only, hash-chained log of events grouped into streams.
//
// The journal is generic: it stores typed, versioned payload bytes and knows nothing of what
// they mean. Every event belongs to a stream (e.g. one trunk) and has two coordinates: its
// stream version (1, 2, 3, ... within the stream) and its global position (1, 2, 3, ... across
// the whole journal, dense and gap-free, in commit order). A reader that has seen position N
// never later finds a position <= N appear.
//
// An append is atomic for its whole batch, guarded by an expected stream version, idempotent
// by command id, and acknowledged only once durable. Every record carries the SHA-256 of its
// content chained to the previous record, so Verify() proves the history was not rewritten.
// The on-disk format is described in journal/FORMAT.md.
//
// Thread-safety: a Journal is safe for concurrent use. A Subscription is not thread-safe
// (one consumer), except Cancel(), which may be called from any thread. Every Subscription
// must be destroyed, and every call must have returned, before the Journal is destroyed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trunkline/base/sha256.h"
#include "trunkline/base/status.h"

namespace trunkline::journal {

// The expected version of a stream before an append: a guard against lost updates.
class ExpectedVersion {
 public:
  // No check: append after whatever is there.
  static ExpectedVersion Any() { return ExpectedVersion(kAny); }
  // The stream must not exist yet.
  static ExpectedVersion NoStream() { return ExpectedVersion(0); }
  // The stream's last event must have this version (>= 1).
  static ExpectedVersion Exactly(uint64_t version) { return ExpectedVersion(version); }

  bool is_any() const { return value_ == kAny; }
  // 0 for NoStream. REQUIRES: !is_any().
  uint64_t version() const { return value_; }
  // "any", "no stream" or the number.
  std::string ToString() const;

  friend bool operator==(ExpectedVersion, ExpectedVersion) = default;

 private:
  static constexpr uint64_t kAny = ~uint64_t{0};
  explicit ExpectedVersion(uint64_t value) : value_(value) {}
  uint64_t value_;
};

// Who asked for a change and why. Stored with every event of the append.
struct Metadata {
  std::string actor;
  std::string reason;
  std::string command_id;      // required; the idempotency key (see Journal::Append)
  std::string correlation_id;  // optional
  friend bool operator==(const Metadata&, const Metadata&) = default;
};

// One event to append: a stable type tag, the version of its payload's schema, and the
// payload (msgpack bytes by convention; the journal does not look inside).
struct NewEvent {
  std::string type;
  uint32_t schema_version = 1;
  std::string payload;
  friend bool operator==(const NewEvent&, const NewEvent&) = default;
};

struct AppendRequest {
  std::string stream;
  ExpectedVersion expected = ExpectedVersion::Any();
  Metadata metadata;
  std::vector<NewEvent> events;  // at least one
};

struct AppendReceipt {
  std::string stream;
  uint64_t first_version = 0;   // stream version of the first appended event
  uint64_t last_version = 0;    // the stream's version after the append
  uint64_t first_position = 0;  // global position of the first appended event
  uint64_t last_position = 0;
  int64_t timestamp_us = 0;  // assigned by the journal, shared by the batch
  // True when the command id had been appended before: this is the original receipt and
  // nothing was written now.
  bool replayed = false;
  friend bool operator==(const AppendReceipt&, const AppendReceipt&) = default;
};

// A stored event.
struct Record {
  uint64_t position = 0;
  std::string stream;
  uint64_t version = 0;
  std::string type;
  uint32_t schema_version = 0;
  int64_t timestamp_us = 0;  // microseconds since the epoch; never decreases with position
  Metadata metadata;
  std::string payload;
  Sha256Digest hash{};  // SHA-256 over the previous record's hash and this record's content
};

// A stored record viewed in place, without copies. The views are valid only during the
// Journal::Scan callback that received them; ToRecord() makes an owning copy.
struct RecordView {
  uint64_t position = 0;
  std::string_view stream;
  uint64_t version = 0;
  std::string_view type;
  uint32_t schema_version = 0;
  int64_t timestamp_us = 0;
  std::string_view actor;
  std::string_view reason;
  std::string_view command_id;
  std::string_view correlation_id;
  std::string_view payload;
  Sha256Digest hash{};

  Record ToRecord() const;
  // A view of `record`'s fields; valid while `record` lives.
  static RecordView Of(const Record& record);
};

struct VerifyReport {
  uint64_t records = 0;  // records checked
  uint64_t last_position = 0;
  Sha256Digest last_hash{};  // the chain's head: publish it to detect a later rewrite
};

class Subscription;

class Journal {
 public:
  virtual ~Journal() = default;

  // Appends request.events to request.stream as one atomic batch and returns once the batch
  // is durable (fsync'd). Concurrent appends share commits.
  //
  // Idempotency: the key is metadata.command_id, its scope the whole journal, and it is kept
  // for as long as the journal. Re-submitting a command id with the same stream and events
  // returns the original receipt with replayed = true and writes nothing, whatever the
  // expected version now says.
  //
  // Errors:
  //   kInvalidArgument: the request is malformed (message names the field); nothing written.
  //   kAborted: the stream's version is not request.expected (message names the stream and
  //     both versions); nothing written. Reload, decide again, re-append.
  //   kAlreadyExists: the command id was used before for a different stream or events.
  //   kUnavailable / kDataLoss / kInternal: storage failed; the journal refuses further
  //     appends until reopened.
  virtual Result<AppendReceipt> Append(const AppendRequest& request) = 0;

  // Append without a waiting thread: `done` is called exactly once with what Append would
  // have returned, after the batch is durable (or has failed), in the journal's commit
  // order. It runs on a thread of the journal's, so it must not block (nor call Append, nor
  // destroy the journal); it may call AppendAsync again. Appends may be kept in flight by
  // the dozen: they share commits with each other and with blocking Appends. Every `done`
  // has been called by the time the Journal is destroyed. An implementation may call `done`
  // at once, on the caller's thread, for a request it refuses without queueing it (it says
  // which).
  // This default runs Append and calls `done` on the caller's thread.
  // REQUIRES: `done` is callable, and does not throw.
  using AppendCallback = std::function<void(Result<AppendReceipt>)>;
  virtual void AppendAsync(AppendRequest request, AppendCallback done) { done(Append(request)); }

  // Events of `stream` with version >= from_version, oldest first, at most max_count.
  // An unknown stream yields an empty vector.
  virtual Result<std::vector<Record>> ReadStream(const std::string& stream, uint64_t from_version,
                                                 size_t max_count) const = 0;
  // Visits the events of `stream` with version >= from_version and position <= to_position,
  // oldest first, without copying, until `visit` returns false or those events end (records
  // past to_position are not read). Errors as ReadStream.
  virtual Status ScanStream(const std::string& stream, uint64_t from_version, uint64_t to_position,
                            const std::function<bool(const RecordView&)>& visit) const = 0;
  // Events of `stream` with version <= from_version, newest first, at most max_count.
  // UINT64_MAX starts at the stream's head.
  virtual Result<std::vector<Record>> ReadStreamBackward(const std::string& stream,
                                                         uint64_t from_version,
                                                         size_t max_count) const = 0;
  // All events with position >= from_position, in global order, at most max_count.
  virtual Result<std::vector<Record>> ReadAll(uint64_t from_position, size_t max_count) const = 0;
  // Visits every event with position >= from_position in global order, without copying,
  // until `visit` returns false or the events run out. The fastest way to replay.
  // Errors: those of a read (kDataLoss names the position); visiting stops there.
  virtual Status Scan(uint64_t from_position,
                      const std::function<bool(const RecordView&)>& visit) const = 0;
  // All events with position <= from_position, newest first, at most max_count.
  virtual Result<std::vector<Record>> ReadAllBackward(uint64_t from_position,
                                                      size_t max_count) const = 0;

  // The original receipt of an append made with `command_id`, or nullopt if none was.
  virtual Result<std::optional<AppendReceipt>> FindCommand(const std::string& command_id) const = 0;

  // The version of the stream's last event; 0 when the stream does not exist.
  virtual Result<uint64_t> StreamHead(const std::string& stream) const = 0;
  // The position of the last durable event; 0 for an empty journal.
  virtual uint64_t LastPosition() const = 0;
  // The first position whose timestamp is >= timestamp_us.
  // kNotFound: every event is older (or the journal is empty).
  virtual Result<uint64_t> FirstPositionAtOrAfter(int64_t timestamp_us) const = 0;

  // Blocks until LastPosition() > position or the timeout passes; returns LastPosition().
  // Returns early (with whatever LastPosition() is) once the journal is shutting down.
  virtual uint64_t WaitForPositionAfter(uint64_t position,
                                        std::chrono::milliseconds timeout) const = 0;

  // Walks the whole chain: every record decodes, positions are dense from 1, and every hash
  // matches its content and its predecessor.
  // kDataLoss: the message names the first bad position and what is wrong with it.
  virtual Result<VerifyReport> Verify() const = 0;

  // A random id given to the journal when it was created: a copy of a journal keeps it, a
  // journal created anew never has the same. Empty only for a read-only journal written by a
  // build older than identities (its next writer gives it one).
  virtual std::string Identity() const = 0;

  // A reader of all events after `after_position` (0 = from the beginning): it catches up
  // from disk, then receives new events as they are committed, without polling.
  std::unique_ptr<Subscription> Subscribe(uint64_t after_position) const;
};

// A cursor over the global order that waits for new events. See Journal::Subscribe.
class Subscription {
 public:
  Subscription(const Journal& journal, uint64_t after_position)
      : journal_(journal), cursor_(after_position) {}

  // Returns the next events after the cursor, at most max_count, and advances the cursor.
  // When none exist yet, waits up to `timeout` for some; an empty vector means the timeout
  // passed. kCancelled after Cancel(). Errors of the underlying read are passed on.
  Result<std::vector<Record>> Next(size_t max_count, std::chrono::milliseconds timeout);

  // Makes the pending and every later Next() return kCancelled within its wait slice.
  void Cancel();

  // The position of the last event returned (or the starting point).
  uint64_t cursor() const { return cursor_; }

 private:
  const Journal& journal_;
  uint64_t cursor_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace trunkline::journal
