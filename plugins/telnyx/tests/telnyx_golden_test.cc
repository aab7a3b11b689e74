// Golden tests of the Telnyx mapping: the exact requests planned (method, path, query,
// headers, body bytes) and the observations Telnyx's answers (data/) turn into, for every
// step: create, read, update, FQDN add/change/remove, number lookup/attach/detach, delete,
// the lookup after a lost create, paging, and the import scan.
#include <gtest/gtest.h>

#include "telnyx_test_util.h"

namespace trunkline::telnyx::testing {
namespace {

using plugin_sdk::FieldValue;

const std::string kId = "1293384261075731499";  // connection.json's id
const std::string kConnection = "/v2/fqdn_connections/" + kId;
const std::string kFqdn1 = "1517907029795014409";
const std::string kFqdn2 = "1517907029795014410";

// The registry's trunk that connection.json, fqdns_page*.json and numbers_on_connection.json
// describe.
DesiredTrunk Reference() {
  DesiredTrunk d;
  d.id = "trunk-7f3a";
  d.account = "default";
  d.content.fields = {{"connection_name", std::string("trunk-7f3a office")},
                      {"active", true},
                      {"transport_protocol", std::string("TCP")},
                      {"anchorsite_override", std::string("Amsterdam, Netherlands")},
                      {"dtmf_type", std::string("RFC 2833")},
                      {"default_on_hold_comfort_noise_enabled", true},
                      {"encode_contact_header_enabled", false},
                      {"onnet_t38_passthrough_enabled", false},
                      {"webhook_event_url", std::string("https://hooks.example.com/telnyx")},
                      {"webhook_api_version", std::string("2")}};
  d.content.singletons[kInbound] = {{"ani_number_format", std::string("+E.164")},
                                    {"dnis_number_format", std::string("+e164")},
                                    {"default_routing_method", std::string("sequential")},
                                    {"channel_limit", int64_t{10}},
                                    {"sip_region", std::string("Europe")},
                                    {"timeout_1xx_secs", int64_t{3}},
                                    {"timeout_2xx_secs", int64_t{90}},
                                    {"shaken_stir_enabled", false}};
  d.content.singletons[kOutbound] = {
      {"fqdn_authentication_method", std::string("ip-authentication")},
      {"outbound_voice_profile_id", std::string("1911630617284445511")},
      {"ani_override_type", std::string("always")},
      {"localization", std::string("NL")},
      {"t38_reinvite_source", std::string("customer")}};
  d.content.items[kFqdns] = {
      {"backup", {{"fqdn", std::string("sbc2.example.com")}, {"dns_record_type", std::string("srv")}}},
      {"main",
       {{"fqdn", std::string("sbc1.example.com")},
        {"dns_record_type", std::string("a")},
        {"port", int64_t{5061}}}}};
  d.content.attachments[kPhoneNumbers] = {"15550010001", "15550010002"};
  return d;
}

// The observation of a full read of the reference connection.
Observation ReadReference() {
  const DesiredTrunk d = Reference();
  Observation o;
  o.remote_id = kId;
  for (const Step& s : Plan(d, o)) {
    std::string answer = s.target == "trunk" ? "connection.json"
                         : s.target == kFqdns ? "fqdns_page1.json"
                                              : "numbers_on_connection.json";
    o = Absorbed(d, o, s, Answer(200, Data(answer)));
  }
  for (const Step& s : Plan(d, o)) o = Absorbed(d, o, s, Answer(200, Data("fqdns_page2.json")));
  return o;
}

TEST(TelnyxGoldenTest, CreatePostsEveryHeldFieldWithTheNestedObjects) {
  DesiredTrunk d = Reference();
  EXPECT_EQ(
      Plan(d, Observation{}),
      std::vector<Step>{Expected(
          StepKind::kCreate, "trunk", "POST", "/v2/fqdn_connections",
          R"({"connection_name":"trunk-7f3a office","active":true,"transport_protocol":"TCP",)"
          R"("anchorsite_override":"Amsterdam, Netherlands","dtmf_type":"RFC 2833",)"
          R"("default_on_hold_comfort_noise_enabled":true,"encode_contact_header_enabled":false,)"
          R"("onnet_t38_passthrough_enabled":false,)"
          R"("webhook_event_url":"https://hooks.example.com/telnyx","webhook_api_version":"2",)"
          R"("inbound":{"ani_number_format":"+E.164","dnis_number_format":"+e164",)"
          R"("default_routing_method":"sequential","channel_limit":10,"sip_region":"Europe",)"
          R"("timeout_1xx_secs":3,"timeout_2xx_secs":90,"shaken_stir_enabled":false},)"
          R"("outbound":{"fqdn_authentication_method":"ip-authentication",)"
          R"("outbound_voice_profile_id":"1911630617284445511","ani_override_type":"always",)"
          R"("localization":"NL","t38_reinvite_source":"customer"}})")});
  DesiredTrunk minimal;
  minimal.content.fields = {{"connection_name", std::string("x")}};
  EXPECT_EQ(Plan(minimal, Observation{}).at(0).request.body, R"({"connection_name":"x"})");
}

TEST(TelnyxGoldenTest, TheCreateAnswerCountsAsTheReadThenFqdnsAndNumbersFollow) {
  const DesiredTrunk d = Reference();
  Observation pending;
  pending.create_pending = true;
  const Observation o = Absorbed(d, pending, Plan(d, Observation{}).at(0),
                                 Answer(201, Data("connection.json")));
  EXPECT_EQ(o.remote_id, kId);
  EXPECT_FALSE(o.create_pending);
  EXPECT_TRUE(o.read && o.exists);
  EXPECT_EQ(o.content.fields, d.content.fields);
  EXPECT_EQ(o.content.singletons, d.content.singletons);
  EXPECT_EQ(o.read_only, (Fields{{"id", kId},
                                 {"record_type", std::string("fqdn_connection")},
                                 {"created_at", std::string("2026-03-02T10:15:27.521Z")},
                                 {"updated_at", std::string("2026-03-02T10:16:01.004Z")}}));
  EXPECT_EQ(
      Plan(d, o),
      (std::vector<Step>{
          Expected(StepKind::kCreate, "fqdns/backup", "POST", "/v2/fqdns",
                   R"({"connection_id":"1293384261075731499","fqdn":"sbc2.example.com",)"
                   R"("dns_record_type":"srv"})"),
          Expected(StepKind::kCreate, "fqdns/main", "POST", "/v2/fqdns",
                   R"({"connection_id":"1293384261075731499","fqdn":"sbc1.example.com",)"
                   R"("dns_record_type":"a","port":5061})"),
          Expected(StepKind::kRead, "phone_numbers/15550010001", "GET", "/v2/phone_numbers", "",
                   PageQuery({{"filter[phone_number]", "15550010001"}})),
          Expected(StepKind::kRead, "phone_numbers/15550010002", "GET", "/v2/phone_numbers", "",
                   PageQuery({{"filter[phone_number]", "15550010002"}}))}));
}

TEST(TelnyxGoldenTest, AReadListsTheConnectionItsFqdnsAndItsNumbersPageByPage) {
  const DesiredTrunk d = Reference();
  Observation seed;
  seed.remote_id = kId;
  EXPECT_EQ(Plan(d, seed),
            (std::vector<Step>{
                Expected(StepKind::kRead, "trunk", "GET", kConnection),
                Expected(StepKind::kRead, "fqdns", "GET", "/v2/fqdns", "",
                         PageQuery({{"filter[connection_id]", kId}})),
                Expected(StepKind::kRead, "phone_numbers", "GET", "/v2/phone_numbers", "",
                         PageQuery({{"filter[connection_id]", kId}}))}));
  Observation o = seed;
  for (const Step& s : Plan(d, seed)) {
    o = Absorbed(d, o, s,
                 Answer(200, Data(s.target == "trunk"    ? "connection.json"
                                  : s.target == kFqdns ? "fqdns_page1.json"
                                                       : "numbers_on_connection.json")));
  }
  EXPECT_FALSE(o.read);  // the FQDNs have a second page
  EXPECT_EQ(Plan(d, o), (std::vector<Step>{Expected(
                            StepKind::kRead, "fqdns", "GET", "/v2/fqdns", "",
                            PageQuery({{"filter[connection_id]", kId}}, 2))}));
  o = Absorbed(d, o, Plan(d, o).at(0), Answer(200, Data("fqdns_page2.json")));
  EXPECT_TRUE(o.read && o.exists);
  // Remote FQDNs no item maps to are adopted by the registry items they equal.
  EXPECT_EQ(o.content.items, d.content.items);
  EXPECT_EQ(o.item_ids.at(kFqdns),
            (std::map<std::string, std::string>{{"backup", kFqdn2}, {"main", kFqdn1}}));
  EXPECT_EQ(o.content.attachments, d.content.attachments);
  EXPECT_EQ(o.item_ids.at(kPhoneNumbers),
            (std::map<std::string, std::string>{{"15550010001", "2925081061861885519"},
                                                {"15550010002", "2925081061861885520"}}));
  EXPECT_TRUE(Plan(d, o).empty());
}

TEST(TelnyxGoldenTest, TheOpenApiNameOfTheAuthMethodReadsTheSame) {
  const DesiredTrunk d = Reference();
  Observation seed;
  seed.remote_id = kId;
  const Observation a = Absorbed(d, seed, Plan(d, seed).at(0), Answer(200, Data("connection.json")));
  const Observation b =
      Absorbed(d, seed, Plan(d, seed).at(0), Answer(200, Data("connection_spec_names.json")));
  EXPECT_EQ(a.content, b.content);
}

TEST(TelnyxGoldenTest, AnUpdatePatchesWhatDiffersAndClearsWhatTheRegistryDropped) {
  DesiredTrunk d = Reference();
  const Observation o = ReadReference();
  d.content.fields["transport_protocol"] = std::string("UDP");
  d.content.fields.erase("webhook_event_url");     // cleared: null
  d.content.fields.erase("anchorsite_override");   // back to Telnyx's default
  d.content.singletons[kInbound]["channel_limit"] = int64_t{20};
  d.content.singletons[kOutbound]["outbound_voice_profile_id"] = std::string("1911630617284445599");
  EXPECT_EQ(Plan(d, o),
            std::vector<Step>{Expected(
                StepKind::kUpdate, "trunk", "PATCH", kConnection,
                R"({"transport_protocol":"UDP","anchorsite_override":"Latency",)"
                R"("webhook_event_url":null,"inbound":{"channel_limit":20},)"
                R"("outbound":{"outbound_voice_profile_id":"1911630617284445599",)"
                R"("fqdn_authentication_method":"ip-authentication"}})")});
  // The PATCH answer is the connection as it now is.
  const Observation after = Absorbed(d, o, Plan(d, o).at(0), Answer(200, Data("connection.json")));
  EXPECT_EQ(after.content.fields.at("transport_protocol"), FieldValue(std::string("TCP")));
  EXPECT_TRUE(after.read);
}

TEST(TelnyxGoldenTest, FqdnsAreAddedChangedAndRemoved) {
  DesiredTrunk d = Reference();
  const Observation o = ReadReference();
  d.content.items[kFqdns].erase("backup");
  d.content.items[kFqdns]["main"]["port"] = int64_t{5080};
  d.content.items[kFqdns]["new"] = {{"fqdn", std::string("sbc3.example.com")},
                                    {"dns_record_type", std::string("a")}};
  const std::vector<Step> steps = Plan(d, o);
  EXPECT_EQ(steps,
            (std::vector<Step>{
                Expected(StepKind::kDelete, "fqdns/backup", "DELETE", "/v2/fqdns/" + kFqdn2),
                Expected(StepKind::kUpdate, "fqdns/main", "PATCH", "/v2/fqdns/" + kFqdn1,
                         R"({"port":5080})"),
                Expected(StepKind::kCreate, "fqdns/new", "POST", "/v2/fqdns",
                         R"({"connection_id":"1293384261075731499","fqdn":"sbc3.example.com",)"
                         R"("dns_record_type":"a"})")}));
  Observation next = Absorbed(d, o, steps[0], Answer(200, Data("fqdns_page2.json")));
  EXPECT_FALSE(next.content.items.at(kFqdns).count("backup"));
  EXPECT_FALSE(next.item_ids.at(kFqdns).count("backup"));
  next = Absorbed(d, next, steps[2], Answer(201, Data("fqdn_created.json")));
  EXPECT_EQ(next.item_ids.at(kFqdns).at("new"), "1517907029795014411");
  // The port Telnyx chose (5060) is its own: the item does not hold one.
  EXPECT_EQ(next.content.items.at(kFqdns).at("new"), d.content.items.at(kFqdns).at("new"));
}

TEST(TelnyxGoldenTest, ANumberIsLookedUpByItsDigitsThenAttachedByItsId) {
  DesiredTrunk d = Reference();
  const Observation o = ReadReference();
  d.content.attachments[kPhoneNumbers].push_back("15550010003");
  const Step lookup = Plan(d, o).at(0);
  EXPECT_EQ(lookup, Expected(StepKind::kRead, "phone_numbers/15550010003", "GET",
                             "/v2/phone_numbers", "",
                             PageQuery({{"filter[phone_number]", "15550010003"}})));
  // The filter is a substring match: +115550010003 is not the number.
  const Observation found = Absorbed(d, o, lookup, Answer(200, Data("number_lookup.json")));
  EXPECT_EQ(found.item_ids.at(kPhoneNumbers).at("15550010003"), "2925081061861885521");
  EXPECT_EQ(found.content.attachments, o.content.attachments);  // routed elsewhere so far
  const Step attach = Plan(d, found).at(0);
  EXPECT_EQ(attach, Expected(StepKind::kCreate, "phone_numbers/15550010003", "PATCH",
                             "/v2/phone_numbers/2925081061861885521",
                             R"({"connection_id":"1293384261075731499"})"));
  const Observation attached = Absorbed(d, found, attach, Answer(200, Data("number_attached.json")));
  EXPECT_EQ(attached.content.attachments, d.content.attachments);
  EXPECT_TRUE(Plan(d, attached).empty());
}

TEST(TelnyxGoldenTest, ANumberTheAccountLacksIsAFailedPrecondition) {
  DesiredTrunk d = Reference();
  const Observation o = ReadReference();
  d.content.attachments[kPhoneNumbers].push_back("15550019999");
  const Step lookup = Plan(d, o).at(0);
  // A first page without it, of two: the next page is asked for.
  const std::string page1 =
      R"({"data":[{"id":"2925081061861885599","phone_number":"+115550019999",)"
      R"("connection_id":null}],"meta":{"page_number":1,"total_pages":2}})";
  const Observation more = Absorbed(d, o, lookup, Answer(200, page1));
  EXPECT_EQ(Plan(d, more).at(0).request.query,
            PageQuery({{"filter[phone_number]", "15550019999"}}, 2));
  const auto result = Absorb(AbsorbInput{d, more, Plan(d, more).at(0),
                                         Answer(200, R"({"data":[],"meta":{"total_pages":2}})")});
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->code, 9);
  EXPECT_FALSE(result.error->retryable);
  EXPECT_EQ(result.error->field, "phone_numbers");
}

TEST(TelnyxGoldenTest, ANumberIsDetachedWithANullConnection) {
  DesiredTrunk d = Reference();
  const Observation o = ReadReference();
  d.content.attachments[kPhoneNumbers] = {"15550010002"};
  const Step detach = Plan(d, o).at(0);
  EXPECT_EQ(detach, Expected(StepKind::kDelete, "phone_numbers/15550010001", "PATCH",
                             "/v2/phone_numbers/2925081061861885519", R"({"connection_id":null})"));
  const Observation after = Absorbed(
      d, o, detach,
      Answer(200, R"({"data":{"id":"2925081061861885519","phone_number":"+15550010001",)"
                  R"("connection_id":null}})"));
  EXPECT_EQ(after.content.attachments.at(kPhoneNumbers), std::vector<std::string>{"15550010002"});
  EXPECT_TRUE(Plan(d, after).empty());
}

TEST(TelnyxGoldenTest, ADeleteEmptiesTheConnectionFirstThenDeletesIt) {
  DesiredTrunk d = Reference();
  d.deleted = true;
  Observation seed;
  seed.remote_id = kId;
  EXPECT_EQ(Plan(d, seed).size(), 3u);  // read first: what hangs under it
  Observation o = ReadReference();
  const std::vector<Step> empty = Plan(d, o);
  EXPECT_EQ(empty,
            (std::vector<Step>{
                Expected(StepKind::kDelete, "fqdns/backup", "DELETE", "/v2/fqdns/" + kFqdn2),
                Expected(StepKind::kDelete, "fqdns/main", "DELETE", "/v2/fqdns/" + kFqdn1),
                Expected(StepKind::kDelete, "phone_numbers/15550010001", "PATCH",
                         "/v2/phone_numbers/2925081061861885519", R"({"connection_id":null})"),
                Expected(StepKind::kDelete, "phone_numbers/15550010002", "PATCH",
                         "/v2/phone_numbers/2925081061861885520", R"({"connection_id":null})")}));
  for (const Step& s : empty) o = Absorbed(d, o, s, Answer(200, R"({"data":{}})"));
  EXPECT_EQ(Plan(d, o),
            std::vector<Step>{Expected(StepKind::kDelete, "trunk", "DELETE", kConnection)});
  o = Absorbed(d, o, Plan(d, o).at(0), Answer(200, Data("connection.json")));
  EXPECT_TRUE(o.remote_id.empty());
  EXPECT_TRUE(Plan(d, o).empty());
}

TEST(TelnyxGoldenTest, AConnectionGoneIsCreatedAgain) {
  const DesiredTrunk d = Reference();
  Observation seed;
  seed.remote_id = kId;
  const Observation o =
      Absorbed(d, seed, Plan(d, seed).at(0), Answer(404, Data("error_404.json")));
  EXPECT_TRUE(o.remote_id.empty());
  EXPECT_TRUE(o.read);
  EXPECT_FALSE(o.exists);
  EXPECT_EQ(Plan(d, o).at(0).kind, StepKind::kCreate);
}

TEST(TelnyxGoldenTest, AfterALostCreateTheConnectionIsLookedUpByNameAndFields) {
  const DesiredTrunk d = Reference();
  Observation pending;
  pending.create_pending = true;
  const Step first = Plan(d, pending).at(0);
  EXPECT_EQ(first, Expected(StepKind::kLookup, "trunks", "GET", "/v2/fqdn_connections", "",
                            PageQuery({{"filter[connection_name][contains]", "trunk-7f3a office"}})));
  // Page 1: a longer name (the filter is a substring match) and a different transport.
  Observation o = Absorbed(d, pending, first, Answer(200, Data("connections_page1.json")));
  EXPECT_TRUE(o.candidates.empty());
  EXPECT_FALSE(o.lookup_done);
  const Step second = Plan(d, o).at(0);
  EXPECT_EQ(second.request.query,
            PageQuery({{"filter[connection_name][contains]", "trunk-7f3a office"}}, 2));
  o = Absorbed(d, o, second, Answer(200, Data("connections_page2.json")));
  EXPECT_TRUE(o.lookup_done);
  EXPECT_EQ(o.candidates, std::vector<std::string>{"1293384261075731500"});
}

TEST(TelnyxGoldenTest, AnImportScanListsConnectionsThenTheirFqdnsAndNumbers) {
  Observation o;
  const Step list = Plan(std::nullopt, o).at(0);
  EXPECT_EQ(list, Expected(StepKind::kRead, "trunks", "GET", "/v2/fqdn_connections", "",
                           PageQuery({})));
  namespace json = boost::json;
  const json::value connection = json::parse(Data("connection.json")).as_object().at("data");
  const json::object listing{{"data", json::array{connection}},
                             {"meta", json::object{{"page_number", 1}, {"total_pages", 1}}}};
  o = Absorbed(std::nullopt, o, list, Answer(200, json::serialize(listing)));
  ASSERT_EQ(o.found.size(), 1u);
  EXPECT_EQ(o.found[0].remote_id, kId);
  // Every value kept on import, defaults included.
  EXPECT_EQ(o.found[0].content.fields.at("dtmf_type"), FieldValue(std::string("RFC 2833")));
  const std::vector<Step> parts = Plan(std::nullopt, o);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].target, "import/" + kId + "/fqdns");
  o = Absorbed(std::nullopt, o, parts[0], Answer(200, Data("fqdns_page1.json")));
  o = Absorbed(std::nullopt, o, parts[1], Answer(200, Data("numbers_on_connection.json")));
  EXPECT_FALSE(o.scan_done);
  const Step page2 = Plan(std::nullopt, o).at(0);
  EXPECT_EQ(page2, Expected(StepKind::kRead, "import/" + kId + "/fqdns", "GET", "/v2/fqdns", "",
                            PageQuery({{"filter[connection_id]", kId}}, 2)));
  o = Absorbed(std::nullopt, o, page2, Answer(200, Data("fqdns_page2.json")));
  EXPECT_TRUE(o.scan_done);
  EXPECT_EQ(o.found[0].item_ids.at(kFqdns).size(), 2u);
  EXPECT_EQ(o.found[0].content.items.at(kFqdns).at(kFqdn2),
            (Fields{{"fqdn", std::string("sbc2.example.com")},
                    {"dns_record_type", std::string("srv")}}));
  EXPECT_EQ(o.found[0].content.attachments.at(kPhoneNumbers),
            (std::vector<std::string>{"15550010001", "15550010002"}));
}

TEST(TelnyxGoldenTest, IdsThatAreNotTelnyxIdsNeverGoIntoAPath) {
  Observation o;
  o.remote_id = "12/../34";
  EXPECT_THROW(Plan(Reference(), o), std::invalid_argument);
  EXPECT_TRUE(IsTelnyxId("1293384261075731499"));
  EXPECT_FALSE(IsTelnyxId("12933842610757314990"));
  EXPECT_FALSE(IsNumber("0155500100"));
}

}  // namespace
}  // namespace trunkline::telnyx::testing
