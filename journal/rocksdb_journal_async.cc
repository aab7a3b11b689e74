// RocksDbJournal: appends without a waiting thread. They join the group-commit queue of
// rocksdb_journal.cc as AsyncWriters; this file holds the commit thread, which leads the
// groups that an async writer is first in and calls every callback, in commit order.
//
// The commit thread waits on async_cv_ for one of three things, taken in this order:
//   1. callbacks on the completion list: it runs them all, outside every lock. First,
//      because the appends they make (a caller keeping N in flight) then join the next group
//      instead of trailing one behind;
//   2. the lead (commit_thread_leads_): it commits one group (LeadOneGroup), which puts the
//      group's callbacks on the list and hands the lead on, possibly back to itself;
//   3. stopping_, with nothing left of 1 and 2: it returns. Nothing can be queued then: a
//      non-empty queue always has a leader, and after StopCommitThread only a callback
//      (this thread) may call AppendAsync, which is then refused through the list.
#include <pthread.h>
#include <rocksdb/env.h>

#include <exception>
#include <system_error>

#include "rocksdb_journal_impl.h"
#include "trunkline/base/check.h"

namespace trunkline::journal::internal {

Status RocksDbJournalImpl::StartCommitThread() {
  try {
    commit_thread_ = std::thread([this] { CommitThreadLoop(); });
  } catch (const std::system_error& e) {
    return ResourceExhaustedError(std::string("starting the journal's commit thread: ") + e.what());
  }
  return OkStatus();
}

void RocksDbJournalImpl::StopCommitThread() {
  if (!commit_thread_.joinable()) return;
  async_closed_.store(true);
  {
    std::lock_guard lock(async_mu_);
    stopping_ = true;
  }
  async_cv_.notify_one();
  commit_thread_.join();
}

void RocksDbJournalImpl::AppendAsync(AppendRequest request, AppendCallback done) {
  TRUNKLINE_CHECK_MSG(done != nullptr, "AppendAsync needs a callback");
  // Refusals that depend only on the request and the journal's mode are said at once, on
  // the caller's thread (a read-only journal has no commit thread to say them).
  if (Status refused = CheckRequest(request); !refused.ok()) {
    RunCallback(done, std::move(refused));
    return;
  }
  if (async_closed_.load()) {
    QueueCompletion(std::move(done),
                    FailedPreconditionError("journal " + options_.dir + " is closing"));
    return;
  }
  if (is_damaged_.load()) {
    QueueCompletion(std::move(done), RefusedAfterDataLoss());
    return;
  }
  auto writer = std::make_shared<AsyncWriter>(std::move(request), std::move(done));
  writer->digest = CommandDigest(writer->owned);
  bool leads;
  {
    std::lock_guard lock(queue_mu_);
    queue_.push_back(std::move(writer));
    leads = queue_.size() == 1;
  }
  if (leads) GiveLeadToCommitThread();
}

void RocksDbJournalImpl::GiveLeadToCommitThread() {
  {
    std::lock_guard lock(async_mu_);
    commit_thread_leads_ = true;
  }
  async_cv_.notify_one();
}

void RocksDbJournalImpl::QueueCompletions(const std::vector<std::shared_ptr<Writer>>& group) {
  bool any_async = false;
  for (const auto& w : group) any_async |= w->async;
  if (!any_async) return;  // a group of blocking appends takes no other lock
  {
    std::lock_guard lock(async_mu_);
    for (const auto& w : group) {
      if (!w->async) continue;
      auto& writer = static_cast<AsyncWriter&>(*w);
      completions_.push_back({std::move(writer.done), std::move(writer.result)});
    }
  }
  async_cv_.notify_one();
}

void RocksDbJournalImpl::QueueCompletion(AppendCallback done, Status status) {
  {
    std::lock_guard lock(async_mu_);
    completions_.push_back({std::move(done), std::move(status)});
  }
  async_cv_.notify_one();
}

void RocksDbJournalImpl::RunCallback(const AppendCallback& done,
                                     Result<AppendReceipt> result) noexcept {
  // The contract says a callback does not throw; one that does is a bug of its own, which
  // must not take the commit thread (and every later append) down with it. It is noted in
  // the journal's diagnostic log (LOG) and dropped.
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    rocksdb::Log(rocksdb::InfoLogLevel::ERROR_LEVEL, db_->GetDBOptions().info_log,
                 "an AppendAsync callback threw (a bug; the exception was dropped): %s", e.what());
  } catch (...) {
    rocksdb::Log(rocksdb::InfoLogLevel::ERROR_LEVEL, db_->GetDBOptions().info_log,
                 "an AppendAsync callback threw (a bug; the exception was dropped): something "
                 "that is not a std::exception");
  }
}

void RocksDbJournalImpl::CommitThreadLoop() {
  pthread_setname_np(pthread_self(), "journal-commit");
  // Two lists swapped in turn, so that steady traffic allocates none.
  std::vector<Completion> ready;
  std::unique_lock lock(async_mu_);
  for (;;) {
    async_cv_.wait(lock,
                   [&] { return !completions_.empty() || commit_thread_leads_ || stopping_; });
    if (!completions_.empty()) {
      ready.swap(completions_);
      lock.unlock();
      for (Completion& c : ready) RunCallback(c.done, std::move(c.result));
      ready.clear();
      lock.lock();
    } else if (commit_thread_leads_) {
      commit_thread_leads_ = false;
      lock.unlock();
      LeadOneGroup(nullptr);
      lock.lock();
    } else {
      return;  // stopping, and nothing is queued or left to call back
    }
  }
}

}  // namespace trunkline::journal::internal
