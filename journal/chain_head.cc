// The chain head file:
//
//   file  := slot slot                      (256 bytes; either slot may be blank)
//   slot  := magic position hash check pad  (128 bytes)
//   magic := "TLCHAIN1"
//   position := 8 bytes, big-endian
//   hash  := 32 bytes: the record hash at `position`
//   check := 32 bytes: SHA-256 of magic, position and hash
//   pad   := 48 zero bytes
//
// Writes alternate between the slots; a reader takes the intact slot with the higher
// position.
#include "chain_head.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace trunkline::journal::internal {
namespace {

constexpr size_t kSlotBytes = 128;
constexpr char kMagic[] = "TLCHAIN1";
constexpr size_t kMagicBytes = 8;
constexpr size_t kCoveredBytes = kMagicBytes + 8 + 32;

using Slot = std::array<unsigned char, kSlotBytes>;

Sha256Digest Check(const Slot& slot) {
  Sha256 hasher;
  hasher.Update(std::string_view(reinterpret_cast<const char*>(slot.data()), kCoveredBytes));
  return hasher.Finish();
}

Slot EncodeSlot(const ChainHead& head) {
  Slot slot{};
  std::memcpy(slot.data(), kMagic, kMagicBytes);
  for (int i = 0; i < 8; ++i) slot[kMagicBytes + i] = (head.position >> (56 - 8 * i)) & 0xff;
  std::memcpy(slot.data() + kMagicBytes + 8, head.hash.data(), 32);
  const Sha256Digest check = Check(slot);
  std::memcpy(slot.data() + kCoveredBytes, check.data(), 32);
  return slot;
}

std::optional<ChainHead> DecodeSlot(const Slot& slot) {
  if (std::memcmp(slot.data(), kMagic, kMagicBytes) != 0) return std::nullopt;
  const Sha256Digest check = Check(slot);
  if (std::memcmp(slot.data() + kCoveredBytes, check.data(), 32) != 0) return std::nullopt;
  ChainHead head;
  for (int i = 0; i < 8; ++i) head.position = (head.position << 8) | slot[kMagicBytes + i];
  std::memcpy(head.hash.data(), slot.data() + kMagicBytes + 8, 32);
  return head;
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

ChainHeadFile::~ChainHeadFile() { ::close(fd_); }

Result<std::optional<ChainHead>> ChainHeadFile::Read(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / kChainHeadFile).string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<ChainHead>();
    return UnavailableError(Errno("reading " + path));
  }
  std::array<unsigned char, 2 * kSlotBytes> bytes{};
  const ssize_t n = ::pread(fd, bytes.data(), bytes.size(), 0);
  ::close(fd);
  if (n < 0) return UnavailableError(Errno("reading " + path));
  if (n == 0) return std::optional<ChainHead>();
  std::optional<ChainHead> best;
  bool blank = true;
  for (size_t i = 0; i < 2; ++i) {
    Slot slot{};
    std::memcpy(slot.data(), bytes.data() + i * kSlotBytes, kSlotBytes);
    if (slot != Slot{}) blank = false;
    std::optional<ChainHead> head = DecodeSlot(slot);
    if (head && (!best || head->position > best->position)) best = head;
  }
  if (!best && !blank) {
    return DataLossError(path + " is damaged: neither of its slots holds an intact chain head");
  }
  return best;
}

Result<std::unique_ptr<ChainHeadFile>> ChainHeadFile::Open(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / kChainHeadFile).string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return UnavailableError(Errno("opening " + path));
  return std::unique_ptr<ChainHeadFile>(new ChainHeadFile(path, fd));
}

Status ChainHeadFile::Write(const ChainHead& head) {
  const Slot slot = EncodeSlot(head);
  const off_t offset = static_cast<off_t>(next_slot_ * kSlotBytes);
  const ssize_t n = ::pwrite(fd_, slot.data(), slot.size(), offset);
  if (n != static_cast<ssize_t>(slot.size())) {
    return n < 0 ? UnavailableError(Errno("writing " + path_))
                 : UnavailableError("writing " + path_ + ": short write");
  }
  next_slot_ ^= 1;
  return OkStatus();
}

Status ChainHeadFile::Sync() {
  if (::fdatasync(fd_) != 0) return UnavailableError(Errno("syncing " + path_));
  return OkStatus();
}

}  // namespace trunkline::journal::internal
