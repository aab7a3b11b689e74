// The adapter driven by the host's loop against an in-memory Plivo, with the live quirks on
// and off: a trunk with every field and routed numbers converges in a bounded number of rounds
// and then plans nothing; updates, detaches, deletes, drift, a lost create and an import scan
// each end where the registry says.
#include <gtest/gtest.h>

#include "plivo_test_util.h"

namespace trunkline::plivo::testing {
namespace {

namespace json = boost::json;

const std::vector<std::string> kNumbers = {"14155550100", "14155550101", "442071234567"};

class PlivoConvergenceTest : public ::testing::TestWithParam<bool> {
 protected:
  PlivoConvergenceTest() : plivo_(/*quirks=*/GetParam(), /*page_size=*/2) {
    for (unsigned i = 1; i <= 6; ++i) plivo_.resources.insert(Uuid(i));
    for (const std::string& digits : kNumbers) plivo_.numbers[digits] = "";
  }

  static DesiredTrunk Inbound() {
    DesiredTrunk d;
    d.id = "trunk-in";
    d.account = "default";
    d.content.fields = {{"name", std::string("Main office \"inbound\" / PBX")},
                        {"trunk_direction", std::string("inbound")},
                        {"trunk_status", std::string("disabled")},
                        {"secure", true},
                        {"primary_uri_uuid", Uuid(1)},
                        {"fallback_uri_uuid", Uuid(2)}};
    d.content.attachments[kPhoneNumbers] = kNumbers;
    return d;
  }

  static DesiredTrunk Outbound() {
    DesiredTrunk d;
    d.id = "trunk-out";
    d.account = "default";
    d.content.fields = {{"name", std::string("Dialer")},
                        {"trunk_direction", std::string("outbound")},
                        {"trunk_status", std::string("enabled")},
                        {"secure", false},
                        {"ipacl_uuid", Uuid(3)},
                        {"credential_uuid", Uuid(4)}};
    return d;
  }

  // Fails unless Plivo's trunk `id` holds exactly what `d` says, and only `d`'s numbers route
  // to it.
  void ExpectRemoteEquals(const std::string& id, const DesiredTrunk& d) {
    const FakePlivo::Trunk* t = plivo_.Find(id);
    ASSERT_NE(t, nullptr);
    for (const char* key : {"name", "trunk_direction", "trunk_status", "secure", "ipacl_uuid",
                            "credential_uuid", "primary_uri_uuid", "fallback_uri_uuid"}) {
      auto want = d.content.fields.find(key);
      const json::value* have = t->fields.if_contains(key);
      if (want == d.content.fields.end()) {
        EXPECT_TRUE(have == nullptr || *have == json::value("")) << key;
      } else if (const bool* b = std::get_if<bool>(&want->second)) {
        EXPECT_EQ(*have, json::value(*b)) << key;
      } else {
        ASSERT_NE(have, nullptr) << key;
        EXPECT_EQ(*have, json::value(std::get<std::string>(want->second))) << key;
      }
    }
    std::vector<std::string> routed;
    for (const auto& [digits, trunk] : plivo_.numbers) {
      if (trunk == id) routed.push_back(digits);
    }
    auto want = d.content.attachments.find(kPhoneNumbers);
    EXPECT_EQ(routed,
              want == d.content.attachments.end() ? std::vector<std::string>{} : want->second);
  }

  // Converges `d` from `seed` within `max_rounds`, then checks that a fresh read (GETs only)
  // plans nothing.
  LoopResult ConvergeAndRecheck(const DesiredTrunk& d, const Observation& seed, int max_rounds) {
    LoopResult first = RunLoop(d, seed, plivo_, max_rounds);
    EXPECT_TRUE(first.converged) << "not converged in " << max_rounds << " rounds"
                                 << (first.error ? ": " + first.error->message : "");
    EXPECT_TRUE(first.observation.exists);
    EXPECT_EQ(first.observation.content, d.content);
    const size_t before = plivo_.requests.size();
    LoopResult again = RunLoop(d, Seed(first.observation), plivo_, 3);
    EXPECT_TRUE(again.converged);
    EXPECT_EQ(again.rounds, 1);  // the reads, and nothing to write
    for (size_t i = before; i < plivo_.requests.size(); ++i) {
      EXPECT_EQ(plivo_.requests[i].method, "GET") << plivo_.requests[i].path;
    }
    EXPECT_EQ(again.observation.content, d.content);
    return first;
  }

