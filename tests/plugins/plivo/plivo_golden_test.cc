// Golden tests of the Plivo mapping: the exact requests planned (method, path, query, headers,
// body bytes) and the observations Plivo's reference answers (data/) turn into.
#include <gtest/gtest.h>

#include "plivo_test_util.h"

namespace trunkline::plivo::testing {
namespace {

using plugin_sdk::AbsorbInput;
using plugin_sdk::FieldValue;
using plugin_sdk::NameValues;

// The reference examples' ids.
const std::string kOutboundId = "21784177241578";
const std::string kInboundId = "986908123123411213";
const std::string kAcl = "c4d5e6f7-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
const std::string kCredential = "d1e2f3a4-5b6c-4d7e-8f90-a1b2c3d4e5f6";
const std::string kPrimary = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
const std::string kFallback = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e";
const std::string kRouted = "14155550100";  // routed to kInboundId in fetch_number_routed.json
const std::string kOnApp = "14155550101";   // on an XML application in fetch_number_app.json
const std::string kUnknown = "14155550102";

const NameValues kGetHeaders = {{"Accept", "application/json"}};
const NameValues kPostHeaders = {{"Accept", "application/json"},
                                 {"Content-Type", "application/json"}};

Step Expected(StepKind kind, std::string target, std::string method, std::string path,
              std::string body = "", NameValues query = {}) {
  Step s{kind, std::move(target), {std::move(method), std::move(path), std::move(query), {}, ""}};
  s.request.headers = s.request.method == "POST" ? kPostHeaders : kGetHeaders;
  s.request.body = std::move(body);
  return s;
}

std::string Trunk(const std::string& id) {
  return "/v1/Account/{account_id}/Zentrunk/Trunk/" + id + "/";
}
std::string Number(const std::string& digits) {
  return "/v1/Account/{account_id}/Number/" + digits + "/";
}
const char kTrunks[] = "/v1/Account/{account_id}/Zentrunk/Trunk/";

// The trunks of the reference examples, as the registry would hold them.
DesiredTrunk OutboundReference() {
  DesiredTrunk d;
  d.id = "t-out";
  d.content.fields = {{"name", std::string("outbound-trunk")},
                      {"trunk_direction", std::string("outbound")},
                      {"trunk_status", std::string("enabled")},
                      {"secure", false},
                      {"ipacl_uuid", kAcl},
                      {"credential_uuid", kCredential}};
  return d;
}

DesiredTrunk InboundReference() {
  DesiredTrunk d;
  d.id = "t-in";
  d.content.fields = {
      {"name", std::string("inbound-trunk")},   {"trunk_direction", std::string("inbound")},
      {"trunk_status", std::string("enabled")}, {"secure", true},
      {"primary_uri_uuid", kPrimary},           {"fallback_uri_uuid", kFallback}};
  d.content.attachments[kPhoneNumbers] = {kRouted, kOnApp};
  return d;
}

Observation Absorbed(const std::optional<DesiredTrunk>& d, const Observation& o, const Step& s,
                     const HttpResponse& r) {
  plugin_sdk::AbsorbResult result = Absorb(AbsorbInput{d, o, s, r});
  if (result.error) throw std::runtime_error("unexpected error: " + result.error->message);
  return *result.observation;
}

// An observation of a trunk read, with the given content.
Observation ReadTrunk(const std::string& id, const plugin_sdk::TrunkContent& content) {
  Observation o;
  o.remote_id = id;
  o.read = o.exists = true;
  o.content = content;
  for (const std::string& digits : o.content.attachments[kPhoneNumbers]) {
    o.item_ids[kPhoneNumbers][digits] = digits;
  }
  if (o.content.attachments[kPhoneNumbers].empty()) o.content.attachments.clear();
  return o;
}

TEST(PlivoGoldenTest, CreatePostsEveryHeldFieldAsJsonInAFixedOrder) {
  const DesiredTrunk d = InboundReference();
  EXPECT_EQ(Plan(d, Observation{}),
            std::vector<Step>{Expected(
                StepKind::kCreate, "trunk", "POST", kTrunks,
                R"({"name":"inbound-trunk","trunk_direction":"inbound","trunk_status":"enabled",)"
                R"("secure":true,"primary_uri_uuid":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",)"
                R"("fallback_uri_uuid":"b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"})")});
  DesiredTrunk minimal;
  minimal.content.fields = {{"trunk_direction", std::string("outbound")},
                            {"credential_uuid", kCredential}};
  EXPECT_EQ(
      Plan(minimal, Observation{}),
      std::vector<Step>{Expected(StepKind::kCreate, "trunk", "POST", kTrunks,
                                 R"({"trunk_direction":"outbound",)"
                                 R"("credential_uuid":"d1e2f3a4-5b6c-4d7e-8f90-a1b2c3d4e5f6"})")});
}

TEST(PlivoGoldenTest, TheCreateAnswerIsFollowedByAFetchOfTheTrunk) {
  const DesiredTrunk d = InboundReference();
  const Step create = Plan(d, Observation{}).at(0);
  for (const char* answer : {"create_trunk.json", "create_trunk_documented.json"}) {
    SCOPED_TRACE(answer);
    Observation pending;
    pending.create_pending = true;
    pending.lookup_done = false;
    const Observation o = Absorbed(d, pending, create, Answer(201, Data(answer)));
    EXPECT_EQ(o.remote_id, kOutboundId);
    EXPECT_FALSE(o.create_pending);
    EXPECT_FALSE(o.read);
    EXPECT_EQ(o.read_only.at("trunk_id"), FieldValue(kOutboundId));
    // Nothing routes to a trunk just made: only the trunk itself is read, for trunk_domain.
    EXPECT_EQ(Plan(d, o),
              std::vector<Step>{Expected(StepKind::kRead, "trunk", "GET", Trunk(kOutboundId))});
  }
}

TEST(PlivoGoldenTest, AFetchIsReadBareOrWrappedInObject) {
  const DesiredTrunk out = OutboundReference();
  Observation seed;
  seed.remote_id = kOutboundId;
  const Step fetch_out = Plan(out, seed).at(0);
  EXPECT_EQ(fetch_out, Expected(StepKind::kRead, "trunk", "GET", Trunk(kOutboundId)));
  Observation o = Absorbed(out, seed, fetch_out, Answer(200, Data("fetch_trunk_outbound.json")));
  EXPECT_TRUE(o.read && o.exists);
  EXPECT_EQ(o.content.fields, out.content.fields);
  EXPECT_EQ(o.read_only, (plugin_sdk::Fields{{"trunk_id", kOutboundId},
                                             {"trunk_domain", kOutboundId + ".zt.plivo.com"}}));
  EXPECT_TRUE(Plan(out, o).empty());

  DesiredTrunk in = InboundReference();
  in.content.attachments.clear();
  seed.remote_id = kInboundId;
  const Step fetch_in = Plan(in, seed).at(0);
  o = Absorbed(in, seed, fetch_in, Answer(200, Data("fetch_trunk_inbound_wrapped.json")));
  EXPECT_TRUE(o.read && o.exists);
  EXPECT_EQ(o.content.fields, in.content.fields);
  EXPECT_EQ(o.read_only.at("trunk_domain"), FieldValue(kInboundId + ".zt.plivo.com"));
  EXPECT_TRUE(Plan(in, o).empty());
}

TEST(PlivoGoldenTest, FieldsTheRegistryLeavesOutReadAsAbsentWhenAtTheirUnsetValue) {
  DesiredTrunk bare;  // holds neither name, status, secure nor credential_uuid
  bare.content.fields = {{"trunk_direction", std::string("outbound")}, {"ipacl_uuid", kAcl}};
  Observation seed;
  seed.remote_id = kOutboundId;
  const Observation o =
      Absorbed(bare, seed, Plan(bare, seed).at(0), Answer(200, Data("fetch_trunk_outbound.json")));
  // trunk_status "enabled" and secure false are Plivo's defaults; the name and the credential
  // are something the registry does not hold.
  EXPECT_EQ(o.content.fields, (Fields{{"trunk_direction", std::string("outbound")},
                                      {"ipacl_uuid", kAcl},
                                      {"name", std::string("outbound-trunk")},
                                      {"credential_uuid", kCredential}}));
  EXPECT_EQ(Plan(bare, o),
            std::vector<Step>{Expected(StepKind::kUpdate, "trunk", "POST", Trunk(kOutboundId),
                                       R"({"name":"","trunk_direction":"outbound",)"
                                       R"("credential_uuid":null})")});
}

TEST(PlivoGoldenTest, AReadCoversTheTrunkAndEveryNumberItMayRoute) {
  const DesiredTrunk d = InboundReference();
  Observation seed;
  seed.remote_id = kInboundId;
  seed.item_ids[kPhoneNumbers] = {{kUnknown, kUnknown}};  // routed by an earlier sync
  const std::vector<Step> reads = Plan(d, seed);
  EXPECT_EQ(reads,
            (std::vector<Step>{
                Expected(StepKind::kRead, "trunk", "GET", Trunk(kInboundId)),
                Expected(StepKind::kRead, "phone_numbers/14155550100", "GET", Number(kRouted)),
                Expected(StepKind::kRead, "phone_numbers/14155550101", "GET", Number(kOnApp)),
                Expected(StepKind::kRead, "phone_numbers/14155550102", "GET", Number(kUnknown)),
            }));
  Observation o =
      Absorbed(d, seed, reads[0], Answer(200, Data("fetch_trunk_inbound_wrapped.json")));
  o = Absorbed(d, o, reads[1], Answer(200, Data("fetch_number_routed.json")));
  o = Absorbed(d, o, reads[2], Answer(200, Data("fetch_number_app.json")));
  EXPECT_FALSE(o.read);
  o = Absorbed(d, o, reads[3], Answer(404, ErrorBody("number 14155550102 not found")));
  EXPECT_TRUE(o.read && o.exists);
  EXPECT_EQ(o.content.attachments.at(kPhoneNumbers), std::vector<std::string>{kRouted});
  EXPECT_EQ(o.item_ids.at(kPhoneNumbers), (std::map<std::string, std::string>{{kRouted, kRouted}}));
  // The number on an application is routed here.
  EXPECT_EQ(Plan(d, o),
            std::vector<Step>{Expected(StepKind::kCreate, "phone_numbers/14155550101", "POST",
                                       Number(kOnApp), R"({"app_id":"986908123123411213"})")});
}

TEST(PlivoGoldenTest, ATrunkReadAs404DoesNotExistAndIsCreated) {
  const DesiredTrunk d = OutboundReference();
  Observation seed;
  seed.remote_id = kOutboundId;
  const Observation o = Absorbed(d, seed, Plan(d, seed).at(0),
                                 Answer(404, ErrorBody("trunk 21784177241578 not found")));
  EXPECT_TRUE(o.read);
  EXPECT_FALSE(o.exists);
  EXPECT_TRUE(o.remote_id.empty());
  EXPECT_EQ(Plan(d, o).at(0).kind, StepKind::kCreate);
}

TEST(PlivoGoldenTest, AnUpdateRestatesTheDirectionSendsOnlyChangesAndIsReadBack) {
  const DesiredTrunk current = OutboundReference();
  DesiredTrunk d = current;
  d.content.fields["name"] = std::string("dialer \"eu\"");
  d.content.fields["secure"] = true;
  d.content.fields.erase("credential_uuid");
  d.content.fields.erase("trunk_status");  // back to Plivo's default
  plugin_sdk::TrunkContent remote = current.content;
  remote.fields["trunk_status"] = std::string("disabled");
  const Observation o = ReadTrunk(kOutboundId, remote);
  const std::vector<Step> steps = Plan(d, o);
  ASSERT_EQ(steps, std::vector<Step>{Expected(
                       StepKind::kUpdate, "trunk", "POST", Trunk(kOutboundId),
                       R"({"name":"dialer \"eu\"","trunk_direction":"outbound",)"
                       R"("trunk_status":"enabled","secure":true,"credential_uuid":null})")});
  const Observation after = Absorbed(d, o, steps[0], Answer(202, Data("update_trunk.json")));
  EXPECT_FALSE(after.read);  // the answer holds only the id
  EXPECT_EQ(Plan(d, after),
            std::vector<Step>{Expected(StepKind::kRead, "trunk", "GET", Trunk(kOutboundId))});

