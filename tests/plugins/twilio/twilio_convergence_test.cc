// The adapter driven by the host's loop against an in-memory Twilio: a trunk with every field
// and sub-resource converges in a bounded number of rounds, and then plans nothing.
#include <gtest/gtest.h>

#include "twilio_test_util.h"

namespace trunkline::twilio::testing {
namespace {

namespace json = boost::json;

class TwilioConvergenceTest : public ::testing::Test {
 protected:
  TwilioConvergenceTest() : twilio_(2) {  // two items a page: every list pages
    for (unsigned i = 1; i <= 3; ++i) twilio_.known_sids.insert(Sid("PN", i));
    for (unsigned i = 1; i <= 2; ++i) twilio_.known_sids.insert(Sid("CL", i));
    for (unsigned i = 1; i <= 2; ++i) twilio_.known_sids.insert(Sid("AL", i));
    desired_ = FullTrunk(twilio_);
  }

  // Fails unless Twilio's trunk `sid` holds exactly what desired_ says.
  void ExpectRemoteEqualsDesired(const std::string& sid) {
    ASSERT_EQ(twilio_.trunks.count(sid), 1u);
    const FakeTwilio::Trunk& t = twilio_.trunks.at(sid);
    EXPECT_EQ(t.fields.at("friendly_name"), json::value("Main office: PBX & fax"));
    EXPECT_EQ(t.fields.at("domain_name"), json::value("main-office.pstn.twilio.com"));
    EXPECT_EQ(t.fields.at("disaster_recovery_url"),
              json::value("https://fallback.example.com/twiml?a=1&b=2"));
    EXPECT_EQ(t.fields.at("disaster_recovery_method"), json::value("GET"));
    EXPECT_EQ(t.fields.at("transfer_mode"), json::value("sip-only"));
    EXPECT_EQ(t.fields.at("secure"), json::value(true));
    EXPECT_EQ(t.fields.at("cnam_lookup_enabled"), json::value(true));
    EXPECT_EQ(t.fields.at("transfer_caller_id"), json::value("from-transferor"));
    EXPECT_EQ(t.mode, "record-from-answer-dual");
    EXPECT_EQ(t.trim, "trim-silence");
    EXPECT_EQ(t.origination_urls.size(), 3u);
    // Same fields, whatever the key order the two objects were built in.
    for (const auto& [ou, f] : t.origination_urls) {
      bool found = false;
      for (const auto& [item, w] : desired_.content.items.at(kOriginationUrls)) {
        found = found || (json::value_to<std::string>(f.at("sip_url")) ==
                              std::get<std::string>(w.at("sip_url")) &&
                          f.at("weight").as_int64() == std::get<int64_t>(w.at("weight")) &&
                          f.at("priority").as_int64() == std::get<int64_t>(w.at("priority")) &&
                          f.at("enabled").as_bool() == std::get<bool>(w.at("enabled")) &&
                          json::value_to<std::string>(f.at("friendly_name")) ==
                              std::get<std::string>(w.at("friendly_name")));
      }
      EXPECT_TRUE(found) << ou;
    }
    const auto ids = [&](const char* segment) {
      auto it = t.associations.find(segment);
      return it == t.associations.end()
                 ? std::vector<std::string>{}
                 : std::vector<std::string>(it->second.begin(), it->second.end());
    };
    EXPECT_EQ(ids("CredentialLists"), desired_.content.attachments.at("credential_lists"));
    EXPECT_EQ(ids("IpAccessControlLists"),
              desired_.content.attachments.at("ip_access_control_lists"));
    EXPECT_EQ(ids("PhoneNumbers"), desired_.content.attachments.at("phone_numbers"));
  }

