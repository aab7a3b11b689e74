// The snapshot file:
//
//   file   := header states digest
//   header := "trunkline-current-state 2 " checkpoint " " rebuilding(0|1) " " count " "
//             journal_id(or "-") " " checkpoint_hash(64 hex digits) "\n"
//   states := count × trunk state (domain/state_codec.h)
//   digest := 32 raw bytes, SHA-256 of everything before it
//
// Replaced atomically: written to "<path>.tmp", fsync'd, renamed over <path>.
#include "trunkline/projection/current_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "trunkline/base/sha256.h"
#include "trunkline/domain/event_codec.h"
#include "trunkline/domain/state_codec.h"

namespace trunkline::projection {
namespace {

constexpr char kMagic[] = "trunkline-current-state";
constexpr int kFormat = 2;

Status WriteFile(const std::string& tmp, const std::string& bytes) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return UnavailableError("creating " + tmp + ": " + std::strerror(errno));
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n <= 0) {
      const std::string error = n < 0 ? std::strerror(errno) : "short write";
      ::close(fd);
      return UnavailableError("writing " + tmp + ": " + error);
    }
    written += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const std::string error = synced ? "" : std::strerror(errno);
  ::close(fd);
  if (!synced) return UnavailableError("syncing " + tmp + ": " + error);
  return OkStatus();
}

Status WriteFileAtomically(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp";
  Status written = WriteFile(tmp, bytes);
  if (!written.ok()) {
    std::remove(tmp.c_str());  // a half-written file helps nobody
    return written;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return UnavailableError("replacing " + path + ": " + ec.message());
  return OkStatus();
}

// Records copied out of the journal: their bytes in one buffer that never reallocates (small
// enough that the chunks in flight stay a few MiB of memory), and
// views into it.
struct Chunk {
  static constexpr size_t kBytes = 512 << 10;
  std::string bytes;
  std::vector<journal::RecordView> records;
};

// Scans the journal from `from` on a thread of its own, a few chunks ahead of the caller:
// reading and decoding records is about half of a long fold's work, and overlaps with
// the other half on a second core. Each chunk crosses threads as one allocation.
class ReadAhead {
 public:
  ReadAhead(const journal::Journal& journal, uint64_t from)
      : thread_([this, &journal, from] { Run(journal, from); }) {}
  ~ReadAhead() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // The next chunk; null once the scan has ended (then status() says how).
  std::unique_ptr<Chunk> Next() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !ready_.empty() || done_; });
    if (ready_.empty()) return nullptr;
    std::unique_ptr<Chunk> chunk = std::move(ready_.front());
    ready_.pop_front();
    cv_.notify_all();
    return chunk;
  }
  Status status() {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  static constexpr size_t kChunksAhead = 4;

  // Hands the chunk over; false once the caller has stopped.
  bool Push(std::unique_ptr<Chunk> chunk) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return ready_.size() < kChunksAhead || stop_; });
    if (stop_) return false;
    ready_.push_back(std::move(chunk));
    cv_.notify_all();
    return true;
  }

  void Run(const journal::Journal& journal, uint64_t from) {
    auto chunk = std::make_unique<Chunk>();
    chunk->bytes.reserve(Chunk::kBytes);
    bool go_on = true;
    Status s = journal.Scan(from, [&](const journal::RecordView& r) {
      const std::string_view parts[] = {r.stream,     r.type,           r.actor,  r.reason,
                                        r.command_id, r.correlation_id, r.payload};
      size_t need = 0;
      for (std::string_view p : parts) need += p.size();
      if (chunk->bytes.size() + need > chunk->bytes.capacity()) {
        if (!chunk->records.empty() && !(go_on = Push(std::move(chunk)))) return false;
        chunk = std::make_unique<Chunk>();
        chunk->bytes.reserve(std::max(Chunk::kBytes, need));
      }
      journal::RecordView& copy = chunk->records.emplace_back(r);
      std::string_view* views[] = {&copy.stream, &copy.type,       &copy.actor,
                                   &copy.reason, &copy.command_id, &copy.correlation_id,
                                   &copy.payload};
      for (size_t i = 0; i < std::size(parts); ++i) {
        *views[i] = std::string_view(chunk->bytes.data() + chunk->bytes.size(), parts[i].size());
        chunk->bytes.append(parts[i]);
      }
      return true;
    });
    if (go_on && !chunk->records.empty()) Push(std::move(chunk));
    std::lock_guard lock(mu_);
    status_ = std::move(s);
    done_ = true;
    cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Chunk>> ready_;
  bool stop_ = false;
  bool done_ = false;
  Status status_;
  std::thread thread_;  // last: starts once the rest is constructed
};

