#include "journal_bench.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "bench_payload.h"
#include "trunkline/journal/rocksdb_journal.h"

namespace trunkline::bench {
namespace {

using Clock = std::chrono::steady_clock;
using journal::AppendRequest;
using journal::ExpectedVersion;
using journal::RocksDbJournal;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The machine's own rate of small synced appends to a file, as RocksDB's WAL does them.
Result<double> MeasureFsync(const std::filesystem::path& dir, double seconds) {
  const std::string path = dir / "fsync-probe";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (fd < 0) return UnavailableError("opening " + path);
  const std::string line(100, 'x');
  uint64_t syncs = 0;
  const auto start = Clock::now();
  while (SecondsSince(start) < seconds) {
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
        ::fdatasync(fd) != 0) {
      ::close(fd);
      return UnavailableError("writing " + path);
    }
    ++syncs;
  }
  const double rate = static_cast<double>(syncs) / SecondsSince(start);
  ::close(fd);
  std::filesystem::remove(path);
  return rate;
}

Result<std::unique_ptr<RocksDbJournal>> OpenFresh(const std::filesystem::path& dir) {
  std::filesystem::remove_all(dir);
  journal::RocksDbJournalOptions options;
  options.dir = dir.string();
  return RocksDbJournal::Open(options);
}

AppendRequest OneEvent(const std::string& stream, uint64_t version, uint64_t seq) {
  AppendRequest r;
  r.stream = stream;
  r.expected = version == 0 ? ExpectedVersion::NoStream() : ExpectedVersion::Exactly(version);
  r.metadata = {"bench", "load", stream + "/" + std::to_string(seq), ""};
  r.events.push_back({"TrunkUpdated", 1, MakePayload(seq, 200)});
  return r;
}

// `writers` threads, each appending one-event batches to its own stream until time is up.
Result<double> MeasureDurableAppends(const std::filesystem::path& dir, int writers,
                                     double seconds) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto journal, OpenFresh(dir));
  std::atomic<uint64_t> appended{0};
  std::atomic<bool> failed{false};
  Status first_error;
  std::mutex error_mu;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      const std::string stream = "writer-" + std::to_string(w);
      for (uint64_t version = 0; SecondsSince(start) < seconds && !failed; ++version) {
        Result<journal::AppendReceipt> r = journal->Append(OneEvent(stream, version, version));
        if (!r.ok()) {
          std::lock_guard lock(error_mu);
          if (!failed.exchange(true)) first_error = r.status();
          return;
        }
        appended.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double elapsed = SecondsSince(start);
  if (failed) return first_error;
  return static_cast<double>(appended.load()) / elapsed;
}

// Appends `events` events in batches of 1000 events each, spread over 10,000 streams.
Result<double> MeasureImport(const std::filesystem::path& dir, uint64_t events) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto journal, OpenFresh(dir));
  constexpr uint64_t kBatch = 1000;
  constexpr uint64_t kStreams = 10000;
  double appending = 0;  // seconds inside Append; making the events is not measured
  for (uint64_t first = 0; first < events; first += kBatch) {
    AppendRequest r;
    r.stream = "import-" + std::to_string((first / kBatch) % kStreams);
    r.metadata = {"importer", "bulk import", "import/" + std::to_string(first), ""};
    for (uint64_t i = first; i < std::min(events, first + kBatch); ++i) {
      r.events.push_back({"TrunkUpdated", 1, MakePayload(i, 200)});
    }
    const auto start = Clock::now();
    TRUNKLINE_RETURN_IF_ERROR(journal->Append(r).status());
    appending += SecondsSince(start);
  }
  // Settle the data before it is replayed, so that replay measures reading, not reading
  // while the import's compactions run.
  TRUNKLINE_RETURN_IF_ERROR(journal->Compact());
  return static_cast<double>(events) / appending;
}

// Reopens the imported journal and reads every event in global order, decoding payloads.
Result<double> MeasureReplay(const std::filesystem::path& dir, uint64_t events) {
  journal::RocksDbJournalOptions options;
  options.dir = dir.string();
  TRUNKLINE_ASSIGN_OR_RETURN(auto journal, RocksDbJournal::Open(options));
  const auto start = Clock::now();
  uint64_t read = 0;
  uint64_t fields = 0;
  uint64_t bad_payload = 0;
  TRUNKLINE_RETURN_IF_ERROR(journal->Scan(1, [&](const journal::RecordView& r) {
    const int n = DecodePayload(r.payload);
    if (n < 0) bad_payload = r.position;
    fields += static_cast<uint64_t>(n);
    ++read;
    return n >= 0;
  }));
  if (bad_payload != 0) return DataLossError("payload at " + std::to_string(bad_payload));
  const double elapsed = SecondsSince(start);
  if (read != events || fields == 0) {
    return InternalError("replay read " + std::to_string(read) + " of " + std::to_string(events) +
                         " events");
  }
  return static_cast<double>(read) / elapsed;
}

}  // namespace

Result<std::vector<Figure>> RunJournalBench(const JournalBenchOptions& options) {
  return MeasureInScratchDir(
      options.dir, "trunkline-bench",
      [&](const std::filesystem::path& root, std::vector<Figure>& figures) -> Status {
        auto wanted = [&](std::string_view name) {
          return options.only.empty() ||
                 std::find(options.only.begin(), options.only.end(), name) != options.only.end();
        };
        auto measure = [&](const char* name, const char* unit, auto&& fn) -> Status {
          if (!wanted(name)) return OkStatus();
          TRUNKLINE_ASSIGN_OR_RETURN(double value, fn());
          figures.push_back({name, value, unit});
          return OkStatus();
        };
        const double seconds = options.seconds_per_run;
        TRUNKLINE_RETURN_IF_ERROR(
            measure("fsync_per_s", "syncs/s", [&] { return MeasureFsync(root, seconds); }));
        TRUNKLINE_RETURN_IF_ERROR(measure("append_1writer_durable_eps", "events/s", [&] {
          return MeasureDurableAppends(root / "append1", 1, seconds);
        }));
        TRUNKLINE_RETURN_IF_ERROR(measure("append_64writers_durable_eps", "events/s", [&] {
          return MeasureDurableAppends(root / "append64", 64, seconds);
        }));
        if (wanted("replay_eps") || wanted("import_eps")) {  // replay reads the import
          TRUNKLINE_ASSIGN_OR_RETURN(double import, MeasureImport(root / "import", options.events));
          if (wanted("import_eps")) figures.push_back({"import_eps", import, "events/s"});
        }
        TRUNKLINE_RETURN_IF_ERROR(measure("replay_eps", "events/s", [&] {
          return MeasureReplay(root / "import", options.events);
        }));
        figures.push_back({"peak_rss_mb", PeakRssMb(), "MiB"});
        return OkStatus();
      });
}

}  // namespace trunkline::bench