  // Converges from `seed`, then checks a fresh read plans nothing.
  LoopResult ConvergeAndRecheck(const Observation& seed, int max_rounds) {
    LoopResult first = RunLoop(desired_, seed, twilio_, max_rounds);
    EXPECT_TRUE(first.converged) << "not converged in " << max_rounds << " rounds"
                                 << (first.error ? ": " + first.error->message : "");
    EXPECT_TRUE(first.observation.exists);
    EXPECT_EQ(first.observation.content, desired_.content);
    const size_t before = twilio_.requests.size();
    LoopResult again = RunLoop(desired_, Seed(first.observation), twilio_, 3);
    EXPECT_TRUE(again.converged);
    EXPECT_EQ(again.rounds, 2) << "a read (two pages a list), then nothing";
    for (size_t i = before; i < twilio_.requests.size(); ++i) {
      EXPECT_EQ(twilio_.requests[i].method, "GET") << twilio_.requests[i].path;
    }
    EXPECT_EQ(again.observation.content, desired_.content);
    EXPECT_EQ(again.observation.item_ids, first.observation.item_ids);
    return first;
  }

  FakeTwilio twilio_;
  DesiredTrunk desired_;
};

TEST_F(TwilioConvergenceTest, NewTrunkWithEverythingConvergesThenPlansNothing) {
  LoopResult r = ConvergeAndRecheck(Observation{}, 3);
  EXPECT_EQ(r.rounds, 2) << "the create, then every write at once";
  // 1 create + 1 recording + 3 origination URLs + 2 + 2 + 3 attachments.
  EXPECT_EQ(r.requests, 12u);
  ASSERT_EQ(twilio_.trunks.size(), 1u);
  ExpectRemoteEqualsDesired(r.observation.remote_id);
  EXPECT_EQ(r.observation.item_ids.at(kOriginationUrls).size(), 3u);
}

TEST_F(TwilioConvergenceTest, DriftedTrunkIsBroughtBack) {
  LoopResult made = RunLoop(desired_, Observation{}, twilio_, 3);
  ASSERT_TRUE(made.converged);
  const std::string sid = made.observation.remote_id;
  FakeTwilio::Trunk& t = twilio_.trunks.at(sid);
  // Someone changed it at Twilio: fields, recording, an item edited, one removed, one added,
  // an association removed and a foreign one added.
  t.fields["transfer_mode"] = "enable-all";
  t.fields["friendly_name"] = "renamed in the console";
  t.mode = "do-not-record";
  auto first_url = t.origination_urls.begin();
  first_url->second["weight"] = 99;
  t.origination_urls.erase(std::next(first_url));
  t.origination_urls[twilio_.NewSid("OU")] = {{"friendly_name", "stray"},
                                              {"sip_url", "sip:stray.example.com"},
                                              {"priority", 1},
                                              {"weight", 1},
                                              {"enabled", true}};
  t.associations["PhoneNumbers"].erase(Sid("PN", 2));
  twilio_.known_sids.insert(Sid("CL", 9));
  t.associations["CredentialLists"].insert(Sid("CL", 9));

  LoopResult r = ConvergeAndRecheck(Seed(made.observation), 4);
  EXPECT_EQ(r.rounds, 3) << "a read (two pages a list), then every write at once";
  EXPECT_EQ(r.observation.remote_id, sid);
  ExpectRemoteEqualsDesired(sid);
  EXPECT_EQ(twilio_.trunks.size(), 1u);
}

TEST_F(TwilioConvergenceTest, RegistryChangesReachTwilioIncludingRemovedFields) {
  LoopResult made = RunLoop(desired_, Observation{}, twilio_, 3);
  ASSERT_TRUE(made.converged);
  desired_.content.fields.erase("disaster_recovery_url");
  desired_.content.fields.erase("transfer_mode");
  desired_.content.fields.erase("secure");
  desired_.content.fields.erase("friendly_name");
  desired_.content.singletons.erase(kRecording);
  desired_.content.items[kOriginationUrls].erase("pbx-1");
  desired_.content.items[kOriginationUrls]["pbx-2"]["enabled"] = true;
  desired_.content.attachments["phone_numbers"] = {Sid("PN", 3)};
  LoopResult r = RunLoop(desired_, Seed(made.observation), twilio_, 4);
  ASSERT_TRUE(r.converged);
  const FakeTwilio::Trunk& t = twilio_.trunks.at(made.observation.remote_id);
  EXPECT_EQ(t.fields.at("disaster_recovery_url"), json::value(nullptr));
  EXPECT_EQ(t.fields.at("friendly_name"), json::value(""));
  EXPECT_EQ(t.fields.at("transfer_mode"), json::value("disable-all"));
  EXPECT_EQ(t.fields.at("secure"), json::value(false));
  EXPECT_EQ(t.fields.at("domain_name"), json::value("main-office.pstn.twilio.com"));
  EXPECT_EQ(t.mode, "do-not-record");
  EXPECT_EQ(t.trim, "do-not-trim");
  EXPECT_EQ(t.origination_urls.size(), 2u);
  EXPECT_EQ(t.associations.at("PhoneNumbers"), std::set<std::string>{Sid("PN", 3)});
  EXPECT_EQ(r.observation.content, desired_.content);
  LoopResult again = RunLoop(desired_, Seed(r.observation), twilio_, 3);
  EXPECT_TRUE(again.converged);
  EXPECT_EQ(again.rounds, 1) << "a read (every list fits a page now), then nothing";
}

TEST_F(TwilioConvergenceTest, LostCreateAnswerIsFoundByLookupNotCreatedTwice) {
  // The create reached Twilio, its answer did not.
  const std::vector<Step> steps = Plan(desired_, Observation{});
  ASSERT_EQ(steps.size(), 1u);
  twilio_.Handle(steps[0].request);
  // An unrelated trunk of the account, which the lookup must not take.
  {
    auto& other = twilio_.trunks[twilio_.NewSid("TK")].fields;
    other["friendly_name"] = "other";
    other["domain_name"] = "other.pstn.twilio.com";
  }
  {
    auto& fresh = twilio_.trunks[twilio_.NewSid("TK")].fields;
    fresh["friendly_name"] = "other 2";
  }
  ASSERT_EQ(twilio_.trunks.size(), 3u);
  Observation pending;
  pending.create_pending = true;
  LoopResult r = ConvergeAndRecheck(pending, 5);
  EXPECT_EQ(twilio_.trunks.size(), 3u) << "no second trunk made";
  ExpectRemoteEqualsDesired(r.observation.remote_id);
  EXPECT_EQ(twilio_.requests[1].path, "/v1/Trunks");
  EXPECT_EQ(twilio_.requests[1].method, "GET");
}

TEST_F(TwilioConvergenceTest, LostCreateOfTrunkWithoutDomainIsFoundByItsFields) {
  desired_.content.fields.erase("domain_name");
  const std::vector<Step> steps = Plan(desired_, Observation{});
  twilio_.Handle(steps[0].request);
  // Same name, but not at Twilio's defaults elsewhere: not the one the create made.
  {
    auto& other = twilio_.trunks[twilio_.NewSid("TK")].fields;
    other["friendly_name"] = "Main office: PBX & fax";
    other["transfer_mode"] = "enable-all";
  }
  Observation pending;
  pending.create_pending = true;
  LoopResult r = RunLoop(desired_, pending, twilio_, 5);
  ASSERT_TRUE(r.converged);
  EXPECT_EQ(twilio_.trunks.size(), 2u);
  EXPECT_EQ(r.observation.remote_id, twilio_.trunks.begin()->first) << "the one the create made";
}

TEST_F(TwilioConvergenceTest, DeletedTrunkIsRemovedAndStaysConverged) {
  LoopResult made = RunLoop(desired_, Observation{}, twilio_, 3);
  ASSERT_TRUE(made.converged);
  desired_.deleted = true;
  LoopResult r = RunLoop(desired_, Seed(made.observation), twilio_, 3);
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(r.rounds, 1);
  EXPECT_TRUE(twilio_.trunks.empty());
  EXPECT_TRUE(r.observation.remote_id.empty());
  // Deleted again (the host lost the outcome): 404 is "already gone".
  LoopResult again = RunLoop(desired_, Seed(made.observation), twilio_, 3);
  EXPECT_TRUE(again.converged);
  EXPECT_EQ(again.rounds, 1);
}

TEST_F(TwilioConvergenceTest, TrunkDeletedAtTwilioIsCreatedAgain) {
  LoopResult made = RunLoop(desired_, Observation{}, twilio_, 3);
  ASSERT_TRUE(made.converged);
  twilio_.trunks.clear();
  LoopResult r = ConvergeAndRecheck(Seed(made.observation), 4);
  EXPECT_NE(r.observation.remote_id, made.observation.remote_id);
  ExpectRemoteEqualsDesired(r.observation.remote_id);
}

TEST_F(TwilioConvergenceTest, ImportScanFindsEveryTrunkWithItsParts) {
  LoopResult made = RunLoop(desired_, Observation{}, twilio_, 3);
  ASSERT_TRUE(made.converged);
  {
    auto& fresh = twilio_.trunks[twilio_.NewSid("TK")].fields;
    fresh["friendly_name"] = "bare";
  }
  {
    auto& fresh = twilio_.trunks[twilio_.NewSid("TK")].fields;
    fresh["domain_name"] = "x.pstn.twilio.com";
  }
  LoopResult scan = RunLoop(std::nullopt, Observation{}, twilio_, 10);
  ASSERT_TRUE(scan.converged);
  EXPECT_TRUE(scan.observation.scan_done);
  ASSERT_EQ(scan.observation.found.size(), 3u);
  for (const Observation& f : scan.observation.found) {
    EXPECT_TRUE(f.read && f.exists);
    ASSERT_TRUE(twilio_.trunks.count(f.remote_id));
  }
  const Observation& full = scan.observation.found[0];
  ASSERT_EQ(full.remote_id, made.observation.remote_id);
  EXPECT_EQ(full.content.fields, desired_.content.fields);
  EXPECT_EQ(full.content.singletons, desired_.content.singletons);
  EXPECT_EQ(full.content.attachments, desired_.content.attachments);
  ASSERT_EQ(full.content.items.at(kOriginationUrls).size(), 3u);
  for (const auto& [key, fields] : full.content.items.at(kOriginationUrls)) {
    EXPECT_EQ(full.item_ids.at(kOriginationUrls).at(key), key) << "keyed by the remote sid";
    EXPECT_EQ(
        key,
        made.observation.item_ids.at(kOriginationUrls)
            .at(fields.at("friendly_name") == plugin_sdk::FieldValue(std::string("PBX 1")) ? "pbx-1"
                : fields.at("friendly_name") == plugin_sdk::FieldValue(std::string("PBX 2"))
                    ? "pbx-2"
                    : "pbx-3"));
  }
  // A bare trunk reads with Twilio's defaults, which import keeps.
  const Observation& bare = scan.observation.found[1];
  EXPECT_EQ(bare.content.fields.at("transfer_mode"),
            plugin_sdk::FieldValue(std::string("disable-all")));
  EXPECT_EQ(bare.content.singletons.at(kRecording).at("mode"),
            plugin_sdk::FieldValue(std::string("do-not-record")));
  // Reads only.
  for (const HttpRequest& req : twilio_.requests) {
    if (&req - twilio_.requests.data() >= static_cast<ptrdiff_t>(made.requests)) {
      EXPECT_EQ(req.method, "GET");
    }
  }
}

TEST_F(TwilioConvergenceTest, UnknownPhoneNumberStopsWithANonRetryableErrorNamingIt) {
  desired_.content.attachments["phone_numbers"].push_back(Sid("PN", 77));
  LoopResult made = RunLoop(desired_, Observation{}, twilio_, 3);
  ASSERT_TRUE(made.error.has_value());
  EXPECT_EQ(made.error->code, 9);
  EXPECT_FALSE(made.error->retryable);
  EXPECT_EQ(made.error->field, "phone_numbers");
  EXPECT_NE(made.error->message.find(Sid("PN", 77)), std::string::npos) << made.error->message;
}

}  // namespace
}  // namespace trunkline::twilio::testing
