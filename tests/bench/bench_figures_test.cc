// The figures of trunkline-bench: their names follow the workload, on-disk size is measured,
// and replay decodes real domain events.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>

#include "bench_events.h"
#include "domain_bench.h"
#include "figures.h"
#include "journal_bench.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"

namespace trunkline::bench {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Ge;
using ::testing::Gt;
using ::testing::Key;
using ::testing::Lt;
using ::testing::Not;
using trunkline::testing::StatusIs;
using trunkline::testing::TempDir;

std::map<std::string, double> ByName(const std::vector<Figure>& figures) {
  std::map<std::string, double> out;
  for (const Figure& f : figures) out[f.name] = f.value;
  return out;
}

TEST(BenchFiguresTest, TheMemoryFigureIsNamedAfterItsTrunkCount) {
  EXPECT_EQ(RssFigureName(100'000), "rss_100k_trunks_mb");
  EXPECT_EQ(RssFigureName(200), "rss_200_trunks_mb");
  EXPECT_EQ(RssFigureName(2'500), "rss_2500_trunks_mb");
  EXPECT_EQ(RssFigureName(3'000'000), "rss_3m_trunks_mb");
  EXPECT_EQ(CountName(0), "0");
}

TEST(BenchFiguresTest, DirectoryBytesCountsEveryFileBelow) {
  TempDir dir("bench-figures");
  std::filesystem::create_directories(dir.Sub("a/b"));
  std::ofstream(dir.Sub("top")) << std::string(100, 'x');
  std::ofstream(dir.Sub("a/b/deep")) << std::string(23, 'y');
  Result<uint64_t> bytes = DirectoryBytes(dir.path());
  ASSERT_OK(bytes);
  EXPECT_EQ(*bytes, 123u);
  EXPECT_THAT(DirectoryBytes(dir.Sub("missing")), StatusIs(StatusCode::kUnavailable, "missing"));
}

TEST(BenchFiguresTest, ReplayDecodesThroughTheDomainCodec) {
  std::mt19937_64 rng(1);
  for (uint64_t n = 0; n < 50; ++n) {
    const journal::NewEvent e = EncodedTrunkEvent(7, n, rng);
    EXPECT_OK(DecodeTrunkEvent({.position = n + 1,
                                .type = e.type,
                                .schema_version = e.schema_version,
                                .payload = e.payload}))
        << e.type;
  }
  EXPECT_THAT(
      DecodeTrunkEvent(
          {.position = 9, .type = "TrunkUpdated", .schema_version = 1, .payload = "not msgpack"}),
      StatusIs(StatusCode::kDataLoss, "position 9"));
  EXPECT_THAT(
      DecodeTrunkEvent({.position = 4, .type = "Happened", .schema_version = 1, .payload = "\x80"}),
      StatusIs(StatusCode::kFailedPrecondition, "position 4"));
}

TEST(BenchFiguresTest, JournalReportsBytesOnDiskAndPayloadBytesPerEvent) {
  TempDir dir("bench-figures");
  Result<std::vector<Figure>> figures =
      RunJournalBench({.dir = dir.path(), .events = 3'000, .seconds_per_run = 0.1});
  ASSERT_OK(figures);
  const std::map<std::string, double> by_name = ByName(*figures);
  ASSERT_THAT(by_name, Contains(Key("disk_bytes_per_event")));
  ASSERT_THAT(by_name, Contains(Key("payload_bytes_per_event")));
  EXPECT_THAT(by_name.at("disk_bytes_per_event"), Gt(0));
  // The mix of real trunk events: tens of bytes each, never the old 200-byte filler.
  EXPECT_THAT(by_name.at("payload_bytes_per_event"), AllOf(Ge(20), Lt(150)));
  EXPECT_THAT(by_name.at("replay_eps"), Gt(0));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "scratch data was left behind";
}

TEST(BenchFiguresTest, OnlyImportLeavesOutTheDiskFigures) {
  TempDir dir("bench-figures");
  Result<std::vector<Figure>> figures =
      RunJournalBench({.dir = dir.path(), .events = 1'000, .only = {"import_eps"}});
  ASSERT_OK(figures);
  const std::map<std::string, double> by_name = ByName(*figures);
  EXPECT_THAT(by_name, Contains(Key("import_eps")));
  EXPECT_THAT(by_name, Not(Contains(Key("disk_bytes_per_event"))));
}

TEST(BenchFiguresTest, DomainNamesTheMemoryFigureAfterTheTrunksProjected) {
  TempDir dir("bench-figures");
  Result<std::vector<Figure>> figures = RunDomainBench({.dir = dir.path(),
                                                        .events = 2'000,
                                                        .trunks = 20,
                                                        .rss_trunks = 200,
                                                        .rebuild_runs = 1,
                                                        .self = TRUNKLINE_BENCH});
  ASSERT_OK(figures);
  const std::map<std::string, double> by_name = ByName(*figures);
  ASSERT_THAT(by_name, Contains(Key("rss_200_trunks_mb")));
  EXPECT_THAT(by_name.at("rss_200_trunks_mb"), Gt(0));
  EXPECT_THAT(by_name, Not(Contains(Key("rss_100k_trunks_mb"))));
}

}  // namespace
}  // namespace trunkline::bench
