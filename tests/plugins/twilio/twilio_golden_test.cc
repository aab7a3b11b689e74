// Golden tests of the Twilio mapping: the exact requests planned (method, path, query, headers,
// body bytes) and the observations Twilio's reference answers (data/) turn into.
#include <gtest/gtest.h>

#include "trunkline/plugin_sdk/form.h"
#include "twilio_test_util.h"

namespace trunkline::twilio::testing {
namespace {

using plugin_sdk::AbsorbInput;
using plugin_sdk::FieldValue;
using plugin_sdk::NameValues;

const std::string kTk = "TKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";  // the reference examples' sids
const std::string kOu = "OUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kCl = "CLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kAl = "ALaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kPn = "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

const NameValues kGetHeaders = {{"Accept", "application/json"}};
const NameValues kPostHeaders = {{"Accept", "application/json"},
                                 {"Content-Type", "application/x-www-form-urlencoded"}};

Step Expected(StepKind kind, std::string target, std::string method, std::string path,
              NameValues query = {}, std::string body = "") {
  Step s{kind, std::move(target), {std::move(method), std::move(path), std::move(query), {}, ""}};
  s.request.headers = s.request.method == "POST" ? kPostHeaders : kGetHeaders;
  s.request.body = std::move(body);
  return s;
}

const NameValues kFirstPage = {{"PageSize", "1000"}};

// The trunk of the reference examples, as the registry would hold it.
DesiredTrunk ReferenceTrunk() {
  DesiredTrunk d;
  d.id = "t1";
  d.content.fields = {{"friendly_name", std::string("friendly_name")},
                      {"domain_name", std::string("test.pstn.twilio.com")},
                      {"disaster_recovery_url", std::string("http://disaster-recovery.com")},
                      {"disaster_recovery_method", std::string("POST")}};
  return d;
}

// The trunk of the reference fetch example (its transfer_caller_id differs from the create's).
DesiredTrunk FetchedTrunk() {
  DesiredTrunk d = ReferenceTrunk();
  d.content.fields["transfer_caller_id"] = std::string("from-transferor");
  return d;
}

Observation Absorbed(const std::optional<DesiredTrunk>& d, const Observation& o, const Step& s,
                     const HttpResponse& r) {
  plugin_sdk::AbsorbResult result = Absorb(AbsorbInput{d, o, s, r});
  if (result.error) throw std::runtime_error("unexpected error: " + result.error->message);
  return *result.observation;
}

// An observation of the reference trunk, read, with the given content.
Observation ReadReference(const DesiredTrunk& d) {
  Observation o;
  o.remote_id = kTk;
  for (const Step& s : Plan(d, o)) {
    const std::string file = s.target == "trunk"              ? "fetch_trunk.json"
                             : s.target == kRecording         ? "fetch_recording.json"
                             : s.target == kOriginationUrls   ? "list_origination_url_full.json"
                             : s.target == "credential_lists" ? "list_credential_list_full.json"
                             : s.target == "ip_access_control_lists"
                                 ? "list_ip_access_control_list_full.json"
                                 : "list_phone_number_full.json";
    o = Absorbed(d, o, s, Answer(200, Data(file)));
  }
  return o;
}

TEST(TwilioGoldenTest, CreatePostsEverySetFieldFormEncoded) {
  FakeTwilio none(1);
  DesiredTrunk d = FullTrunk(none);
  EXPECT_EQ(Plan(d, Observation{}),
            std::vector<Step>{Expected(
                StepKind::kCreate, "trunk", "POST", "/v1/Trunks", {},
                "FriendlyName=Main%20office%3A%20PBX%20%26%20fax"
                "&DomainName=main-office.pstn.twilio.com"
                "&DisasterRecoveryUrl=https%3A%2F%2Ffallback.example.com%2Ftwiml%3Fa%3D1%26b%3D2"
                "&DisasterRecoveryMethod=GET&TransferMode=sip-only&Secure=true"
                "&CnamLookupEnabled=true&TransferCallerId=from-transferor")});
}

TEST(TwilioGoldenTest, CreateOfATrunkWithNoFieldsIsAnEmptyPost) {
  EXPECT_EQ(Plan(DesiredTrunk{}, Observation{}),
            std::vector<Step>{Expected(StepKind::kCreate, "trunk", "POST", "/v1/Trunks")});
}

TEST(TwilioGoldenTest, CreateAnswerBecomesAReadObservationWithReadOnlyFacts) {
  const DesiredTrunk d = ReferenceTrunk();
  Observation pending;
  pending.create_pending = true;
  pending.lookup_done = true;
  const Observation o =
      Absorbed(d, pending, Plan(d, pending).at(0), Answer(201, Data("create_trunk.json")));
  EXPECT_EQ(o.remote_id, kTk);
  EXPECT_TRUE(o.read && o.exists);
  EXPECT_FALSE(o.create_pending);
  EXPECT_EQ(o.content.fields, d.content.fields) << "defaults the registry does not hold: left out";
  EXPECT_TRUE(o.content.singletons.empty()) << "recording at Twilio's defaults";
  const std::string links =
      "{\"origination_urls\":\"https://trunking.twilio.com/v1/Trunks/" + kTk +
      "/OriginationUrls\",\"credential_lists\":\"https://trunking.twilio.com/v1/Trunks/" + kTk +
      "/CredentialLists\",\"ip_access_control_lists\":\"https://trunking.twilio.com/v1/Trunks/" +
      kTk + "/IpAccessControlLists\",\"phone_numbers\":\"https://trunking.twilio.com/v1/Trunks/" +
      kTk + "/PhoneNumbers\"}";
  EXPECT_EQ(
      o.read_only,
      (Fields{{"sid", kTk},
              {"account_sid", std::string("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")},
              {"auth_type", std::string("")},
              {"auth_type_set", std::string("[]")},
              {"symmetric_rtp_enabled", false},
              {"recording", std::string("{\"mode\":\"do-not-record\",\"trim\":\"do-not-trim\"}")},
              {"date_created", std::string("2015-01-02T11:23:45Z")},
              {"date_updated", std::string("2015-01-02T11:23:45Z")},
              {"url", "https://trunking.twilio.com/v1/Trunks/" + kTk},
              {"links", links}}));
  // Nothing hangs under a trunk just made: the writes follow at once, no read.
  DesiredTrunk more = d;
  more.content.attachments["credential_lists"] = {kCl};
  EXPECT_EQ(Plan(more, o),
            std::vector<Step>{Expected(StepKind::kCreate, "credential_lists/" + kCl, "POST",
                                       "/v1/Trunks/" + kTk + "/CredentialLists", {},
                                       "CredentialListSid=" + kCl)});
}

TEST(TwilioGoldenTest, ReadPlansTheTrunkAndEveryPart) {
  Observation o;
  o.remote_id = kTk;
  const std::string base = "/v1/Trunks/" + kTk;
  EXPECT_EQ(Plan(ReferenceTrunk(), o),
            (std::vector<Step>{Expected(StepKind::kRead, "trunk", "GET", base),
                               Expected(StepKind::kRead, "recording", "GET", base + "/Recording"),
                               Expected(StepKind::kRead, "origination_urls", "GET",
                                        base + "/OriginationUrls", kFirstPage),
                               Expected(StepKind::kRead, "credential_lists", "GET",
                                        base + "/CredentialLists", kFirstPage),
                               Expected(StepKind::kRead, "ip_access_control_lists", "GET",
                                        base + "/IpAccessControlLists", kFirstPage),
                               Expected(StepKind::kRead, "phone_numbers", "GET",
                                        base + "/PhoneNumbers", kFirstPage)}));
}

TEST(TwilioGoldenTest, ReferenceAnswersReadAsRegistryContent) {
  DesiredTrunk d = FetchedTrunk();
  d.content.items[kOriginationUrls]["main"] = {{"friendly_name", std::string("friendly_name")},
                                               {"sip_url", std::string("sip://sip-box.com:1234")},
                                               {"priority", int64_t{1}},
                                               {"weight", int64_t{1}},
                                               {"enabled", true}};
  const Observation o = ReadReference(d);
  EXPECT_TRUE(o.read && o.exists);
  EXPECT_EQ(o.content.fields, d.content.fields);
  EXPECT_TRUE(o.content.singletons.empty());
  EXPECT_EQ(o.content.items, d.content.items) << "an unmapped item adopted by its content";
  EXPECT_EQ(o.item_ids, (std::map<std::string, std::map<std::string, std::string>>{
                            {kOriginationUrls, {{"main", kOu}}}}));
  EXPECT_EQ(o.content.attachments,
            (std::map<std::string, std::vector<std::string>>{{"credential_lists", {kCl}},
                                                             {"ip_access_control_lists", {kAl}},
                                                             {"phone_numbers", {kPn}}}));
  // The registry holds none of them: remote-only item deleted, associations detached.
  const std::string base = "/v1/Trunks/" + kTk;
  EXPECT_EQ(Plan(FetchedTrunk(), ReadReference(FetchedTrunk())),
            (std::vector<Step>{Expected(StepKind::kDelete, "origination_urls/remote:" + kOu,
                                        "DELETE", base + "/OriginationUrls/" + kOu),
                               Expected(StepKind::kDelete, "credential_lists/" + kCl, "DELETE",
                                        base + "/CredentialLists/" + kCl),
                               Expected(StepKind::kDelete, "ip_access_control_lists/" + kAl,
                                        "DELETE", base + "/IpAccessControlLists/" + kAl),
                               Expected(StepKind::kDelete, "phone_numbers/" + kPn, "DELETE",
                                        base + "/PhoneNumbers/" + kPn)}));
}

TEST(TwilioGoldenTest, ListsFollowNextPageUrlRelativeToTheBase) {
  Observation o;
  o.remote_id = kTk;
  const DesiredTrunk d = ReferenceTrunk();
  const Step first = Plan(d, o).at(2);
  ASSERT_EQ(first.target, kOriginationUrls);
  // The reference page, with a next page as Twilio links it (absolute, on its own host).
  boost::json::value page = boost::json::parse(Data("list_origination_url_full.json"));
  page.at("meta").as_object()["next_page_url"] =
      "https://trunking.twilio.com/v1/Trunks/" + kTk +
      "/OriginationUrls?PageSize=1000&Page=1&PageToken=PA" + kOu;
  o = Absorbed(d, o, first, Answer(200, boost::json::serialize(page)));
  EXPECT_FALSE(o.read);
  EXPECT_EQ(o.progress.at("next:origination_urls"),
            "/v1/Trunks/" + kTk + "/OriginationUrls?PageSize=1000&Page=1&PageToken=PA" + kOu);
  const std::vector<Step> next = Plan(d, o);
  ASSERT_EQ(next.size(), 6u) << "the others are not read yet either";
  EXPECT_EQ(next[2], Expected(StepKind::kRead, kOriginationUrls, "GET",
                              "/v1/Trunks/" + kTk + "/OriginationUrls",
                              {{"PageSize", "1000"}, {"Page", "1"}, {"PageToken", "PA" + kOu}}));
  // The last page: the item of the first page is kept.
  o = Absorbed(d, o, next[2], Answer(200, Data("list_origination_url_empty.json")));
  EXPECT_EQ(o.content.items.at(kOriginationUrls).count("remote:" + kOu), 1u);
  EXPECT_EQ(o.progress.count("next:origination_urls"), 0u);
  EXPECT_EQ(o.progress.at("read:origination_urls"), "1");
}

TEST(TwilioGoldenTest, NextPageOutsideTheListIsRefused) {
  Observation o;
  o.remote_id = kTk;
  boost::json::value page = boost::json::parse(Data("list_credential_list_full.json"));
  page.at("meta").as_object()["next_page_url"] = "https://evil.example.com/v1/Accounts?x=1";
  const Step first = Plan(ReferenceTrunk(), o).at(3);
  auto r =
      Absorb(AbsorbInput{ReferenceTrunk(), o, first, Answer(200, boost::json::serialize(page))});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, 14);
}

TEST(TwilioGoldenTest, UpdateSendsOnlyChangedFieldsAndResetsRemovedOnes) {
  DesiredTrunk d = FetchedTrunk();
  Observation o = ReadReference(d);
  o.content.items.clear();
  o.content.attachments.clear();
  d.content.fields["friendly_name"] = std::string("renamed trunk");
  d.content.fields["secure"] = true;
  d.content.fields.erase("disaster_recovery_url");  // removed in the registry: cleared
  d.content.fields.erase("domain_name");            // Twilio cannot clear it: left alone
  EXPECT_EQ(Plan(d, o), std::vector<Step>{Expected(
                            StepKind::kUpdate, "trunk", "POST", "/v1/Trunks/" + kTk, {},
                            "FriendlyName=renamed%20trunk&DisasterRecoveryUrl=&Secure=true")});
  // Twilio's answer to it (the reference update example) is absorbed as the new content.
  const Observation after =
      Absorbed(d, o, Plan(d, o).at(0), Answer(200, Data("update_trunk.json")));
  EXPECT_EQ(after.remote_id, kTk);
  EXPECT_EQ(after.read_only.at("date_updated"), FieldValue(std::string("2015-01-02T11:23:45Z")));
}

TEST(TwilioGoldenTest, FieldsAtTwilioDefaultsThatTheRegistryDropsAreNotSent) {
  DesiredTrunk d;
  Observation o = ReadReference(d);  // disable-all, from-transferee, false, false, POST
  o.content.items.clear();
  o.content.attachments.clear();
  EXPECT_EQ(o.content.fields,
            (Fields{{"friendly_name", std::string("friendly_name")},
                    {"disaster_recovery_url", std::string("http://disaster-recovery.com")},
                    {"transfer_caller_id", std::string("from-transferor")}}));
  EXPECT_EQ(Plan(d, o), std::vector<Step>{Expected(
                            StepKind::kUpdate, "trunk", "POST", "/v1/Trunks/" + kTk, {},
                            "FriendlyName=&DisasterRecoveryUrl=&TransferCallerId=from-transferee")})
      << "domain_name is left as it is";
}

TEST(TwilioGoldenTest, SubResourceWritesInTheirOrder) {
  DesiredTrunk d = FetchedTrunk();
  d.content.singletons[kRecording] = {{"mode", std::string("record-from-answer")},
                                      {"trim", std::string("trim-silence")}};
  d.content.items[kOriginationUrls]["main"] = {{"friendly_name", std::string("friendly_name")},
                                               {"sip_url", std::string("sip://sip-box.com:1234")},
                                               {"priority", int64_t{1}},
                                               {"weight", int64_t{5}},
                                               {"enabled", true}};
  d.content.items[kOriginationUrls]["new"] = {{"friendly_name", std::string("pbx")},
                                              {"sip_url", std::string("sip:pbx.example.com:5060")},
                                              {"priority", int64_t{10}},
                                              {"weight", int64_t{10}},
                                              {"enabled", true}};
  const std::string cl2 = Sid("CL", 2), pn2 = Sid("PN", 2);
  d.content.attachments = {{"credential_lists", {kCl, cl2}}, {"phone_numbers", {pn2}}};
  const Observation o = ReadReference(d);
  const std::string base = "/v1/Trunks/" + kTk;
  EXPECT_EQ(
      Plan(d, o),
      (std::vector<Step>{
          Expected(StepKind::kUpdate, "recording", "POST", base + "/Recording", {},
                   "Mode=record-from-answer&Trim=trim-silence"),
          Expected(StepKind::kDelete, "origination_urls/remote:" + kOu, "DELETE",
                   base + "/OriginationUrls/" + kOu),
          Expected(StepKind::kCreate, "origination_urls/main", "POST", base + "/OriginationUrls",
                   {},
                   "FriendlyName=friendly_name&SipUrl=sip%3A%2F%2Fsip-box.com%3A1234"
                   "&Priority=1&Weight=5&Enabled=true"),
          Expected(StepKind::kCreate, "origination_urls/new", "POST", base + "/OriginationUrls", {},
                   "FriendlyName=pbx&SipUrl=sip%3Apbx.example.com%3A5060&Priority=10"
                   "&Weight=10&Enabled=true"),
          Expected(StepKind::kCreate, "credential_lists/" + cl2, "POST", base + "/CredentialLists",
                   {}, "CredentialListSid=" + cl2),
          Expected(StepKind::kDelete, "ip_access_control_lists/" + kAl, "DELETE",
                   base + "/IpAccessControlLists/" + kAl),
          Expected(StepKind::kDelete, "phone_numbers/" + kPn, "DELETE",
                   base + "/PhoneNumbers/" + kPn),
          Expected(StepKind::kCreate, "phone_numbers/" + pn2, "POST", base + "/PhoneNumbers", {},
                   "PhoneNumberSid=" + pn2)}))
      << "weight 5 differs from the remote's 1: not adopted, so created, the remote one deleted";
}

TEST(TwilioGoldenTest, MappedItemIsUpdatedWithOnlyItsChangedFields) {
  DesiredTrunk d = FetchedTrunk();
  d.content.items[kOriginationUrls]["main"] = {{"friendly_name", std::string("friendly_name")},
                                               {"sip_url", std::string("sip:pbx.example.com")},
                                               {"priority", int64_t{1}},
                                               {"weight", int64_t{5}},
                                               {"enabled", true}};
  Observation seed;
  seed.remote_id = kTk;
  seed.item_ids[kOriginationUrls]["main"] = kOu;
  seed.item_ids[kOriginationUrls]["gone"] = Sid("OU", 9);  // deleted at Twilio since
  Observation o = seed;
  for (const Step& s : Plan(d, seed)) {
    const std::string file = s.target == "trunk"            ? "fetch_trunk.json"
                             : s.target == kRecording       ? "fetch_recording.json"
                             : s.target == kOriginationUrls ? "list_origination_url_full.json"
                                                            : "list_origination_url_empty.json";
    if (s.target == "credential_lists" || s.target == "ip_access_control_lists" ||
        s.target == "phone_numbers") {
      boost::json::value empty = boost::json::parse("{\"meta\":{}}");
      empty.as_object()[s.target] = boost::json::array{};
      o = Absorbed(d, o, s, Answer(200, boost::json::serialize(empty)));
    } else {
      o = Absorbed(d, o, s, Answer(200, Data(file)));
    }
  }
  EXPECT_EQ(o.item_ids, (std::map<std::string, std::map<std::string, std::string>>{
                            {kOriginationUrls, {{"main", kOu}}}}))
      << "the stale mapping is dropped";
  const std::vector<Step> steps = Plan(d, o);
  ASSERT_EQ(steps, std::vector<Step>{Expected(StepKind::kUpdate, "origination_urls/main", "POST",
                                              "/v1/Trunks/" + kTk + "/OriginationUrls/" + kOu, {},
                                              "SipUrl=sip%3Apbx.example.com&Weight=5")});
  o = Absorbed(d, o, steps[0], Answer(200, Data("update_origination_url.json")));
  EXPECT_EQ(o.item_ids.at(kOriginationUrls).at("main"), kOu);
}

TEST(TwilioGoldenTest, WriteAnswersFromTheReferenceAreAbsorbed) {
  DesiredTrunk d = ReferenceTrunk();
  d.content.items[kOriginationUrls]["main"] = {{"friendly_name", std::string("friendly_name")},
                                               {"sip_url", std::string("sip://sip-box.com:1234")},
                                               {"priority", int64_t{1}},
                                               {"weight", int64_t{1}},
                                               {"enabled", true}};
  d.content.attachments = {
      {"credential_lists", {kCl}}, {"ip_access_control_lists", {kAl}}, {"phone_numbers", {kPn}}};
  d.content.singletons[kRecording] = {{"mode", std::string("do-not-record")},
                                      {"trim", std::string("do-not-trim")}};
  Observation o = Absorbed(d, Observation{}, Plan(d, Observation{}).at(0),
                           Answer(201, Data("create_trunk.json")));
  const std::vector<Step> steps = Plan(d, o);
  ASSERT_EQ(steps.size(), 4u) << "recording at its default already: not sent";
  const char* answers[] = {"create_origination_url.json", "create_credential_list.json",
                           "create_ip_access_control_list.json", "create_phone_number.json"};
  for (size_t i = 0; i < steps.size(); ++i) {
    o = Absorbed(d, o, steps[i], Answer(201, Data(answers[i])));
  }
  EXPECT_EQ(o.content, d.content);
  EXPECT_EQ(o.item_ids.at(kOriginationUrls).at("main"), kOu);
  EXPECT_TRUE(Plan(d, o).empty());
}

TEST(TwilioGoldenTest, DeleteAndAlreadyGone) {
  DesiredTrunk d = ReferenceTrunk();
  d.deleted = true;
  Observation o;
  o.remote_id = kTk;
  const std::vector<Step> steps = Plan(d, o);
  ASSERT_EQ(steps,
            std::vector<Step>{Expected(StepKind::kDelete, "trunk", "DELETE", "/v1/Trunks/" + kTk)});
  for (const HttpResponse& r :
       {Answer(204, ""),
        Answer(404, ErrorBody(20404, "The requested resource /Trunks/" + kTk + " was not found",
                              404))}) {
    const Observation after = Absorbed(d, o, steps[0], r);
    EXPECT_TRUE(after.remote_id.empty());
    EXPECT_FALSE(after.exists);
    EXPECT_TRUE(Plan(d, after).empty());
  }
}

TEST(TwilioGoldenTest, TrunkGoneAtTwilioReadsAsAbsentThenIsCreated) {
  const DesiredTrunk d = ReferenceTrunk();
  Observation o;
  o.remote_id = kTk;
  o.item_ids[kOriginationUrls]["main"] = kOu;
  const HttpResponse gone = Answer(
      404, ErrorBody(20404, "The requested resource /Trunks/" + kTk + " was not found", 404));
  for (const Step& s : Plan(d, o)) o = Absorbed(d, o, s, gone);
  EXPECT_TRUE(o.read);
  EXPECT_FALSE(o.exists);
  EXPECT_TRUE(o.remote_id.empty());
  EXPECT_TRUE(o.item_ids.empty());
  ASSERT_EQ(Plan(d, o).size(), 1u);
  EXPECT_EQ(Plan(d, o)[0].kind, StepKind::kCreate);
}

TEST(TwilioGoldenTest, LookupListsTrunksAndNamesTheMatches) {
  Observation o;
  o.create_pending = true;
  DesiredTrunk d = ReferenceTrunk();
  const std::vector<Step> steps = Plan(d, o);
  ASSERT_EQ(steps, std::vector<Step>{
                       Expected(StepKind::kLookup, "trunks", "GET", "/v1/Trunks", kFirstPage)});
  const HttpResponse listing = Answer(200, Data("list_trunk_full.json"));
  Observation found = Absorbed(d, o, steps[0], listing);
  EXPECT_TRUE(found.lookup_done);
  EXPECT_EQ(found.candidates, std::vector<std::string>{kTk});
  // The domain decides: another domain never matches, whatever else is equal.
  d.content.fields["domain_name"] = std::string("other.pstn.twilio.com");
  EXPECT_TRUE(Absorbed(d, o, steps[0], listing).candidates.empty());
  d.content.fields["domain_name"] = std::string("TEST.pstn.twilio.com");
  EXPECT_EQ(Absorbed(d, o, steps[0], listing).candidates.size(), 1u) << "domains ignore case";
  // Without a domain: every field set must match, the others sit at Twilio's defaults, and the
  // remote trunk must have no domain.
  d.content.fields.erase("domain_name");
  EXPECT_TRUE(Absorbed(d, o, steps[0], listing).candidates.empty()) << "it has a domain";
  boost::json::value page = boost::json::parse(Data("list_trunk_full.json"));
  page.at("trunks").as_array()[0].as_object()["domain_name"] = nullptr;
  const HttpResponse no_domain = Answer(200, boost::json::serialize(page));
  EXPECT_EQ(Absorbed(d, o, steps[0], no_domain).candidates.size(), 1u);
  d.content.fields["secure"] = true;
  EXPECT_TRUE(Absorbed(d, o, steps[0], no_domain).candidates.empty());
  d.content.fields["secure"] = false;
  EXPECT_EQ(Absorbed(d, o, steps[0], no_domain).candidates.size(), 1u);
  d.content.fields.erase("friendly_name");
  EXPECT_TRUE(Absorbed(d, o, steps[0], no_domain).candidates.empty())
      << "its friendly_name is one the desired trunk does not set";
}

TEST(TwilioGoldenTest, LookupPagesWithItsOwnCursor) {
  Observation o;
  o.create_pending = true;
  const DesiredTrunk d = ReferenceTrunk();
  boost::json::value page = boost::json::parse(Data("list_trunk_full.json"));
  page.at("meta").as_object()["next_page_url"] =
      "https://trunking.twilio.com/v1/Trunks?PageSize=1000&Page=1&PageToken=PA" + kTk;
  o = Absorbed(d, o, Plan(d, o).at(0), Answer(200, boost::json::serialize(page)));
  EXPECT_FALSE(o.lookup_done);
  EXPECT_EQ(o.candidates, std::vector<std::string>{kTk});
  const std::vector<Step> next = Plan(d, o);
  ASSERT_EQ(next, std::vector<Step>{
                      Expected(StepKind::kLookup, "trunks", "GET", "/v1/Trunks",
                               {{"PageSize", "1000"}, {"Page", "1"}, {"PageToken", "PA" + kTk}})});
  o = Absorbed(d, o, next[0], Answer(200, Data("list_trunk_empty.json")));
  EXPECT_TRUE(o.lookup_done);
  EXPECT_EQ(o.candidates, std::vector<std::string>{kTk});
}

TEST(TwilioGoldenTest, ImportScanListsThenReadsEachTrunksParts) {
  Observation o;
  std::vector<Step> steps = Plan(std::nullopt, o);
  ASSERT_EQ(steps, std::vector<Step>{
                       Expected(StepKind::kRead, "trunks", "GET", "/v1/Trunks", kFirstPage)});
  o = Absorbed(std::nullopt, o, steps[0], Answer(200, Data("list_trunk_full.json")));
  ASSERT_EQ(o.found.size(), 1u);
  EXPECT_FALSE(o.scan_done);
  const std::string base = "/v1/Trunks/" + kTk;
  const std::string at = "import/" + kTk + "/";
  steps = Plan(std::nullopt, o);
  ASSERT_EQ(steps, (std::vector<Step>{
                       Expected(StepKind::kRead, at + "recording", "GET", base + "/Recording"),
                       Expected(StepKind::kRead, at + "origination_urls", "GET",
                                base + "/OriginationUrls", kFirstPage),
                       Expected(StepKind::kRead, at + "credential_lists", "GET",
                                base + "/CredentialLists", kFirstPage),
                       Expected(StepKind::kRead, at + "ip_access_control_lists", "GET",
                                base + "/IpAccessControlLists", kFirstPage),
                       Expected(StepKind::kRead, at + "phone_numbers", "GET",
                                base + "/PhoneNumbers", kFirstPage)}));
  const char* answers[] = {"fetch_recording.json", "list_origination_url_full.json",
                           "list_credential_list_full.json",
                           "list_ip_access_control_list_full.json", "list_phone_number_full.json"};
  for (size_t i = 0; i < steps.size(); ++i) {
    o = Absorbed(std::nullopt, o, steps[i], Answer(200, Data(answers[i])));
  }
  EXPECT_TRUE(o.scan_done);
  EXPECT_TRUE(Plan(std::nullopt, o).empty());
  const Observation& t = o.found[0];
  EXPECT_TRUE(t.read && t.exists);
  EXPECT_EQ(t.remote_id, kTk);
  EXPECT_EQ(t.content.fields,
            (Fields{{"friendly_name", std::string("friendly_name")},
                    {"domain_name", std::string("test.pstn.twilio.com")},
                    {"disaster_recovery_url", std::string("http://disaster-recovery.com")},
                    {"disaster_recovery_method", std::string("POST")},
                    {"transfer_mode", std::string("disable-all")},
                    {"secure", false},
                    {"cnam_lookup_enabled", false},
                    {"transfer_caller_id", std::string("from-transferee")}}));
  EXPECT_EQ(t.content.singletons.at(kRecording),
            (Fields{{"mode", std::string("do-not-record")}, {"trim", std::string("do-not-trim")}}));
  EXPECT_EQ(t.content.items.at(kOriginationUrls).at(kOu),
            (Fields{{"friendly_name", std::string("friendly_name")},
                    {"sip_url", std::string("sip://sip-box.com:1234")},
                    {"priority", int64_t{1}},
                    {"weight", int64_t{1}},
                    {"enabled", true}}));
  EXPECT_EQ(t.item_ids.at(kOriginationUrls).at(kOu), kOu);
  EXPECT_EQ(t.content.attachments.at("phone_numbers"), std::vector<std::string>{kPn});
  EXPECT_EQ(t.read_only.at("sid"), FieldValue(kTk));
}

TEST(TwilioGoldenTest, EmptyAccountScanIsDoneAtOnce) {
  Observation o = Absorbed(std::nullopt, Observation{}, Plan(std::nullopt, Observation{}).at(0),
                           Answer(200, Data("list_trunk_empty.json")));
  EXPECT_TRUE(o.scan_done);
  EXPECT_TRUE(o.found.empty());
  EXPECT_TRUE(Plan(std::nullopt, o).empty());
}

TEST(TwilioGoldenTest, MalformedRemoteIdNeverReachesAPath) {
  Observation o;
  o.remote_id = "TK../../Accounts";
  EXPECT_THROW(Plan(ReferenceTrunk(), o), std::invalid_argument);
}

// The SDK's form encoding (form.h) is what Twilio's own client sends.
TEST(TwilioGoldenTest, FormEncodingAndQueryDecoding) {
  using plugin_sdk::FormEncode;
  using plugin_sdk::ParseQuery;
  EXPECT_EQ(FormEncode("My trunk"), "My%20trunk");
  EXPECT_EQ(FormEncode("sip:pbx.example.com:5060"), "sip%3Apbx.example.com%3A5060");
  EXPECT_EQ(FormEncode("a-b_c.d~e+f&g=h/é"), "a-b_c.d~e%2Bf%26g%3Dh%2F%C3%A9");
  EXPECT_EQ(ParseQuery("PageSize=50&Page=1&PageToken=PA%41b+c&flag"),
            (NameValues{{"PageSize", "50"}, {"Page", "1"}, {"PageToken", "PAAb c"}, {"flag", ""}}));
  EXPECT_TRUE(IsSid(kTk, "TK"));
  EXPECT_FALSE(IsSid(kTk, "OU"));
  EXPECT_FALSE(IsSid("TKaaaa", "TK"));
  EXPECT_FALSE(IsSid("TKgaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "TK"));
}

}  // namespace
}  // namespace trunkline::twilio::testing
