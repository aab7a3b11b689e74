#include "figures.h"

#include <sys/resource.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

namespace trunkline::bench {

void PrintText(const std::vector<Figure>& figures, std::ostream& out) {
  for (const Figure& f : figures) {
    char value[64];
    std::snprintf(value, sizeof value, "%.*f", std::fabs(f.value) >= 100 ? 0 : 2, f.value);
    out << f.name << ' ' << value << ' ' << f.unit << '\n';
  }
}

void PrintJson(const std::vector<Figure>& figures, std::ostream& out) {
  boost::json::object object;
  for (const Figure& f : figures) object[f.name] = f.value;
  out << boost::json::serialize(object) << '\n';
}

std::string CountName(uint64_t count) {
  if (count != 0 && count % 1'000'000 == 0) return std::to_string(count / 1'000'000) + "m";
  if (count != 0 && count % 1'000 == 0) return std::to_string(count / 1'000) + "k";
  return std::to_string(count);
}

Result<uint64_t> DirectoryBytes(const std::filesystem::path& dir) {
  std::error_code ec;
  uint64_t bytes = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) bytes += it->file_size(ec);
    if (ec) break;
  }
  if (ec) return UnavailableError("measuring " + dir.string() + ": " + ec.message());
  return bytes;
}

double PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

Result<std::vector<Figure>> MeasureInScratchDir(
    const std::string& dir, const std::string& name,
    const std::function<Status(const std::filesystem::path& root, std::vector<Figure>& figures)>&
        measure) {
  const std::filesystem::path root =
      std::filesystem::path(dir) / (name + "-" + std::to_string(::getpid()));
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) return UnavailableError("creating " + root.string() + ": " + ec.message());
  std::vector<Figure> figures;
  const Status s = measure(root, figures);
  std::filesystem::remove_all(root, ec);
  if (!s.ok()) return s;
  return figures;
}

}  // namespace trunkline::bench