  // Every trunk update sent since `from` restates trunk_direction.
  void ExpectDirectionRestated(size_t from) {
    for (size_t i = from; i < plivo_.requests.size(); ++i) {
      const HttpRequest& r = plivo_.requests[i];
      if (r.method != "POST" || r.path.find("/Zentrunk/Trunk/") == std::string::npos) continue;
      EXPECT_TRUE(json::parse(r.body).as_object().contains("trunk_direction")) << r.body;
    }
  }

  FakePlivo plivo_;
};

TEST_P(PlivoConvergenceTest, InboundTrunkWithEveryFieldConvergesThenPlansNothing) {
  const DesiredTrunk d = Inbound();
  LoopResult r = ConvergeAndRecheck(d, Observation{}, 5);
  EXPECT_LE(r.rounds, 3);  // create, fetch, route the numbers
  ASSERT_EQ(plivo_.trunks.size(), 1u);
  const std::string id = plivo_.trunks[0].id;
  EXPECT_EQ(r.observation.remote_id, id);
  EXPECT_EQ(r.observation.read_only.at("trunk_domain"),
            plugin_sdk::FieldValue(id + ".zt.plivo.com"));
  EXPECT_EQ(r.observation.read_only.at("trunk_id"), plugin_sdk::FieldValue(id));
  EXPECT_EQ(r.observation.item_ids.at(kPhoneNumbers).size(), kNumbers.size());
  ExpectRemoteEquals(id, d);
}

TEST_P(PlivoConvergenceTest, OutboundTrunkConverges) {
  const DesiredTrunk d = Outbound();
  LoopResult r = ConvergeAndRecheck(d, Observation{}, 5);
  EXPECT_LE(r.rounds, 2);  // create, fetch
  ASSERT_EQ(plivo_.trunks.size(), 1u);
  ExpectRemoteEquals(plivo_.trunks[0].id, d);
}

TEST_P(PlivoConvergenceTest, UpdatesRestateTheDirectionAndSwitchIt) {
  LoopResult out = ConvergeAndRecheck(Outbound(), Observation{}, 5);
  const std::string id = out.observation.remote_id;
  const size_t before = plivo_.requests.size();
  DesiredTrunk changed = Outbound();
  changed.content.fields["name"] = std::string("Dialer 2");
  changed.content.fields["secure"] = true;
  changed.content.fields.erase("ipacl_uuid");
  LoopResult r = ConvergeAndRecheck(changed, Seed(out.observation), 5);
  ExpectRemoteEquals(id, changed);

  DesiredTrunk inbound = Inbound();  // the same trunk turned around, with numbers
  r = ConvergeAndRecheck(inbound, Seed(r.observation), 6);
  EXPECT_EQ(r.observation.remote_id, id);
  ExpectRemoteEquals(id, inbound);
  ExpectDirectionRestated(before);
  EXPECT_EQ(plivo_.trunks.size(), 1u);
}

TEST_P(PlivoConvergenceTest, ANumberDetachedInTheRegistryIsUnrouted) {
  LoopResult first = ConvergeAndRecheck(Inbound(), Observation{}, 5);
  DesiredTrunk fewer = Inbound();
  fewer.content.attachments[kPhoneNumbers] = {kNumbers[0], kNumbers[2]};
  // The host knows only what the last sync journaled: the remote ids.
  LoopResult r = ConvergeAndRecheck(fewer, Seed(first.observation), 4);
  EXPECT_EQ(plivo_.numbers.at(kNumbers[1]), "");
  EXPECT_EQ(r.observation.item_ids.at(kPhoneNumbers).count(kNumbers[1]), 0u);
  ExpectRemoteEquals(first.observation.remote_id, fewer);
}

TEST_P(PlivoConvergenceTest, ADeletedTrunkIsDeletedAfterItsNumbersAreUnrouted) {
  LoopResult first = ConvergeAndRecheck(Inbound(), Observation{}, 5);
  const std::string id = first.observation.remote_id;
  DesiredTrunk gone = Inbound();
  gone.deleted = true;
  const size_t before = plivo_.requests.size();
  LoopResult r = RunLoop(gone, Seed(first.observation), plivo_, 5);
  ASSERT_TRUE(r.converged);
  EXPECT_LE(r.rounds, 3);  // read, un-route, delete
  EXPECT_FALSE(r.observation.exists);
  EXPECT_TRUE(r.observation.remote_id.empty());
  EXPECT_TRUE(plivo_.trunks.empty());
  size_t unroutes = 0;
  bool deleted = false;
  for (size_t i = before; i < plivo_.requests.size(); ++i) {
    const HttpRequest& req = plivo_.requests[i];
    if (req.method == "POST" && req.path.find("/Number/") != std::string::npos) {
      EXPECT_FALSE(deleted) << "a number un-routed after the trunk's delete";
      EXPECT_EQ(req.body, "{}");
      ++unroutes;
    }
    deleted = deleted || req.method == "DELETE";
  }
  EXPECT_EQ(unroutes, kNumbers.size());
  EXPECT_TRUE(deleted);
  EXPECT_TRUE(RunLoop(gone, Seed(r.observation), plivo_, 1).converged);
}

TEST_P(PlivoConvergenceTest, DriftIsCorrected) {
  LoopResult first = ConvergeAndRecheck(Inbound(), Observation{}, 5);
  const std::string id = first.observation.remote_id;
  const std::string other = plivo_.Make(
      {{"trunk_direction", "inbound"}, {"primary_uri_uuid", Uuid(5)}, {"name", "other"}});
  FakePlivo::Trunk* t = plivo_.Find(id);
  t->fields["secure"] = false;
  t->fields["trunk_status"] = "enabled";
  t->fields.erase("fallback_uri_uuid");
  t->fields["name"] = "renamed at the console";
  plivo_.numbers[kNumbers[0]] = other;  // moved to another trunk
  plivo_.numbers[kNumbers[1]] = "";     // un-routed
  LoopResult r = RunLoop(Inbound(), Seed(first.observation), plivo_, 0);
  ASSERT_FALSE(r.converged);  // one round: what the read found, before any write
  EXPECT_NE(r.observation.content, Inbound().content);
  ConvergeAndRecheck(Inbound(), Seed(first.observation), 4);
  ExpectRemoteEquals(id, Inbound());
}

TEST_P(PlivoConvergenceTest, ATrunkDeletedBehindOurBackIsMadeAgain) {
  LoopResult first = ConvergeAndRecheck(Inbound(), Observation{}, 5);
  plivo_.Remove(first.observation.remote_id);
  LoopResult r = ConvergeAndRecheck(Inbound(), Seed(first.observation), 6);
  ASSERT_EQ(plivo_.trunks.size(), 1u);
  EXPECT_NE(r.observation.remote_id, first.observation.remote_id);
  ExpectRemoteEquals(r.observation.remote_id, Inbound());
}

TEST_P(PlivoConvergenceTest, ALostCreateIsFoundAcrossPagesNotMadeTwice) {
  // Others' trunks first, among them one that differs only in its status.
  for (int i = 0; i < 4; ++i) {
    plivo_.Make({{"trunk_direction", "outbound"}, {"ipacl_uuid", Uuid(6)}, {"name", "x"}});
  }
  json::object near{{"name", "Dialer"},
                    {"trunk_direction", "outbound"},
                    {"trunk_status", "disabled"},
                    {"ipacl_uuid", Uuid(3)},
                    {"credential_uuid", Uuid(4)}};
  plivo_.Make(near);
  plivo_.lose_create_answers = 1;
  LoopResult lost = RunLoop(Outbound(), Observation{}, plivo_, 3);
  ASSERT_TRUE(lost.error.has_value());
  EXPECT_TRUE(lost.error->retryable);
  ASSERT_EQ(plivo_.trunks.size(), 6u);
  const std::string made = plivo_.trunks.back().id;

  Observation pending;  // what the host seeds after journaling the create as pending
  pending.create_pending = true;
  LoopResult r = ConvergeAndRecheck(Outbound(), pending, 8);
  EXPECT_EQ(r.observation.remote_id, made);
  EXPECT_EQ(plivo_.trunks.size(), 6u);
  size_t lookups = 0;
  for (const HttpRequest& req : plivo_.requests) {
    lookups += req.method == "GET" && req.path.ends_with("/Zentrunk/Trunk/");
  }
  EXPECT_EQ(lookups, 3u);  // six trunks, two a page
}

TEST_P(PlivoConvergenceTest, ALookupThatFindsNothingCreates) {
  plivo_.Make({{"trunk_direction", "outbound"}, {"ipacl_uuid", Uuid(3)}, {"name", "Dialer 2"}});
  Observation pending;
  pending.create_pending = true;
  LoopResult r = ConvergeAndRecheck(Outbound(), pending, 6);
  EXPECT_EQ(plivo_.trunks.size(), 2u);
  ExpectRemoteEquals(r.observation.remote_id, Outbound());
}

TEST_P(PlivoConvergenceTest, AMissingIpAclStopsTheSyncNamingFieldAndUuid) {
  DesiredTrunk d = Outbound();
  const std::string missing = Uuid(99);
  d.content.fields["ipacl_uuid"] = missing;
  LoopResult r = RunLoop(d, Observation{}, plivo_, 3);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, 9);
  EXPECT_FALSE(r.error->retryable);
  EXPECT_EQ(r.error->field, "ipacl_uuid");
  EXPECT_NE(r.error->message.find(missing), std::string::npos) << r.error->message;
  EXPECT_TRUE(plivo_.trunks.empty());

