// The adapter driven by the host's loop against an in-memory Telnyx: a trunk with every part
// converges in a bounded number of rounds and then plans nothing; updates, FQDN and number
// changes, a lost create, drift, a delete and an import scan each end where the registry says.
#include <gtest/gtest.h>

#include "telnyx_test_util.h"

namespace trunkline::telnyx::testing {
namespace {

namespace json = boost::json;

class TelnyxConvergenceTest : public ::testing::Test {
 protected:
  TelnyxConvergenceTest() {
    telnyx_.page_size_cap = 2;  // every listing pages
    for (const char* n : {"+15550010001", "+15550010002", "+15550010003", "+115550010001"}) {
      telnyx_.AddNumber(n);
    }
  }

  static DesiredTrunk Office() {
    DesiredTrunk d;
    d.id = "trunk-office";
    d.account = "default";
    d.content.fields = {{"connection_name", std::string("office trunk-office")},
                        {"transport_protocol", std::string("TLS")},
                        {"active", true}};
    d.content.singletons[kInbound] = {{"ani_number_format", std::string("+E.164")},
                                      {"channel_limit", int64_t{4}}};
    d.content.singletons[kOutbound] = {
        {"fqdn_authentication_method", std::string("ip-authentication")},
        {"outbound_voice_profile_id", std::string("1911630617284445511")}};
    d.content.items[kFqdns] = {
        {"a", {{"fqdn", std::string("sbc1.example.com")}, {"dns_record_type", std::string("a")}, {"port", int64_t{5061}}}},
        {"b", {{"fqdn", std::string("sbc2.example.com")}, {"dns_record_type", std::string("srv")}}},
        {"c", {{"fqdn", std::string("sbc3.example.com")}, {"dns_record_type", std::string("a")}}}};
    d.content.attachments[kPhoneNumbers] = {"15550010001", "15550010002", "15550010003"};
    return d;
  }

  // Fails unless Telnyx holds `d`: the connection's fields, its FQDNs and its numbers.
  void ExpectRemoteEquals(const std::string& id, const DesiredTrunk& d) {
    json::object* c = telnyx_.Connection(id);
    ASSERT_NE(c, nullptr);
    for (const auto& [name, value] : d.content.fields) {
      EXPECT_EQ(json::serialize(c->at(name)),
                std::holds_alternative<std::string>(value)
                    ? json::serialize(json::value(std::get<std::string>(value)))
                    : (std::holds_alternative<bool>(value) ? (std::get<bool>(value) ? "true" : "false")
                                                           : std::to_string(std::get<int64_t>(value))))
          << name;
    }
    EXPECT_EQ(c->at("outbound").at("outbound_voice_profile_id"),
              json::value(std::get<std::string>(
                  d.content.singletons.at(kOutbound).at("outbound_voice_profile_id"))));
    std::vector<std::string> hosts, want_hosts;
    for (const json::object& f : telnyx_.fqdns) {
      if (json::serialize(f.at("connection_id")) == id) {
        hosts.push_back(std::string(f.at("fqdn").as_string()));
      }
    }
    for (const auto& [key, item] : d.content.items.at(kFqdns)) {
      want_hosts.push_back(std::get<std::string>(item.at("fqdn")));
    }
    std::sort(hosts.begin(), hosts.end());
    EXPECT_EQ(hosts, want_hosts);
    std::vector<std::string> routed;
    for (const json::object& n : telnyx_.numbers) {
      if (n.at("connection_id") == json::value(id)) {
        routed.push_back(std::string(n.at("phone_number").as_string()).substr(1));
      }
    }
    EXPECT_EQ(routed, d.content.attachments.at(kPhoneNumbers));
  }

  // Converges `d` from `seed`, then checks that a fresh read plans nothing.
  LoopResult Converge(const DesiredTrunk& d, const Observation& seed, int max_rounds) {
    LoopResult first = RunLoop(d, seed, telnyx_, max_rounds);
    EXPECT_FALSE(first.error) << first.error->message;
    EXPECT_TRUE(first.converged);
    LoopResult again = RunLoop(d, Seed(first.observation), telnyx_, 4);
    EXPECT_TRUE(again.converged);
    for (size_t i = telnyx_.requests.size() - again.requests; i < telnyx_.requests.size(); ++i) {
      EXPECT_EQ(telnyx_.requests[i].method, "GET") << telnyx_.requests[i].path;
    }
    return first;
  }

