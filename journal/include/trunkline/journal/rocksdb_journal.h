// The durable Journal, stored in a RocksDB database in one directory.
//
// Appends are group-committed: concurrent Append calls queue up, the first in line commits
// every queued request in one synced write, and all of them return together. So N appending
// threads share one fsync instead of taking one each.
//
// AppendAsync joins the same queue; a writable journal has a commit thread of its own that
// commits the groups no blocking caller is first in and calls every `done`, one at a time,
// in commit order. Refused at once, on the caller's thread, before AppendAsync returns:
// a malformed request (kInvalidArgument) and a read-only journal (kFailedPrecondition).
// Everything else, refusals after data loss included, is called back on the commit thread
// (such a refusal, never queued, has no place in the commit order: it comes when refused).
// Destroying the journal commits what is queued and calls back every `done` first; an
// AppendAsync that a `done` makes meanwhile is refused with kFailedPrecondition ("closing").
// Append called from a `done` is refused with kFailedPrecondition instead of deadlocking. A
// `done` that throws is a bug: the exception is noted in the journal's LOG file and dropped,
// and the commit thread goes on.
//
// One process at a time may open a directory for writing. Opening a directory that another
// process holds waits up to lock_wait, then fails with kUnavailable naming the holder (pid
// and program name); such a process may still open it read-only.
//
// Thread-safety: safe for concurrent use (see journal.h). Ownership: the caller owns the
// returned journal; the clock, if given, must outlive it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "trunkline/base/clock.h"
#include "trunkline/base/status.h"
#include "trunkline/journal/journal.h"

namespace trunkline::journal {

struct RocksDbJournalOptions {
  // Created when absent or empty (unless read_only); a directory with files but no journal
  // in it is refused (kDataLoss), never initialised over.
  std::string dir;
  const Clock* clock = nullptr;  // assigns timestamps; nullptr = SystemClock()
  // Open as a reader beside a writer in another process: appends fail with
  // kFailedPrecondition, and reads see what the writer had committed at open time, plus
  // what it commits later each time CatchUp() is called.
  bool read_only = false;
  // A writer that finds the directory held by another process retries for this long before
  // giving up with kUnavailable (0 = give up at once).
  std::chrono::milliseconds lock_wait{0};
  // Upper bounds of one group commit.
  size_t max_group_events = 8192;
  size_t max_group_bytes = 8 << 20;
};

class RocksDbJournal : public Journal {
 public:
  // Opens (or creates) the journal in options.dir and recovers its state.
  // kUnavailable: another process holds the directory (message names it).
  // kDataLoss: the stored data is corrupt or incomplete: a RocksDB file is missing, or an
  //   acknowledged append is gone (message names what and where). Nothing was changed.
  // kResourceExhausted: the disk is full. kPermissionDenied: the file system refuses access
  //   (permissions, read-only).
  // kFailedPrecondition: the directory holds a newer format than this build reads.
  // kNotFound: read_only, and there is no journal in options.dir.
  static Result<std::unique_ptr<RocksDbJournal>> Open(const RocksDbJournalOptions& options);

  // Read-only journals: pulls in what the writing process committed since the last call.
  // A no-op for a writable journal.
  virtual Status CatchUp() = 0;

  // Rewrites everything stored into its final, compressed layout and returns when done.
  // Worth running after a bulk import: reads are fastest and disk use lowest afterwards.
  // Appends and reads may go on meanwhile. kFailedPrecondition on a read-only journal.
  virtual Status Compact() = 0;
};

}  // namespace trunkline::journal
