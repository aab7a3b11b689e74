#include "trunkline/projection/trunk_snapshots.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "trunkline/base/sha256.h"
#include "trunkline/domain/state_codec.h"

namespace trunkline::projection {
namespace {

constexpr size_t kSizeBytes = 4;
constexpr size_t kCheckBytes = 8;
constexpr size_t kPositionBytes = 8;

void PutLittle(uint64_t value, size_t bytes, std::string* out) {
  for (size_t i = 0; i < bytes; ++i) out->push_back(static_cast<char>(value >> (8 * i)));
}

uint64_t GetLittle(const char* data, size_t bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes; ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(data[i])) << (8 * i);
  }
  return value;
}

// Reads exactly `size` bytes at `offset`; false when the file ends first.
bool ReadAt(int fd, uint64_t offset, size_t size, std::string* out) {
  out->resize(size);
  size_t done = 0;
  while (done < size) {
    const ssize_t n =
        ::pread(fd, out->data() + done, size - done, static_cast<off_t>(offset + done));
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool CheckMatches(std::string_view body, std::string_view check) {
  const Sha256Digest digest = Sha256Of(body);
  return std::memcmp(digest.data(), check.data(), kCheckBytes) == 0;
}

}  // namespace

Result<std::unique_ptr<TrunkSnapshots>> TrunkSnapshots::Open(const std::string& path,
                                                             bool read_only) {
  std::unique_ptr<TrunkSnapshots> s(new TrunkSnapshots(path, read_only));
  std::lock_guard lock(s->mu_);
  TRUNKLINE_RETURN_IF_ERROR(s->ReadNew());
  if (!read_only) {
    if (s->fd_ < 0) return UnavailableError("opening " + path);
    // Drop a torn tail, so that appends follow the last good entry.
    if (::ftruncate(s->fd_, static_cast<off_t>(s->indexed_)) != 0) {
      return UnavailableError("truncating " + path);
    }
  }
  return s;
}

TrunkSnapshots::~TrunkSnapshots() {
  if (fd_ >= 0) ::close(fd_);
}

Status TrunkSnapshots::ReadNew() {
  if (fd_ < 0) {
    fd_ = read_only_ ? ::open(path_.c_str(), O_RDONLY | O_CLOEXEC)
                     : ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return OkStatus();  // read-only, and nothing written yet
  }
  struct stat st {};
  const uint64_t file_size = ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  if (file_size < indexed_) {
    // The writer started over (a rebuild): so does the index.
    index_.clear();
    indexed_ = 0;
  }
  std::string header, entry;
  while (ReadAt(fd_, indexed_, kSizeBytes, &header)) {
    const uint32_t size = static_cast<uint32_t>(GetLittle(header.data(), kSizeBytes));
    const uint64_t body_at = indexed_ + kSizeBytes;
    // A damaged size field must not size a buffer beyond what the file holds.
    if (size < kPositionBytes || body_at + size + kCheckBytes > file_size ||
        !ReadAt(fd_, body_at, size + kCheckBytes, &entry)) {
      break;
    }
    const std::string_view body(entry.data(), size);
    if (!CheckMatches(body, std::string_view(entry).substr(size))) break;
    size_t offset = kPositionBytes;
    Result<domain::TrunkState> state = domain::ReadTrunkState(body, &offset);
    if (!state.ok()) break;
    std::vector<Entry>& entries = index_[state->id];
    const Entry e{state->version, GetLittle(body.data(), kPositionBytes), body_at, size};
    auto at = std::lower_bound(entries.begin(), entries.end(), e.version,
                               [](const Entry& x, uint64_t v) { return x.version < v; });
    if (at != entries.end() && at->version == e.version) {
      *at = e;
    } else {
      entries.insert(at, e);
    }
    indexed_ = body_at + size + kCheckBytes;
  }
  return OkStatus();
}

Status TrunkSnapshots::Add(const domain::TrunkState& state, uint64_t position) {
  if (state.version == 0 || state.version % kEvery != 0) return OkStatus();
  std::string entry(kSizeBytes, '\0');
  PutLittle(position, kPositionBytes, &entry);
  domain::AppendTrunkState(state, &entry);
  const uint32_t size = static_cast<uint32_t>(entry.size() - kSizeBytes);
  for (size_t i = 0; i < kSizeBytes; ++i) entry[i] = static_cast<char>(size >> (8 * i));
  const Sha256Digest digest = Sha256Of(std::string_view(entry).substr(kSizeBytes));
  entry.append(reinterpret_cast<const char*>(digest.data()), kCheckBytes);

  std::lock_guard lock(mu_);
  if (read_only_) return FailedPreconditionError("trunk snapshots are open read-only");
  size_t done = 0;
  while (done < entry.size()) {
    const ssize_t n = ::pwrite(fd_, entry.data() + done, entry.size() - done,
                               static_cast<off_t>(indexed_ + done));
    if (n <= 0) return UnavailableError("appending to " + path_);
    done += static_cast<size_t>(n);
  }
  return ReadNew();  // indexes the entry just written
}

Status TrunkSnapshots::Clear() {
  std::lock_guard lock(mu_);
  if (read_only_) return FailedPreconditionError("trunk snapshots are open read-only");
  if (::ftruncate(fd_, 0) != 0) return UnavailableError("truncating " + path_);
  index_.clear();
  indexed_ = 0;
  return OkStatus();
}

Result<std::optional<TrunkSnapshots::Snapshot>> TrunkSnapshots::Before(const std::string& trunk_id,
                                                                       uint64_t position) {
  std::lock_guard lock(mu_);
  if (read_only_) TRUNKLINE_RETURN_IF_ERROR(ReadNew());  // what the writer appended since
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto it = index_.find(trunk_id);
    if (it == index_.end()) return std::optional<Snapshot>();
    const std::vector<Entry>& entries = it->second;
    // Versions and positions rise together: the last entry at or before `position`.
    auto after = std::upper_bound(entries.begin(), entries.end(), position,
                                  [](uint64_t p, const Entry& e) { return p < e.position; });
    if (after == entries.begin()) return std::optional<Snapshot>();
    const Entry e = *std::prev(after);
    std::string entry;
    if (ReadAt(fd_, e.offset, e.size + kCheckBytes, &entry)) {
      const std::string_view body(entry.data(), e.size);
      size_t offset = kPositionBytes;
      Result<domain::TrunkState> state = domain::ReadTrunkState(body, &offset);
      if (CheckMatches(body, std::string_view(entry).substr(e.size)) && state.ok() &&
          state->id == trunk_id && state->version == e.version) {
        return std::optional<Snapshot>(Snapshot{std::move(*state), e.position});
      }
    }
    // The file changed under the index (a writer started over): index it afresh.
    index_.clear();
    indexed_ = 0;
    TRUNKLINE_RETURN_IF_ERROR(ReadNew());
  }
  return std::optional<Snapshot>();
}

size_t TrunkSnapshots::size() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [id, entries] : index_) n += entries.size();
  return n;
}

}  // namespace trunkline::projection