// As journal.Scan, reading ahead on a second thread when the scan is long enough to pay for
// one.
Status Scan(const journal::Journal& journal, uint64_t from, uint64_t expected,
            const std::function<bool(const journal::RecordView&)>& visit) {
  if (expected < 16'384) return journal.Scan(from, visit);
  ReadAhead reader(journal, from);
  while (std::unique_ptr<Chunk> chunk = reader.Next()) {
    for (const journal::RecordView& r : chunk->records) {
      if (!visit(r)) return OkStatus();
    }
  }
  return reader.status();
}

}  // namespace

std::string StreamOf(const std::string& trunk_id) { return kTrunkStreamPrefix + trunk_id; }

Status FoldRecord(domain::TrunkState& state, const journal::RecordView& r) {
  Result<domain::Event> event = domain::DecodeEvent(r.type, r.schema_version, r.payload);
  if (!event.ok()) return event.status().WithContext("position " + std::to_string(r.position));
  state = domain::Evolve(std::move(state), std::move(*event), r.version, r.timestamp_us);
  return OkStatus();
}

Result<const domain::TrunkState*> TrunkFolder::Fold(const journal::RecordView& r) {
  const std::string_view prefix = kTrunkStreamPrefix;
  if (!r.stream.starts_with(prefix)) return nullptr;
  const std::string_view id = r.stream.substr(prefix.size());
  if (last_ == nullptr || last_->id != id) {
    auto [it, added] = trunks_.try_emplace(std::string(id));
    if (added) it->second.id = it->first;
    last_ = &it->second;
  }
  TRUNKLINE_RETURN_IF_ERROR(FoldRecord(*last_, r));
  return last_;
}