  // The same on an update: a credential that is not there.
  LoopResult made = ConvergeAndRecheck(Outbound(), Observation{}, 5);
  d = Outbound();
  d.content.fields["credential_uuid"] = missing;
  r = RunLoop(d, Seed(made.observation), plivo_, 3);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, 9);
  EXPECT_FALSE(r.error->retryable);
  EXPECT_EQ(r.error->field, "credential_uuid");
  EXPECT_NE(r.error->message.find(missing), std::string::npos) << r.error->message;
}

TEST_P(PlivoConvergenceTest, ImportScanFindsEveryTrunkAcrossPages) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(plivo_.Make({{"name", "t" + std::to_string(i)},
                               {"trunk_direction", "inbound"},
                               {"primary_uri_uuid", Uuid(1)},
                               {"secure", i % 2 == 0}}));
  }
  LoopResult r = RunLoop(std::nullopt, Observation{}, plivo_, 10);
  ASSERT_TRUE(r.converged);
  EXPECT_EQ(r.rounds, 3);  // five trunks, two a page
  EXPECT_TRUE(r.observation.scan_done);
  ASSERT_EQ(r.observation.found.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const Observation& f = r.observation.found[i];
    EXPECT_EQ(f.remote_id, ids[i]);
    EXPECT_TRUE(f.read && f.exists);
    const Fields want = {{"name", "t" + std::to_string(i)},
                         {"trunk_direction", std::string("inbound")},
                         {"trunk_status", std::string("enabled")},
                         {"secure", i % 2 == 0},
                         {"primary_uri_uuid", Uuid(1)}};
    EXPECT_EQ(f.content.fields, want);
    EXPECT_EQ(f.read_only.at("trunk_domain"), plugin_sdk::FieldValue(ids[i] + ".zt.plivo.com"));
  }
  for (const HttpRequest& req : plivo_.requests) EXPECT_EQ(req.method, "GET");
}

INSTANTIATE_TEST_SUITE_P(Quirks, PlivoConvergenceTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? std::string("Live") : std::string("Documented");
                         });

}  // namespace
}  // namespace trunkline::plivo::testing
