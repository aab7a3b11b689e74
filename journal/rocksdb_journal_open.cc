// RocksDbJournal: opening a directory, recovery, and the checks that refuse a damaged one.
//
// A writer creates a journal only in an absent or empty directory. A directory that holds
// files but no CURRENT (RocksDB's pointer to its manifest) is damaged, not new: it is
// refused as data loss and left as it is. After RocksDB's own recovery, the recovered last
// record is checked against the chain head file (chain_head.h): an acknowledged append that
// is no longer there is data loss too.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "rocksdb_journal_impl.h"

namespace trunkline::journal::internal {
namespace {

constexpr char kFormatKey[] = "format";
constexpr char kFormatValue[] = "1";
constexpr char kIdentityKey[] = "journal_id";
constexpr char kHolderFile[] = "HOLDER";

enum class DirState { kAbsent, kEmpty, kJournal };

std::string ErrorText(const std::error_code& ec) { return ec.message(); }

// What `dir` holds. kDataLoss for files without a CURRENT.
Result<DirState> InspectDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return UnavailableError("journal " + dir + ": " + ErrorText(ec));
  }
  if (!fs::exists(status)) return DirState::kAbsent;
  if (!fs::is_directory(status)) {
    return FailedPreconditionError("journal " + dir + " is not a directory");
  }
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) {
    const std::string message = "journal " + dir + ": listing it: " + ErrorText(ec);
    if (ec == std::errc::permission_denied) return PermissionDeniedError(message);
    return UnavailableError(message);
  }
  if (names.empty()) return DirState::kEmpty;
  if (std::find(names.begin(), names.end(), "CURRENT") != names.end()) return DirState::kJournal;
  std::sort(names.begin(), names.end());
  std::string listed;
  for (size_t i = 0; i < names.size() && i < 6; ++i) listed += (i ? ", " : "") + names[i];
  if (names.size() > 6) listed += ", ...";
  return DataLossError("journal " + dir + " holds files (" + listed +
                       ") but no CURRENT file, which names its manifest: the journal is " +
                       "damaged. Nothing was changed; restore CURRENT (the name of the newest " +
                       "MANIFEST-* file and a newline) or the directory from a backup");
}

// The file CURRENT names, for messages.
std::string CurrentManifest(const std::string& dir) {
  std::ifstream in(std::filesystem::path(dir) / "CURRENT");
  std::string name;
  std::getline(in, name);
  return name.empty() ? "nothing" : name;
}

// Directories this process holds for writing (fcntl locks do not show a process its own).
std::mutex held_mu;
std::set<std::string>& HeldDirs() {
  static std::set<std::string> dirs;
  return dirs;
}

}  // namespace

bool WriterIsLive(const std::string& dir) {
  {
    std::lock_guard lock(held_mu);
    if (HeldDirs().count(dir)) return true;
  }
  const std::string path = (std::filesystem::path(dir) / "LOCK").string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock probe = {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  const bool held = ::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
  ::close(fd);
  return held;
}

namespace {

// The lock is held (by another process, or another writer of this one). Failing to open
// the lock file at all (permissions, a read-only file system) is not this.
bool IsLockError(const rocksdb::Status& s) {
  if (!s.IsIOError()) return false;
  const std::string text = s.ToString();
  return text.find("While lock file") != std::string::npos ||
         text.find("lock hold by current process") != std::string::npos;
}

std::string HolderDescription() {
  return "pid " + std::to_string(getpid()) + " (" + program_invocation_short_name + ")";
}

std::string ReadHolder(const std::string& dir) {
  std::ifstream in(std::filesystem::path(dir) / kHolderFile);
  std::string holder;
  std::getline(in, holder);
  return holder.empty() ? "an unknown process" : holder;
}

std::string NewIdentity() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 32; ++i) id.push_back(kHex[rd() % 16]);
  return id;
}

std::string Seconds(std::chrono::milliseconds ms) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f s", static_cast<double>(ms.count()) / 1000);
  return text;
}

}  // namespace

