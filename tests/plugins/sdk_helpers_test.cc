// The SDK's import-scan bookkeeping (sync_helpers.h) and test-time host loop (host_loop.h),
// on their own; the adapters' tests use them against their providers.
#include <gtest/gtest.h>

#include "trunkline/plugin_sdk/host_loop.h"
#include "trunkline/plugin_sdk/sync_helpers.h"

namespace trunkline::plugin_sdk {
namespace {

TEST(ImportNotesTest, TargetsAndNotesNameTheTrunkAndThePart) {
  EXPECT_EQ(ImportTarget("TK1", "origination_urls"), "import/TK1/origination_urls");
  EXPECT_EQ(ImportNote("TK1", "origination_urls"), "import:TK1:origination_urls");
  auto parsed = ParseImportTarget("import/TK1/origination_urls");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->first, "TK1");
  EXPECT_EQ(parsed->second, "origination_urls");
  EXPECT_FALSE(ParseImportTarget("trunks").has_value());
  EXPECT_FALSE(ParseImportTarget("import/TK1").has_value());
  EXPECT_FALSE(ParseImportTarget("origination_urls/import/x").has_value());
}

TEST(ImportNotesTest, AListingPageKeepsItsPlaceThenEndsTheLookupOrTheScan) {
  Observation lookup;
  NoteListingPage(lookup, true, "page2");
  EXPECT_EQ(lookup.progress.at("lookup:next"), "page2");
  EXPECT_FALSE(lookup.lookup_done);
  NoteListingPage(lookup, true, std::nullopt);
  EXPECT_EQ(lookup.progress.count("lookup:next"), 0u);
  EXPECT_TRUE(lookup.lookup_done);

  Observation scan;
  NoteListingPage(scan, false, "2");
  EXPECT_EQ(scan.progress.at("scan:next"), "2");
  scan.found.push_back(Observation{});
  NoteListingPage(scan, false, std::nullopt);
  EXPECT_EQ(scan.progress.at("scan:listed"), "1");
  EXPECT_FALSE(scan.scan_done);  // the found trunk's parts are still to read
  Observation empty;
  NoteListingPage(empty, false, std::nullopt);
  EXPECT_TRUE(empty.scan_done);
}

TEST(ImportNotesTest, TheScanIsDoneOnceEveryPartOfEveryFoundTrunkIsRead) {
  Observation o;
  o.found.resize(2);
  o.found[0].remote_id = "a";
  o.found[1].remote_id = "b";
  EXPECT_FALSE(ImportPartsRead(o, {"x", "y"}));
  o.progress[ImportNote("a", "x")] = "1";
  o.progress[ImportNote("a", "y")] = "1";
  o.progress[ImportNote("b", "x")] = "1";
  o.progress[ImportNote("b", "y")] = "page3";  // its listing goes on
  EXPECT_FALSE(ImportPartsRead(o, {"x", "y"}));
  o.progress[ImportNote("b", "y")] = "1";
  EXPECT_TRUE(ImportPartsRead(o, {"x", "y"}));
  constexpr std::string_view kParts[] = {"x"};
  EXPECT_TRUE(ImportPartsRead(o, kParts));
}

// A provider of one trunk: a lookup finds "r1"; a create makes "r2".
struct ToyProvider {
  int creates = 0;
  HttpResponse Handle(const HttpRequest& request) {
    if (request.method == "POST") ++creates;
    return HttpResponse{200, {}, ""};
  }
};

std::vector<Step> ToyPlan(const std::optional<DesiredTrunk>&, const Observation& o) {
  if (o.create_pending) return {Step{StepKind::kLookup, "trunks", {"GET", "/trunks", {}, {}, ""}}};
  if (o.remote_id.empty()) return {Step{StepKind::kCreate, "trunk", {"POST", "/trunks", {}, {}, ""}}};
  if (!o.read) return {Step{StepKind::kRead, "trunk", {"GET", "/trunks/" + o.remote_id, {}, {}, ""}}};
  return {};
}

AbsorbResult ToyAbsorb(const AbsorbInput& in) {
  Observation o = in.observation;
  if (in.step.kind == StepKind::kLookup) {
    o.candidates = {"r1"};
    o.lookup_done = true;
  } else if (in.step.kind == StepKind::kCreate) {
    o.remote_id = "r2";
  } else {
    o.read = o.exists = true;
  }
  return AbsorbResult{std::move(o), std::nullopt};
}

HostLoopResult RunToy(ToyProvider& provider, Observation seed, int max_rounds) {
  return RunHostLoop(ToyPlan, ToyAbsorb,
                     [&](const HttpRequest& r) { return provider.Handle(r); }, DesiredTrunk{},
                     std::move(seed), max_rounds);
}

TEST(HostLoopTest, APendingCreateIsLookedUpAndTheCandidateAdoptedNotCreatedAgain) {
  ToyProvider provider;
  Observation pending;
  pending.create_pending = true;
  const HostLoopResult r = RunToy(provider, pending, 5);
  EXPECT_TRUE(r.converged);
  EXPECT_FALSE(r.error.has_value());
  EXPECT_EQ(r.observation.remote_id, "r1");
  EXPECT_EQ(provider.creates, 0);
  EXPECT_EQ(r.rounds, 2);  // the lookup, then the read of the adopted trunk
  EXPECT_EQ(r.requests, 2u);
}

TEST(HostLoopTest, StopsAfterMaxRoundsWithoutClaimingConvergence) {
  ToyProvider provider;
  const HostLoopResult r = RunToy(provider, Observation{}, 1);
  EXPECT_FALSE(r.converged);
  EXPECT_EQ(r.rounds, 1);
  EXPECT_EQ(r.observation.remote_id, "r2");
  EXPECT_EQ(provider.creates, 1);
}

TEST(HostLoopTest, AnErrorEndsThePassWithTheObservationBeforeIt) {
  ToyProvider provider;
  const HostLoopResult r = RunHostLoop(
      ToyPlan,
      [](const AbsorbInput&) {
        return AbsorbResult{std::nullopt, SyncError{14, true, "down", {}, {}, {}, std::nullopt}};
      },
      [&](const HttpRequest& request) { return provider.Handle(request); }, DesiredTrunk{},
      Observation{}, 5);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_TRUE(r.error->retryable);
  EXPECT_FALSE(r.converged);
  EXPECT_TRUE(r.observation.remote_id.empty());
  EXPECT_EQ(r.requests, 1u);
}

}  // namespace
}  // namespace trunkline::plugin_sdk
