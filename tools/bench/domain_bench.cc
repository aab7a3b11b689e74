#include "domain_bench.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <random>

#include "bench_events.h"
#include "trunkline/journal/rocksdb_journal.h"
#include "trunkline/plugin_host/plugin_host.h"
#include "trunkline/projection/current_state.h"
#include "trunkline/registry/registry.h"

namespace trunkline::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Result<std::unique_ptr<journal::RocksDbJournal>> OpenJournal(const std::filesystem::path& dir) {
  journal::RocksDbJournalOptions options;
  options.dir = dir.string();
  return journal::RocksDbJournal::Open(options);
}

journal::AppendRequest Batch(uint64_t trunk, uint64_t first, uint64_t count, std::mt19937_64& rng) {
  journal::AppendRequest r;
  r.stream = projection::StreamOf("bench-" + std::to_string(trunk));
  r.metadata = {"bench", "load", r.stream + "/" + std::to_string(first), ""};
  for (uint64_t n = first; n < first + count; ++n) {
    r.events.push_back(EncodedTrunkEvent(trunk, n, rng));
  }
  return r;
}

// `events` events over `trunks` trunks, each trunk's events appended in batches of 100.
Status Fill(journal::Journal& journal, uint64_t events, uint64_t trunks) {
  std::mt19937_64 rng(42);
  const uint64_t per_trunk = std::max<uint64_t>(1, events / trunks);
  for (uint64_t first = 0; first < per_trunk; first += 100) {
    for (uint64_t t = 0; t < trunks; ++t) {
      TRUNKLINE_RETURN_IF_ERROR(
          journal.Append(Batch(t, first, std::min<uint64_t>(100, per_trunk - first), rng))
              .status());
    }
  }
  return OkStatus();
}

Result<double> MeasureRebuild(const std::filesystem::path& dir, const DomainBenchOptions& o) {
  {
    TRUNKLINE_ASSIGN_OR_RETURN(auto journal, OpenJournal(dir / "journal"));
    TRUNKLINE_RETURN_IF_ERROR(Fill(*journal, o.events, o.trunks));
    TRUNKLINE_RETURN_IF_ERROR(journal->Compact());
  }
  TRUNKLINE_ASSIGN_OR_RETURN(auto journal, OpenJournal(dir / "journal"));
  std::vector<double> rates;
  for (int run = 0; run < o.rebuild_runs; ++run) {
    std::filesystem::remove(dir / "snapshot");
    TRUNKLINE_ASSIGN_OR_RETURN(auto state,
                               projection::CurrentState::Load((dir / "snapshot").string()));
    // As the registry persists projections: with the periodic trunk snapshots.
    TRUNKLINE_ASSIGN_OR_RETURN(
        auto trunk_snapshots,
        projection::TrunkSnapshots::Open((dir / "trunk-snapshots").string(), false));
    state->set_trunk_snapshots(trunk_snapshots.get());
    const auto start = Clock::now();
    TRUNKLINE_RETURN_IF_ERROR(state->RebuildFrom(*journal));
    const double elapsed = SecondsSince(start);
    if (state->trunks().size() != o.trunks) return InternalError("rebuild lost trunks");
    rates.push_back(static_cast<double>(journal->LastPosition()) / elapsed);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

struct Percentiles {
  double p50, p99;
};

// One trunk with 1,000 events; its state as of random positions, through the registry.
Result<Percentiles> MeasureAsOf(const std::filesystem::path& dir) {
  {
    TRUNKLINE_ASSIGN_OR_RETURN(auto journal, OpenJournal(dir / "journal"));
    std::mt19937_64 rng(7);
    for (uint64_t first = 0; first < 1000; first += 10) {
      // Other trunks' events interleave, as they would in a live registry.
      TRUNKLINE_RETURN_IF_ERROR(journal->Append(Batch(99'999'999, first, 10, rng)).status());
      TRUNKLINE_RETURN_IF_ERROR(journal->Append(Batch(first, 0, 5, rng)).status());
    }
  }
  registry::RegistryOptions options{dir.string(), plugin_host::DefaultPluginDir()};
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, registry::Registry::Open(options));
  const uint64_t last = reg->journal().LastPosition();
  std::mt19937_64 rng(9);
  std::vector<double> micros;
  for (int i = 0; i < 500; ++i) {
    const registry::AsOf at{1 + rng() % last, std::nullopt};
    const auto start = Clock::now();
    auto state = reg->Get("bench-99999999", at);
    micros.push_back(SecondsSince(start) * 1e6);
    if (!state.ok() && state.status().code() != StatusCode::kNotFound) return state.status();
  }
  std::sort(micros.begin(), micros.end());
  return Percentiles{micros[micros.size() / 2], micros[micros.size() * 99 / 100]};
}

// Where the child of the memory figure leaves the number of trunks it projected.
constexpr char kProjectedTrunksFile[] = "projected-trunks";

struct RssFigure {
  double mb = 0;
  uint64_t trunks = 0;  // as projected by the child
};

Result<RssFigure> MeasureRss(const std::filesystem::path& dir, const DomainBenchOptions& o) {
  {
    TRUNKLINE_ASSIGN_OR_RETURN(auto journal, OpenJournal(dir / "journal"));
    TRUNKLINE_RETURN_IF_ERROR(Fill(*journal, o.rss_trunks * 3, o.rss_trunks));
  }
  const std::string command = o.self + " project-rss --dir " + dir.string();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return InternalError("cannot run " + command);
  RssFigure figure;
  const int matched = std::fscanf(pipe, "%lf", &figure.mb);
  if (pclose(pipe) != 0 || matched != 1) return InternalError(command + " failed");
  FILE* count = std::fopen((dir / kProjectedTrunksFile).c_str(), "r");
  if (count == nullptr) return InternalError(command + " did not say how many trunks it projected");
  const int counted = std::fscanf(count, "%" SCNu64, &figure.trunks);
  std::fclose(count);
  if (counted != 1) return InternalError("unreadable " + (dir / kProjectedTrunksFile).string());
  return figure;
}

}  // namespace

