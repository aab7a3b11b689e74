#include <algorithm>

#include "trunkline/journal/journal.h"

namespace trunkline::journal {
namespace {
// How often a waiting Next() looks at the cancel flag. Waiting itself is on the journal's
// commit signal, not on the disk.
constexpr std::chrono::milliseconds kWaitSlice(50);
}  // namespace

Record RecordView::ToRecord() const {
  return Record{position,
                std::string(stream),
                version,
                std::string(type),
                schema_version,
                timestamp_us,
                Metadata{std::string(actor), std::string(reason), std::string(command_id),
                         std::string(correlation_id)},
                std::string(payload),
                hash};
}

RecordView RecordView::Of(const Record& r) {
  return RecordView{r.position,
                    r.stream,
                    r.version,
                    r.type,
                    r.schema_version,
                    r.timestamp_us,
                    r.metadata.actor,
                    r.metadata.reason,
                    r.metadata.command_id,
                    r.metadata.correlation_id,
                    r.payload,
                    r.hash};
}

std::unique_ptr<Subscription> Journal::Subscribe(uint64_t after_position) const {
  return std::make_unique<Subscription>(*this, after_position);
}

Result<std::vector<Record>> Subscription::Next(size_t max_count,
                                               std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cancelled_.load()) {
    if (journal_.LastPosition() > cursor_) {
      TRUNKLINE_ASSIGN_OR_RETURN(std::vector<Record> records,
                                 journal_.ReadAll(cursor_ + 1, max_count));
      if (!records.empty()) cursor_ = records.back().position;
      return records;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::vector<Record>();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    journal_.WaitForPositionAfter(cursor_,
                                  std::min(left + std::chrono::milliseconds(1), kWaitSlice));
  }
  return CancelledError("subscription cancelled at position " + std::to_string(cursor_));
}

void Subscription::Cancel() { cancelled_.store(true); }

}  // namespace trunkline::journal