  FakeTelnyx telnyx_;
};

TEST_F(TelnyxConvergenceTest, ANewTrunkConvergesAndStaysConverged) {
  const DesiredTrunk d = Office();
  const LoopResult r = Converge(d, Observation{}, 6);
  // Create; FQDN creates and number lookups; attaches.
  EXPECT_LE(r.rounds, 3);
  ASSERT_EQ(telnyx_.connections.size(), 1u);
  ExpectRemoteEquals(r.observation.remote_id, d);
}

TEST_F(TelnyxConvergenceTest, ChangesToFieldsFqdnsAndNumbersConverge) {
  DesiredTrunk d = Office();
  const LoopResult made = Converge(d, Observation{}, 6);
  d.content.fields["transport_protocol"] = std::string("UDP");
  d.content.singletons[kInbound].erase("channel_limit");
  d.content.items[kFqdns].erase("b");
  d.content.items[kFqdns]["a"]["port"] = int64_t{5080};
  d.content.items[kFqdns]["d"] = {{"fqdn", std::string("sbc4.example.com")}};
  d.content.attachments[kPhoneNumbers] = {"15550010002"};
  const LoopResult changed = Converge(d, Seed(made.observation), 6);
  ExpectRemoteEquals(changed.observation.remote_id, d);
  EXPECT_TRUE(telnyx_.Connection(changed.observation.remote_id)
                  ->at("inbound").at("channel_limit").is_null());
}

TEST_F(TelnyxConvergenceTest, ALostCreateAnswerIsFoundInsteadOfCreatedTwice) {
  const DesiredTrunk d = Office();
  // Someone else's connection with a name that contains ours.
  telnyx_.MakeConnection(json::object{{"connection_name", "office trunk-office (old)"}});
  telnyx_.lose_create_answers = 1;
  const LoopResult lost = RunLoop(d, Observation{}, telnyx_, 8);
  ASSERT_TRUE(lost.error.has_value());
  EXPECT_TRUE(lost.error->retryable);
  EXPECT_EQ(telnyx_.connections.size(), 2u);
  Observation pending;  // what the host seeds after journaling the create as pending
  pending.create_pending = true;
  const LoopResult r = Converge(d, pending, 8);
  EXPECT_EQ(telnyx_.connections.size(), 2u);
  ExpectRemoteEquals(r.observation.remote_id, d);
}

TEST_F(TelnyxConvergenceTest, DriftIsUndoneAndARemovedConnectionIsMadeAgain) {
  const DesiredTrunk d = Office();
  const LoopResult made = Converge(d, Observation{}, 6);
  const std::string id = made.observation.remote_id;
  telnyx_.Connection(id)->at("inbound").as_object()["channel_limit"] = 99;
  telnyx_.fqdns.push_back(json::object{{"id", "1517907029795099999"},
                                       {"connection_id", std::stoll(id)},
                                       {"fqdn", "rogue.example.com"},
                                       {"port", nullptr},
                                       {"dns_record_type", "a"}});
  const LoopResult fixed = Converge(d, Seed(made.observation), 6);
  ExpectRemoteEquals(id, d);
  // Gone behind the registry's back (emptied first, as Telnyx requires).
  std::erase_if(telnyx_.fqdns, [&](const json::object& f) {
    return json::serialize(f.at("connection_id")) == id;
  });
  for (json::object& n : telnyx_.numbers) n["connection_id"] = nullptr;
  std::erase_if(telnyx_.connections, [&](const json::object& c) { return c.at("id") == json::value(id); });
  const LoopResult again = Converge(d, Seed(fixed.observation), 8);
  EXPECT_NE(again.observation.remote_id, id);
  ExpectRemoteEquals(again.observation.remote_id, d);
}

TEST_F(TelnyxConvergenceTest, ADeletedTrunkIsEmptiedThenDeleted) {
  DesiredTrunk d = Office();
  const LoopResult made = Converge(d, Observation{}, 6);
  d.deleted = true;
  const LoopResult gone = RunLoop(d, Seed(made.observation), telnyx_, 6);
  EXPECT_TRUE(gone.converged);
  EXPECT_FALSE(gone.error);
  EXPECT_TRUE(telnyx_.connections.empty());
  EXPECT_TRUE(telnyx_.fqdns.empty());
  for (const json::object& n : telnyx_.numbers) EXPECT_TRUE(n.at("connection_id").is_null());
}

TEST_F(TelnyxConvergenceTest, AnImportScanFindsEveryConnectionWithItsParts) {
  const DesiredTrunk d = Office();
  const LoopResult made = Converge(d, Observation{}, 6);
  telnyx_.MakeConnection(json::object{{"connection_name", "other"}});
  telnyx_.MakeConnection(json::object{{"connection_name", "third"}});
  const LoopResult scan = RunLoop(std::nullopt, Observation{}, telnyx_, 10);
  EXPECT_TRUE(scan.converged);
  ASSERT_EQ(scan.observation.found.size(), 3u);
  const Observation& office = scan.observation.found[0];
  EXPECT_EQ(office.remote_id, made.observation.remote_id);
  EXPECT_EQ(office.content.items.at(kFqdns).size(), 3u);
  EXPECT_EQ(office.content.attachments.at(kPhoneNumbers), d.content.attachments.at(kPhoneNumbers));
}

}  // namespace
}  // namespace trunkline::telnyx::testing