  // A change of direction alone is sent too.
  DesiredTrunk turned = current;
  turned.content.fields = {{"trunk_direction", std::string("inbound")},
                           {"name", std::string("outbound-trunk")},
                           {"trunk_status", std::string("enabled")},
                           {"secure", false},
                           {"primary_uri_uuid", kPrimary}};
  EXPECT_EQ(Plan(turned, ReadTrunk(kOutboundId, current.content)),
            std::vector<Step>{
                Expected(StepKind::kUpdate, "trunk", "POST", Trunk(kOutboundId),
                         R"({"trunk_direction":"inbound","ipacl_uuid":null,"credential_uuid":null,)"
                         R"("primary_uri_uuid":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"})")});
}

TEST(PlivoGoldenTest, NumbersAreUnroutedThenRoutedInOrder) {
  DesiredTrunk d = InboundReference();
  d.content.attachments[kPhoneNumbers] = {"14155550100", "14155550105", "14155550103"};
  plugin_sdk::TrunkContent remote = d.content;
  remote.attachments[kPhoneNumbers] = {"14155550100", "14155550104", "14155550106"};
  const Observation o = ReadTrunk(kInboundId, remote);
  const std::vector<Step> steps = Plan(d, o);
  const std::string app = R"({"app_id":"986908123123411213"})";
  ASSERT_EQ(steps, (std::vector<Step>{
                       Expected(StepKind::kDelete, "phone_numbers/14155550104", "POST",
                                Number("14155550104"), "{}"),
                       Expected(StepKind::kDelete, "phone_numbers/14155550106", "POST",
                                Number("14155550106"), "{}"),
                       Expected(StepKind::kCreate, "phone_numbers/14155550103", "POST",
                                Number("14155550103"), app),
                       Expected(StepKind::kCreate, "phone_numbers/14155550105", "POST",
                                Number("14155550105"), app),
                   }));
  Observation after = o;
  for (const Step& s : steps)
    after = Absorbed(d, after, s, Answer(202, Data("update_number.json")));
  EXPECT_EQ(after.content.attachments.at(kPhoneNumbers),
            (std::vector<std::string>{"14155550100", "14155550103", "14155550105"}));
  EXPECT_EQ(after.item_ids.at(kPhoneNumbers).size(), 3u);
  EXPECT_TRUE(Plan(d, after).empty());
}

TEST(PlivoGoldenTest, ADeleteUnroutesTheNumbersFirst) {
  DesiredTrunk d = InboundReference();
  d.deleted = true;
  const Observation o = ReadTrunk(kInboundId, d.content);
  const std::vector<Step> unroutes = Plan(d, o);
  ASSERT_EQ(
      unroutes,
      (std::vector<Step>{
          Expected(StepKind::kDelete, "phone_numbers/14155550100", "POST", Number(kRouted), "{}"),
          Expected(StepKind::kDelete, "phone_numbers/14155550101", "POST", Number(kOnApp), "{}"),
      }));
  Observation after = o;
  for (const Step& s : unroutes) {
    after = Absorbed(d, after, s, Answer(202, Data("update_number.json")));
  }
  const std::vector<Step> remove = Plan(d, after);
  ASSERT_EQ(remove,
            std::vector<Step>{Expected(StepKind::kDelete, "trunk", "DELETE", Trunk(kInboundId))});
  after = Absorbed(d, after, remove[0], HttpResponse{204, {}, ""});
  EXPECT_FALSE(after.exists);
  EXPECT_TRUE(after.remote_id.empty());
  EXPECT_TRUE(Plan(d, after).empty());
}

TEST(PlivoGoldenTest, ALookupListsEveryPageAndNamesTheMatchingTrunks) {
  const DesiredTrunk d = OutboundReference();
  Observation o;
  o.create_pending = true;
  const std::vector<Step> first = Plan(d, o);
  ASSERT_EQ(first, std::vector<Step>{Expected(StepKind::kLookup, "trunks", "GET", kTrunks, "",
                                              {{"limit", "20"}, {"offset", "0"}})});
  o = Absorbed(d, o, first[0], Answer(200, Data("list_trunks_first_page.json")));
  EXPECT_EQ(o.candidates, std::vector<std::string>{kOutboundId});
  EXPECT_FALSE(o.lookup_done);
  const std::vector<Step> second = Plan(d, o);
  ASSERT_EQ(second, std::vector<Step>{Expected(StepKind::kLookup, "trunks", "GET", kTrunks, "",
                                               {{"limit", "20"}, {"offset", "20"}})});
  o = Absorbed(d, o, second[0], Answer(200, Data("list_trunks_last_page.json")));
  // 17248282830499840 differs in status and credential: not a candidate.
  EXPECT_EQ(o.candidates, std::vector<std::string>{kOutboundId});
  EXPECT_TRUE(o.lookup_done);
  EXPECT_EQ(o.progress.count("lookup:offset"), 0u);

  // Only what the desired trunk sets is compared: without the credential and status, the
  // last page's trunk matches too; with another name, neither.
  DesiredTrunk loose;
  loose.content.fields = {{"name", std::string("outbound-trunk")},
                          {"trunk_direction", std::string("outbound")},
                          {"ipacl_uuid", kAcl}};
  Observation l;
  l.create_pending = true;
  l = Absorbed(loose, l, first[0], Answer(200, Data("list_trunks_first_page.json")));
  l = Absorbed(loose, l, second[0], Answer(200, Data("list_trunks_last_page.json")));
  EXPECT_EQ(l.candidates, (std::vector<std::string>{kOutboundId, "17248282830499840"}));
  loose.content.fields["name"] = std::string("outbound-trunk-2");
  l = Observation{};
  l.create_pending = true;
  l = Absorbed(loose, l, first[0], Answer(200, Data("list_trunks_first_page.json")));
  EXPECT_TRUE(l.candidates.empty());
}

TEST(PlivoGoldenTest, AnImportScanListsEveryTrunkKeyedByItsId) {
  Observation o;
  const std::vector<Step> first = Plan(std::nullopt, o);
  ASSERT_EQ(first, std::vector<Step>{Expected(StepKind::kRead, "trunks", "GET", kTrunks, "",
                                              {{"limit", "20"}, {"offset", "0"}})});
  o = Absorbed(std::nullopt, o, first[0], Answer(200, Data("list_trunks_first_page.json")));
  EXPECT_EQ(o.found.size(), 20u);
  EXPECT_FALSE(o.scan_done);
  const std::vector<Step> second = Plan(std::nullopt, o);
  ASSERT_EQ(second, std::vector<Step>{Expected(StepKind::kRead, "trunks", "GET", kTrunks, "",
                                               {{"limit", "20"}, {"offset", "20"}})});
  o = Absorbed(std::nullopt, o, second[0], Answer(200, Data("list_trunks_last_page.json")));
  ASSERT_EQ(o.found.size(), 21u);
  EXPECT_TRUE(o.scan_done);
  EXPECT_TRUE(Plan(std::nullopt, o).empty());

  const Observation& out = o.found[0];
  EXPECT_EQ(out.remote_id, kOutboundId);
  EXPECT_TRUE(out.read && out.exists);
  EXPECT_EQ(out.content.fields, OutboundReference().content.fields);  // defaults included
  const Observation& last = o.found[20];
  EXPECT_EQ(last.remote_id, "17248282830499840");
  EXPECT_EQ(last.content.fields, (Fields{{"name", std::string("outbound-trunk")},
                                         {"trunk_direction", std::string("outbound")},
                                         {"trunk_status", std::string("disabled")},
                                         {"secure", false},
                                         {"ipacl_uuid", kAcl}}));
  EXPECT_EQ(last.read_only.at("trunk_domain"), FieldValue("17248282830499840.zt.plivo.com"));
}

TEST(PlivoGoldenTest, ARemoteIdThatCannotBeAPathSegmentIsRefused) {
  Observation o;
  o.remote_id = "../Credential";
  EXPECT_THROW(Plan(OutboundReference(), o), std::invalid_argument);
}

}  // namespace
}  // namespace trunkline::plivo::testing