std::string RssFigureName(uint64_t trunks) { return "rss_" + CountName(trunks) + "_trunks_mb"; }

Result<double> ProjectAndMeasureRss(const std::string& dir) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto journal, OpenJournal(std::filesystem::path(dir) / "journal"));
  TRUNKLINE_ASSIGN_OR_RETURN(auto state, projection::CurrentState::Load(dir + "/snapshot"));
  TRUNKLINE_RETURN_IF_ERROR(state->CatchUp(*journal));
  if (state->trunks().empty()) return InternalError("nothing projected");
  const double mb = PeakRssMb();
  const std::string count_path = dir + "/" + kProjectedTrunksFile;
  FILE* count = std::fopen(count_path.c_str(), "w");
  if (count == nullptr) return UnavailableError("cannot write " + count_path);
  const bool written = std::fprintf(count, "%zu\n", state->trunks().size()) > 0;
  if (std::fclose(count) != 0 || !written) return UnavailableError("cannot write " + count_path);
  return mb;
}

Result<std::vector<Figure>> RunDomainBench(const DomainBenchOptions& o) {
  return MeasureInScratchDir(
      o.dir, "trunkline-bench-domain",
      [&](const std::filesystem::path& root, std::vector<Figure>& figures) -> Status {
        TRUNKLINE_ASSIGN_OR_RETURN(RssFigure rss, MeasureRss(root / "rss", o));
        TRUNKLINE_ASSIGN_OR_RETURN(double rebuild, MeasureRebuild(root / "rebuild", o));
        figures.push_back({"rebuild_eps", rebuild, "events/s"});
        TRUNKLINE_ASSIGN_OR_RETURN(Percentiles as_of, MeasureAsOf(root / "asof"));
        figures.push_back({"as_of_p50_us", as_of.p50, "us"});
        figures.push_back({"as_of_p99_us", as_of.p99, "us"});
        figures.push_back({RssFigureName(rss.trunks), rss.mb, "MiB"});
        figures.push_back({"peak_rss_mb", PeakRssMb(), "MiB"});
        return OkStatus();
      });
}

}  // namespace trunkline::bench