Status RocksDbJournalImpl::OpenDb() {
  const std::string& dir = options_.dir;
  TRUNKLINE_ASSIGN_OR_RETURN(DirState state, InspectDir(dir));
  if (options_.read_only && state != DirState::kJournal) {
    return NotFoundError("journal " + dir + " does not exist (nothing has been written yet)");
  }
  const bool create = state != DirState::kJournal;
  if (create) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      const std::string message = "creating journal directory " + dir + ": " + ec.message();
      if (ec == std::errc::permission_denied || ec == std::errc::read_only_file_system) {
        return PermissionDeniedError(message);
      }
      return UnavailableError(message);
    }
  }

  rocksdb::DBOptions db_options = DbOptions();
  db_options.create_if_missing = create;
  db_options.create_missing_column_families = create;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = Families();
  rocksdb::DB* db = nullptr;
  rocksdb::Status s;
  if (options_.read_only) {
    char scratch[] = "/tmp/trunkline-journal-reader-XXXXXX";
    if (mkdtemp(scratch) == nullptr) return UnavailableError("creating a scratch directory");
    secondary_dir_ = scratch;
    db_options.max_open_files = -1;  // required of secondary instances
    if (!WriterIsLive(dir)) {
      // A secondary instance passes over table files it cannot find (the writer may have
      // deleted them): with no writer about, a read-only open first checks that every file
      // the manifest names is there.
      s = rocksdb::DB::OpenForReadOnly(db_options, dir, families, &handles_, &db);
      if (s.ok()) {
        for (rocksdb::ColumnFamilyHandle* handle : handles_) {
          db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
        }
        handles_.clear();
        db->Close().PermitUncheckedError();
        delete db;
        db = nullptr;
      } else if (!IsLockError(s)) {
        return FromRocks(s, "opening journal " + dir);
      }
    }
    // "Try again": the manifest CURRENT named was replaced while we read it. Once the writer
    // has settled it is there; if it stays missing, it is lost.
    for (int attempt = 1;; ++attempt) {
      s = rocksdb::DB::OpenAsSecondary(db_options, dir, secondary_dir_, families, &handles_, &db);
      if (!s.IsTryAgain()) break;
      if (attempt == 4) {
        return DataLossError("opening journal " + dir + ": the manifest that CURRENT names (" +
                             CurrentManifest(dir) + ") is missing");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20 << attempt));
    }
  } else {
    // Another writer holds the directory: wait for it, within options_.lock_wait.
    const auto start = std::chrono::steady_clock::now();
    while (IsLockError(s = rocksdb::DB::Open(db_options, dir, families, &handles_, &db))) {
      const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
      if (waited >= options_.lock_wait) {
        return UnavailableError("journal " + dir + " is held for writing by " + ReadHolder(dir) +
                                (options_.lock_wait.count() > 0
                                     ? "; gave up after waiting " + Seconds(waited)
                                     : std::string()) +
                                "; read-only access is still possible");
      }
      std::this_thread::sleep_for(
          std::min(std::chrono::milliseconds(50), options_.lock_wait - waited));
    }
  }
  if (!s.ok()) {
    if (s.IsInvalidArgument() && s.ToString().find("olumn famil") != std::string::npos) {
      return DataLossError("opening journal " + dir + ": " + s.ToString());
    }
    return FromRocks(s, "opening journal " + dir);
  }
  db_.reset(db);
  records_ = handles_[1];
  streams_ = handles_[2];
  commands_ = handles_[3];
  if (options_.read_only) return LoadMarkers(false);

  {
    std::lock_guard lock(held_mu);
    HeldDirs().insert(dir);
  }
  holds_dir_ = true;
  std::ofstream(std::filesystem::path(dir) / kHolderFile, std::ios::trunc)
      << HolderDescription() << "\n";
  return LoadMarkers(create);
}

