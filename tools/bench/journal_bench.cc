#include "journal_bench.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <random>
#include <thread>

#include "bench_events.h"
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

// The next event of `writer`'s trunk, which is at `version`.
AppendRequest OneEvent(int writer, uint64_t version, std::mt19937_64& rng) {
  AppendRequest r;
  r.stream = "writer-" + std::to_string(writer);
  r.expected = version == 0 ? ExpectedVersion::NoStream() : ExpectedVersion::Exactly(version);
  r.metadata = {"bench", "load", r.stream + "/" + std::to_string(version), ""};
  r.events.push_back(EncodedTrunkEvent(writer, version, rng));
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
      std::mt19937_64 rng(w);
      for (uint64_t version = 0; SecondsSince(start) < seconds && !failed; ++version) {
        Result<journal::AppendReceipt> r = journal->Append(OneEvent(w, version, rng));
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

// `in_flight` appends kept going through AppendAsync, started from this thread: each append
// is one event to its own stream, and its callback, once the event is durable, makes that
// stream's next append, until time is up.
Result<double> MeasureAsyncAppends(const std::filesystem::path& dir, int in_flight,
                                   double seconds) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto journal, OpenFresh(dir));
  struct Stream {
    uint64_t version = 0;
    std::mt19937_64 rng;
  };
  std::vector<Stream> streams(in_flight);
  // Touched by the callbacks only, which the journal calls one at a time.
  uint64_t appended = 0;
  bool failed = false;
  Status first_error;
  std::mutex mu;
  std::condition_variable cv;
  int running = in_flight;  // guarded by mu
  const auto start = Clock::now();
  std::function<void(int)> next = [&](int w) {
    Stream& stream = streams[w];
    journal->AppendAsync(OneEvent(w, stream.version, stream.rng),
                         [&, w](Result<journal::AppendReceipt> r) {
                           if (r.ok()) {
                             ++appended;
                             ++streams[w].version;
                             if (!failed && SecondsSince(start) < seconds) return next(w);
                           } else if (!failed) {
                             failed = true;
                             first_error = r.status();
                           }
                           std::lock_guard lock(mu);
                           if (--running == 0) cv.notify_all();
                         });
  };
  for (int w = 0; w < in_flight; ++w) {
    streams[w].rng.seed(w);
    next(w);
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return running == 0; });
  const double elapsed = SecondsSince(start);
  if (failed) return first_error;
  return static_cast<double>(appended) / elapsed;
}

struct ImportFigures {
  double events_per_s = 0;
  double payload_bytes_per_event = 0;
};

// Appends `events` trunk events in appends of kImportBatch events of one stream each, the
// streams taken in turn from kImportStreams: batch b goes to stream b % kImportStreams and
// carries that trunk's next events, so every stream starts with its TrunkCreated.
Result<ImportFigures> MeasureImport(const std::filesystem::path& dir, uint64_t events) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto journal, OpenFresh(dir));
  std::mt19937_64 rng(42);
  double appending = 0;  // seconds inside Append; making the events is not measured
  uint64_t payload_bytes = 0;
  for (uint64_t first = 0; first < events; first += kImportBatch) {
    const uint64_t batch = first / kImportBatch;
    const uint64_t stream = batch % kImportStreams;
    const uint64_t stream_version = batch / kImportStreams * kImportBatch;
    AppendRequest r;
    r.stream = "import-" + std::to_string(stream);
    r.metadata = {"importer", "bulk import", "import/" + std::to_string(first), ""};
    for (uint64_t i = first; i < std::min(events, first + kImportBatch); ++i) {
      r.events.push_back(EncodedTrunkEvent(stream, stream_version + (i - first), rng));
      payload_bytes += r.events.back().payload.size();
    }
    const auto start = Clock::now();
    TRUNKLINE_RETURN_IF_ERROR(journal->Append(r).status());
    appending += SecondsSince(start);
  }
  // Settle the data before it is measured on disk and replayed, so that replay measures
  // reading, not reading while the import's compactions run. Opening the journal once more
  // removes the files the compaction left obsolete (a closing journal may leave some behind),
  // so that the size on disk is the size of what is kept.
  TRUNKLINE_RETURN_IF_ERROR(journal->Compact());
  journal.reset();
  journal::RocksDbJournalOptions reopen;
  reopen.dir = dir.string();
  TRUNKLINE_RETURN_IF_ERROR(RocksDbJournal::Open(reopen).status());
  return ImportFigures{static_cast<double>(events) / appending,
                       static_cast<double>(payload_bytes) / static_cast<double>(events)};
}

// Reopens the imported journal and reads every event in global order, decoding each through
// the domain's event codec.
Result<double> MeasureReplay(const std::filesystem::path& dir, uint64_t events) {
  journal::RocksDbJournalOptions options;
  options.dir = dir.string();
  TRUNKLINE_ASSIGN_OR_RETURN(auto journal, RocksDbJournal::Open(options));
  const auto start = Clock::now();
  uint64_t read = 0;
  Status decoded;
  TRUNKLINE_RETURN_IF_ERROR(journal->Scan(1, [&](const journal::RecordView& r) {
    decoded = DecodeTrunkEvent(r);
    ++read;
    return decoded.ok();
  }));
  const double elapsed = SecondsSince(start);
  TRUNKLINE_RETURN_IF_ERROR(decoded);
  if (read != events) {
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
          return MeasureAsyncAppends(root / "append64", 64, seconds);
        }));
        TRUNKLINE_RETURN_IF_ERROR(measure("append_64threads_blocking_eps", "events/s", [&] {
          return MeasureDurableAppends(root / "append64threads", 64, seconds);
        }));
        if (wanted("replay_eps") || wanted("import_eps")) {  // replay reads the import
          TRUNKLINE_ASSIGN_OR_RETURN(ImportFigures import,
                                     MeasureImport(root / "import", options.events));
          if (wanted("import_eps")) {
            figures.push_back({"import_eps", import.events_per_s, "events/s"});
          }
          if (options.only.empty()) {  // the import's journal on disk, compacted and closed
            TRUNKLINE_ASSIGN_OR_RETURN(uint64_t bytes, DirectoryBytes(root / "import"));
            figures.push_back({"disk_bytes_per_event",
                               static_cast<double>(bytes) / static_cast<double>(options.events),
                               "bytes"});
            figures.push_back({"payload_bytes_per_event", import.payload_bytes_per_event, "bytes"});
          }
        }
        TRUNKLINE_RETURN_IF_ERROR(measure("replay_eps", "events/s", [&] {
          return MeasureReplay(root / "import", options.events);
        }));
        figures.push_back({"peak_rss_mb", PeakRssMb(), "MiB"});
        return OkStatus();
      });
}

}  // namespace trunkline::bench