Result<std::unique_ptr<CurrentState>> CurrentState::Load(const std::string& path) {
  std::unique_ptr<CurrentState> state(new CurrentState(path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return state;  // no snapshot yet
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Status s = state->Parse(bytes);
  if (!s.ok()) {
    return s.WithContext("projection snapshot " + path + " cannot be used");
  }
  return state;
}

std::unique_ptr<CurrentState> CurrentState::Empty(const std::string& path) {
  return std::unique_ptr<CurrentState>(new CurrentState(path));
}

Status CurrentState::Parse(std::string_view bytes) {
  if (bytes.size() < 32) return DataLossError("truncated");
  const std::string_view body = bytes.substr(0, bytes.size() - 32);
  Sha256Digest digest;
  std::copy(bytes.end() - 32, bytes.end(), digest.begin());
  if (Sha256Of(body) != digest) return DataLossError("digest mismatch");
  const size_t eol = body.find('\n');
  if (eol == std::string_view::npos) return DataLossError("no header");
  std::istringstream header{std::string(body.substr(0, eol))};
  std::string magic;
  int format = 0, rebuilding = 0;
  uint64_t count = 0;
  header >> magic >> format >> checkpoint_ >> rebuilding >> count;
  if (!header || magic != kMagic) return DataLossError("bad header");
  if (format == 1) {
    // Written before snapshots named their journal: nothing to check it against.
    return FailedPreconditionError(
        "it was written by an older build that did not record "
        "which journal it came from");
  }
  std::string journal_id, hash_hex;
  header >> journal_id >> hash_hex;
  if (format == kFormat) {
    std::optional<Sha256Digest> hash = DigestFromHex(hash_hex);
    if (!header || !hash) return DataLossError("bad header");
    checkpoint_hash_ = *hash;
    journal_id_ = journal_id == "-" ? "" : journal_id;
  }
  if (format != kFormat) {
    return FailedPreconditionError("format " + std::to_string(format) +
                                   " is not one this build "
                                   "reads (" +
                                   std::to_string(kFormat) + ")");
  }
  rebuilding_ = rebuilding != 0;
  size_t offset = eol + 1;
  for (uint64_t i = 0; i < count; ++i) {
    TRUNKLINE_ASSIGN_OR_RETURN(domain::TrunkState s, domain::ReadTrunkState(body, &offset));
    std::string id = s.id;
    trunks_.emplace(std::move(id), std::move(s));
  }
  if (offset != body.size()) return DataLossError("trailing bytes");
  return OkStatus();
}

Status CurrentState::Save() const {
  std::string bytes =
      std::string(kMagic) + " " + std::to_string(kFormat) + " " + std::to_string(checkpoint_) +
      " " + (rebuilding_ ? "1" : "0") + " " + std::to_string(trunks_.size()) + " " +
      (journal_id_.empty() ? "-" : journal_id_) + " " + ToHex(checkpoint_hash_) + "\n";
  for (const auto& [id, state] : trunks_) domain::AppendTrunkState(state, &bytes);
  const Sha256Digest digest = Sha256Of(bytes);
  bytes.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  return WriteFileAtomically(path_, bytes);
}

Status CurrentState::CheckOrigin(const journal::Journal& journal) const {
  if (checkpoint_ == 0) return OkStatus();
  const std::string& id = journal.Identity();
  if (!journal_id_.empty() && !id.empty() && journal_id_ != id) {
    return FailedPreconditionError("it was folded from journal " + journal_id_ + ", not from " +
                                   id);
  }
  if (checkpoint_ > journal.LastPosition()) {
    return FailedPreconditionError("its checkpoint " + std::to_string(checkpoint_) +
                                   " is ahead of the journal, which ends at " +
                                   std::to_string(journal.LastPosition()));
  }
  TRUNKLINE_ASSIGN_OR_RETURN(std::vector<journal::Record> at, journal.ReadAll(checkpoint_, 1));
  if (at.empty() || at.front().hash != checkpoint_hash_) {
    return FailedPreconditionError("the journal's record at its checkpoint " +
                                   std::to_string(checkpoint_) + " is not the one it folded");
  }
  return OkStatus();
}

void CurrentState::Reset() {
  trunks_.clear();
  checkpoint_ = 0;
  checkpoint_hash_ = Sha256Digest{};
  journal_id_.clear();
  rebuilding_ = false;
}

Status CurrentState::CatchUp(const journal::Journal& journal, const Progress& progress,
                             uint64_t save_every) {
  const uint64_t last = journal.LastPosition();
  if (last <= checkpoint_) return OkStatus();
  const uint64_t total = last - checkpoint_;
  journal_id_ = journal.Identity();
  uint64_t done = 0;
  Status failed;
  TrunkFolder folder(trunks_);
  TRUNKLINE_RETURN_IF_ERROR(
      Scan(journal, checkpoint_ + 1, total, [&](const journal::RecordView& r) {
        Result<const domain::TrunkState*> folded = folder.Fold(r);
        failed = folded.status();
        if (failed.ok() && *folded != nullptr) {
          if (on_fold_) on_fold_(**folded);
          if (trunk_snapshots_ != nullptr) failed = trunk_snapshots_->Add(**folded, r.position);
        }
        if (!failed.ok()) return false;
        checkpoint_ = r.position;
        checkpoint_hash_ = r.hash;
        ++done;
        if (save_every > 0 && done % save_every == 0) failed = Save();
        const bool go_on = !progress || progress(done, total);
        return failed.ok() && go_on && r.position < last;
      }));
  return failed;
}

Status CurrentState::RebuildFrom(const journal::Journal& journal, const Progress& progress,
                                 uint64_t save_every) {
  if (!rebuilding_) {
    Reset();
    rebuilding_ = true;
    TRUNKLINE_RETURN_IF_ERROR(Save());
    if (trunk_snapshots_ != nullptr) TRUNKLINE_RETURN_IF_ERROR(trunk_snapshots_->Clear());
  }
  TRUNKLINE_RETURN_IF_ERROR(CatchUp(journal, progress, save_every));
  if (checkpoint_ < journal.LastPosition()) return OkStatus();  // stopped; resumable
  rebuilding_ = false;
  return Save();
}

}  // namespace trunkline::projection