// Reads (a new writer: writes) the format marker and the journal's identity.
Status RocksDbJournalImpl::LoadMarkers(bool create) {
  const std::string& dir = options_.dir;
  std::string format;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kFormatKey, &format);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (s.IsNotFound()) {
    if (!create && !options_.read_only) {
      // Only a crash between creating the database and writing the marker leaves an empty
      // journal without one; anything else is damage.
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), records_));
      it->SeekToFirst();
      TRUNKLINE_RETURN_IF_ERROR(FromRocks(it->status(), "reading journal " + dir));
      if (it->Valid()) return DataLossError("journal " + dir + " has lost its format marker");
    }
    if (options_.read_only) {
      // Nothing was ever written, unless the chain head file says otherwise (then the check
      // of the chain head reports what is lost).
      TRUNKLINE_ASSIGN_OR_RETURN(std::optional<ChainHead> head, ChainHeadFile::Read(dir));
      if (head && head->position > 0) return OkStatus();
      return NotFoundError("journal " + dir + " does not exist (nothing has been written yet)");
    }
    TRUNKLINE_RETURN_IF_ERROR(
        FromRocks(db_->Put(sync, kFormatKey, kFormatValue), "writing the format marker"));
  } else {
    TRUNKLINE_RETURN_IF_ERROR(FromRocks(s, "reading the format marker of journal " + dir));
    if (format != kFormatValue) {
      return FailedPreconditionError("journal " + dir + " has format " + format +
                                     "; this build reads format " + kFormatValue);
    }
  }
  s = db_->Get(rocksdb::ReadOptions(), kIdentityKey, &identity_);
  if (s.IsNotFound() && !options_.read_only) {
    // Journals made before identities existed get one from their next writer.
    identity_ = NewIdentity();
    return FromRocks(db_->Put(sync, kIdentityKey, identity_), "writing the journal's identity");
  }
  if (s.IsNotFound()) return OkStatus();  // a reader of an old journal: no identity yet
  return FromRocks(s, "reading the identity of journal " + dir);
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

// Checks the recovered journal against its chain head file: every acknowledged append must
// still be there, with the hash it was acknowledged with.
Status RocksDbJournalImpl::CheckChainHead() {
  const std::string& dir = options_.dir;
  TRUNKLINE_ASSIGN_OR_RETURN(std::optional<ChainHead> head, ChainHeadFile::Read(dir));
  if (head && head->position > 0) {
    // A reader may see the head file before the records it names: it catches up (towards
    // this head, not a later one, which a busy writer would keep moving) and looks again.
    const auto start = std::chrono::steady_clock::now();
    for (int attempt = 1; LastPosition() < head->position; ++attempt) {
      if (!RetryAfterCatchUp(attempt, start)) {
        return BesideBusyWriter(DataLossError(
            "journal " + dir + ": position " + std::to_string(head->position) +
            " was acknowledged, but the journal now ends at " + std::to_string(LastPosition()) +
            ": its write-ahead log or a table file was truncated or removed"));
      }
    }
    TRUNKLINE_ASSIGN_OR_RETURN(std::vector<Record> at, ReadAll(head->position, 1));
    if (at.empty() || at.front().position != head->position || at.front().hash != head->hash) {
      return DataLossError("journal " + dir + ": position " + std::to_string(head->position) +
                           " no longer has the hash it was acknowledged with: history was " +
                           "rewritten");
    }
  }
  if (options_.read_only) return OkStatus();
  TRUNKLINE_ASSIGN_OR_RETURN(chain_head_file_, ChainHeadFile::Open(dir));
  TRUNKLINE_RETURN_IF_ERROR(chain_head_file_->Write({LastPosition(), chain_head_}));
  return chain_head_file_->Sync();
}

bool RocksDbJournalImpl::RetryAfterCatchUp(int attempt,
                                           std::chrono::steady_clock::time_point start) const {
  constexpr auto kPatience = std::chrono::seconds(3);
  if (!options_.read_only) return false;
  if (attempt >= 2 && !WriterIsLive(options_.dir)) return false;
  if (std::chrono::steady_clock::now() - start > kPatience) return false;
  std::this_thread::sleep_for(std::min(std::chrono::milliseconds(5 << std::min(attempt, 6)),
                                       std::chrono::milliseconds(200)));
  Refresh().IgnoreError();  // a failed catch-up shows in the next attempt
  return true;
}

Status RocksDbJournalImpl::BesideBusyWriter(Status status) const {
  if (status.code() != StatusCode::kDataLoss || !options_.read_only ||
      !WriterIsLive(options_.dir)) {
    return status;
  }
  return UnavailableError("journal " + options_.dir +
                          ": this read could not see the journal whole beside its busy " +
                          "writer (" + status.message() +
                          "); try again, or stop the writer for a definitive answer");
}

void RocksDbJournalImpl::ReleaseDir() {
  if (!holds_dir_) return;
  std::error_code ignored;
  std::filesystem::remove(std::filesystem::path(options_.dir) / kHolderFile, ignored);
  std::lock_guard lock(held_mu);
  HeldDirs().erase(options_.dir);
}

}  // namespace trunkline::journal::internal
