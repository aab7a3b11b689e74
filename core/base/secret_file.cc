#include "trunkline/base/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <system_error>

namespace trunkline {
namespace {

std::string ErrnoText(int error) { return std::generic_category().message(error); }

}  // namespace

Result<std::string> ReadSecretFile(const std::string& path, std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return FailedPreconditionError("cannot open: " + ErrnoText(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return FailedPreconditionError("cannot stat: " + ErrnoText(errno));
  if (!S_ISREG(st.st_mode)) return FailedPreconditionError("is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return FailedPreconditionError(std::string("permissions ") + mode +
                                   " are too open: a secret file must not be accessible by "
                                   "group or others (chmod 600 " +
                                   path + ")");
  }
  std::string text(max_bytes, '\0');
  std::size_t size = 0;
  while (size < text.size()) {
    const ssize_t n = ::read(fd, text.data() + size, text.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FailedPreconditionError("cannot read: " + ErrnoText(errno));
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
  }
  text.resize(size);
  const std::size_t newline = text.find('\n');
  if (newline == std::string::npos && size == max_bytes) {
    return FailedPreconditionError("its first line is longer than " + std::to_string(max_bytes) +
                                   " bytes");
  }
  text.resize(std::min(newline, text.size()));
  if (text.ends_with('\r')) text.pop_back();
  return text;
}

}  // namespace trunkline
