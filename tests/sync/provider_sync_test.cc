// The sync worker with the real Twilio and Plivo plugins (loaded through the host) against the
// project's emulator over HTTP on 127.0.0.1: trunks with every field and sub-resource reach
// the provider and match the registry field by field, through each kind of fault, with no
// duplicate remote trunk; drift made through the provider's API is found and corrected; trunks
// made directly at the provider are imported.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "emulator.h"
#include "paired_ids.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "trunkline/base/base64.h"
#include "trunkline/registry/registry.h"
#include "trunkline/sync/http_transport.h"
#include "trunkline/sync/sync_worker.h"

namespace trunkline::sync {
namespace {

namespace json = boost::json;
using testing::TempDir;

constexpr char kTwilioSid[] = "AC00000000000000000000000000000001";
constexpr char kTwilioToken[] = "twilio-token-e2e-5d1c";
constexpr char kPlivoAuthId[] = "MAE2ETEST000000000001";
constexpr char kPlivoToken[] = "plivo-token-e2e-93ab";

constexpr auto& Basic = BasicAuthorization;

std::string Hex32(uint64_t n) {
  char hex[33];
  std::snprintf(hex, sizeof hex, "%032llx", static_cast<unsigned long long>(n));
  return hex;
}

// A JSON value as the registry's text form: true/false, digits, or the string.
std::optional<std::string> TextOf(const json::value* v) {
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_bool()) return v->as_bool() ? "true" : "false";
  if (v->is_int64()) return std::to_string(v->as_int64());
  if (v->is_uint64()) return std::to_string(v->as_uint64());
  if (v->is_string()) return std::string(v->as_string());
  return json::serialize(*v);
}

class ProviderSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(plugins_.path());
    for (const char* plugin : {TRUNKLINE_TWILIO_PLUGIN, TRUNKLINE_PLIVO_PLUGIN}) {
      std::filesystem::copy_file(
          plugin, plugins_.path() + "/" + std::filesystem::path(plugin).filename().string());
    }
    registry::RegistryOptions options;
    options.data_dir = data_.path();
    options.plugin_dir = plugins_.path();
    auto opened = registry::Registry::Open(options);
    ASSERT_OK(opened);
    registry_ = std::move(*opened);
  }

  void StartEmulator(const std::string& faults, bool plivo_quirks = true) {
    emulator::EmulatorOptions options;
    options.twilio.accounts = {{kTwilioSid, kTwilioToken}};
    options.plivo.accounts = {{kPlivoAuthId, kPlivoToken}};
    options.plivo.quirks = plivo_quirks;
    auto spec = emulator::ParseFaults(faults);
    ASSERT_OK(spec);
    options.faults = *spec;
    auto started = emulator::Emulator::Start(options);
    ASSERT_OK(started);
    emulator_ = std::move(*started);
  }

  std::string TwilioBase() const {
    return "http://127.0.0.1:" + std::to_string(emulator_->twilio_port());
  }
  std::string PlivoBase() const {
    return "http://127.0.0.1:" + std::to_string(emulator_->plivo_port());
  }

  SyncOptions Options() {
    SyncOptions options;
    options.concurrency = 16;
    options.backoff_initial = std::chrono::milliseconds(20);
    options.backoff_max = std::chrono::milliseconds(200);
    options.max_attempts = 30;
    return options;
  }

  SyncWorker Worker(SyncOptions options) {
    const std::string twilio = TwilioBase();
    const std::string plivo = PlivoBase();
    return SyncWorker(
        *registry_, *transport_,
        [=](const std::string& provider, const std::string&) -> Result<AccountAccess> {
          if (provider == "twilio") {
            return AccountAccess{twilio, kTwilioSid, Basic(kTwilioSid, kTwilioToken), 0, 1, 8};
          }
          return AccountAccess{plivo, kPlivoAuthId, Basic(kPlivoAuthId, kPlivoToken), 0, 1, 8};
        },
        options);
  }

  registry::CommandMeta Meta() {
    registry::CommandMeta meta;
    meta.actor = "e2e";
    meta.reason = "test";
    meta.command_id = "e2e-" + std::to_string(++commands_);
    return meta;
  }
  void Execute(const std::string& id, const domain::Command& command) {
    ASSERT_OK(registry_->Execute(id, command, Meta()));
  }

  // A Twilio trunk with every field and every sub-resource set; `id` is tw<i> by default.
  void CreateTwilioTrunk(int i, std::string id = "") {
    if (id.empty()) id = "tw" + std::to_string(i);
    const std::string n = std::to_string(i);
    domain::CreateTrunk create{"twilio", "default", {}};
    create.fields.set = {{"friendly_name", "trunk " + n},
                         {"domain_name", "e2e-" + n + ".pstn.twilio.com"},
                         {"disaster_recovery_url", "https://dr.example.com/" + n},
                         {"disaster_recovery_method", i % 2 ? "GET" : "POST"},
                         {"transfer_mode", "enable-all"},
                         {"secure", i % 2 ? "true" : "false"},
                         {"cnam_lookup_enabled", "true"},
                         {"transfer_caller_id", "from-transferor"}};
    Execute(id, create);
    for (const char* item : {"main", "backup"}) {
      domain::AddItem url{"origination_urls", item, {}};
      url.fields.set = {{"friendly_name", std::string(item) + " " + n},
                        {"sip_url", "sip:" + std::string(item) + n + ".example.com"},
                        {"priority", item == std::string("main") ? "10" : "20"},
                        {"weight", "5"},
                        {"enabled", "true"}};
      Execute(id, url);
    }
    domain::UpdateSingleton recording{"recording", {}};
    recording.fields.set = {{"mode", "record-from-answer"}, {"trim", "trim-silence"}};
    Execute(id, recording);
    Execute(id, domain::Attach{"credential_lists", "CL" + Hex32(1000 + i)});
    Execute(id, domain::Attach{"ip_access_control_lists", "AL" + Hex32(2000 + i)});
    Execute(id, domain::Attach{"phone_numbers", "PN" + Hex32(3000 + i)});
  }

  json::object Dump() {
    http::Client client(http::ClientOptions{"127.0.0.1", emulator_->twilio_port()});
    auto answer = client.Send(http::Request{"GET", "/__emulator/state", {}, ""});
    EXPECT_OK(answer);
    return json::parse(answer->body).as_object();
  }

  // Every remote Twilio trunk, by sid.
  std::map<std::string, json::object> TwilioRemote() {
    std::map<std::string, json::object> out;
    json::object dump = Dump();
    const json::value* accounts = dump["twilio"].as_object().if_contains("trunks_by_account");
    if (accounts == nullptr) return out;
    const json::value* trunks = accounts->as_object().if_contains(kTwilioSid);
    if (trunks == nullptr) return out;
    for (const json::value& t : trunks->as_array()) {
      out[std::string(t.as_object().at("sid").as_string())] = t.as_object();
    }
    return out;
  }

  // The registry's live Twilio trunks equal the provider's, field by field, and the provider
  // holds no other trunk.
  void ExpectTwilioMatchesRegistry() {
    SyncLedger ledger;
    ASSERT_OK(ledger.CatchUp(registry_->journal()));
    auto remote = TwilioRemote();
    auto trunks = registry_->List("twilio");
    ASSERT_OK(trunks);
    std::set<std::string> held;
    for (const domain::TrunkState& t : *trunks) {
      const TrunkSyncStatus* s = ledger.Find(t.id);
      ASSERT_NE(s, nullptr);
      ASSERT_EQ(s->state(), SyncState::kSynced)
          << t.id << " is " << SyncStateName(s->state()) << " after " << s->attempts
          << " attempts; last error: " << (s->last_error ? s->last_error->message : "none") << " "
          << (s->last_error ? s->last_error->provider_code : "");
      ASSERT_TRUE(remote.contains(s->remote_id)) << t.id << " " << s->remote_id;
      held.insert(s->remote_id);
      const json::object& r = remote.at(s->remote_id);
      for (const auto& [name, value] : t.fields) {
        EXPECT_EQ(TextOf(r.if_contains(name)), domain::FieldValueToString(value))
            << t.id << " " << name;
      }
      const json::object& recording = r.at("recording").as_object();
      for (const auto& [name, value] : t.singletons.at("recording")) {
        EXPECT_EQ(TextOf(recording.if_contains(name)), domain::FieldValueToString(value));
      }
      std::map<std::string, const json::object*> urls;
      for (const json::value& u : r.at("origination_urls").as_array()) {
        urls[std::string(u.as_object().at("sid").as_string())] = &u.as_object();
      }
      const auto& items = t.collections.count("origination_urls")
                              ? t.collections.at("origination_urls")
                              : std::map<std::string, domain::FieldValues>{};
      EXPECT_EQ(urls.size(), items.size()) << t.id;
      for (const auto& [item, fields] : items) {
        const std::string& sid = s->item_ids.at("origination_urls").at(item);
        ASSERT_TRUE(urls.contains(sid)) << t.id << " " << item;
        for (const auto& [name, value] : fields) {
          EXPECT_EQ(TextOf(urls.at(sid)->if_contains(name)), domain::FieldValueToString(value))
              << t.id << " " << item << " " << name;
        }
      }
      for (const char* sub : {"credential_lists", "ip_access_control_lists", "phone_numbers"}) {
        std::set<std::string> remote_ids;
        for (const json::value& id : r.at(sub).as_array()) remote_ids.emplace(id.as_string());
        std::set<std::string> ids;
        if (t.attachments.count(sub)) ids = t.attachments.at(sub);
        EXPECT_EQ(remote_ids, ids) << t.id << " " << sub;
      }
    }
    EXPECT_EQ(remote.size(), held.size()) << "remote trunks no registry trunk holds";
  }

  TempDir data_{"e2e-data"};
  TempDir plugins_{"e2e-plugins"};
  std::unique_ptr<emulator::Emulator> emulator_;
  std::unique_ptr<Transport> transport_ =
      std::move(*MakeHttpTransport({std::chrono::milliseconds(1000), 16, ""}));
  std::unique_ptr<registry::Registry> registry_;
  int commands_ = 0;
};

TEST_F(ProviderSyncTest, TwoHundredTwilioTrunksWithEverythingConvergeThenUpdatesAndDeletes) {
  StartEmulator("");
  for (int i = 0; i < 200; ++i) CreateTwilioTrunk(i);
  ASSERT_OK(Worker(Options()).RunOnce());
  ExpectTwilioMatchesRegistry();
  for (int i = 0; i < 20; ++i) {
    const std::string id = "tw" + std::to_string(i);
    domain::UpdateTrunk update;
    update.fields.set = {{"friendly_name", "renamed " + std::to_string(i)}};
    Execute(id, update);
    domain::UpdateItem weight{"origination_urls", "main", {}};
    weight.fields.set = {{"weight", "9"}};
    Execute(id, weight);
    Execute(id, domain::RemoveItem{"origination_urls", "backup"});
    Execute(id, domain::Detach{"phone_numbers", "PN" + Hex32(3000 + i)});
  }
  for (int i = 20; i < 30; ++i) Execute("tw" + std::to_string(i), domain::DeleteTrunk{});
  ASSERT_OK(Worker(Options()).RunOnce());
  ExpectTwilioMatchesRegistry();
  EXPECT_EQ(TwilioRemote().size(), 190u);
}

// A domain name moves from trunk dNNb to trunk dNNa in one pass. Twilio refuses a domain
// another trunk holds (21248, a refusal no retry of the same request cures), and dNNa's
// reconcile starts first (the worker takes trunks in id order): it must not be parked for a
// domain that dNNb, still to be synced, is giving up.
TEST_F(ProviderSyncTest, ADomainNameMovedBetweenTrunksInOnePassEndsOnTheTrunkThatHoldsIt) {
  StartEmulator("latency=1+20");
  constexpr int kPairs = 8;
  const auto id = [](int pair, char side) { return PairedId('d', pair, side); };
  for (int k = 0; k < kPairs; ++k) {
    CreateTwilioTrunk(2 * k, id(k, 'a'));
    CreateTwilioTrunk(2 * k + 1, id(k, 'b'));
  }
  ASSERT_OK(Worker(Options()).RunOnce());
  for (int k = 0; k < kPairs; ++k) {
    domain::UpdateTrunk release;
    release.fields.set = {{"domain_name", "moved-" + std::to_string(k) + ".pstn.twilio.com"}};
    Execute(id(k, 'b'), release);
    domain::UpdateTrunk take;
    take.fields.set = {{"domain_name", "e2e-" + std::to_string(2 * k + 1) + ".pstn.twilio.com"}};
    Execute(id(k, 'a'), take);
  }
  ASSERT_OK(Worker(Options()).RunOnce());
  ExpectTwilioMatchesRegistry();
}

// Two trunks swap domain names (through a third, in the registry): each waits for the other
// to give its domain up, which no order can do at Twilio. Neither waits for ever: the worker
// stops and both are parked, naming the refusal.
TEST_F(ProviderSyncTest, TwoTrunksSwappingDomainNamesAreParkedNotLeftWaiting) {
  StartEmulator("");
  CreateTwilioTrunk(0, "swap-a");
  CreateTwilioTrunk(1, "swap-b");
  ASSERT_OK(Worker(Options()).RunOnce());
  const auto domain = [](const std::string& name) {
    domain::UpdateTrunk update;
    update.fields.set = {{"domain_name", name + ".pstn.twilio.com"}};
    return update;
  };
  Execute("swap-a", domain("e2e-swap"));
  Execute("swap-b", domain("e2e-0"));
  Execute("swap-a", domain("e2e-1"));
  EXPECT_THAT(Worker(Options()).RunOnce(),
              testing::StatusIs(StatusCode::kFailedPrecondition, "Trunk Domain already taken"));
  SyncLedger ledger;
  ASSERT_OK(ledger.CatchUp(registry_->journal()));
  EXPECT_EQ(ledger.Find("swap-a")->state(), SyncState::kParked);
  EXPECT_EQ(ledger.Find("swap-b")->state(), SyncState::kParked);
}

class TwilioFaultTest : public ProviderSyncTest,
                        public ::testing::WithParamInterface<const char*> {};

TEST_P(TwilioFaultTest, ConvergesWithoutDuplicatesOrARetryStorm) {
  StartEmulator(GetParam());
  constexpr int kTrunks = 30;
  for (int i = 0; i < kTrunks; ++i) CreateTwilioTrunk(i);
  SyncWorker worker = Worker(Options());
  ASSERT_OK(worker.RunOnce());
  ExpectTwilioMatchesRegistry();
  EXPECT_EQ(TwilioRemote().size(), size_t{kTrunks});
  // A clean run needs 7 requests a trunk; faults may take up to three times that, no more.
  EXPECT_LT(worker.progress().requests, kTrunks * 7u * 3) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Faults, TwilioFaultTest,
                         ::testing::Values("rate=100,burst=10", "rate=100,burst=10,retry-after=off",
                                           "errors=0.2", "reset=0.1", "latency=30+20", "lost=0.2",
                                           "lost=0.2,lost-mode=hold,hold-ms=1500"));

TEST_F(ProviderSyncTest, DriftMadeThroughTheProvidersApiIsFoundAndCorrected) {
  StartEmulator("");
  CreateTwilioTrunk(1);
  ASSERT_OK(Worker(Options()).RunOnce());
  SyncLedger ledger;
  ASSERT_OK(ledger.CatchUp(registry_->journal()));
  const std::string sid = ledger.Find("tw1")->remote_id;
  // Someone renames it in the console.
  http::Client client(http::ClientOptions{"127.0.0.1", emulator_->twilio_port()});
  ASSERT_OK(client.Send(http::Request{"POST",
                                      "/v1/Trunks/" + sid,
                                      {{"Authorization", Basic(kTwilioSid, kTwilioToken)},
                                       {"Content-Type", "application/x-www-form-urlencoded"}},
                                      "FriendlyName=changed+by+hand"}));
  SyncOptions options = Options();
  options.drift_interval = std::chrono::milliseconds(100);
  SyncWorker worker = Worker(options);
  std::thread stopper([&] {
    for (int i = 0; i < 300; ++i) {
      auto remote = TwilioRemote();
      if (remote.at(sid).at("friendly_name").as_string() == "trunk 1") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    worker.Stop();
  });
  ASSERT_OK(worker.Run());
  stopper.join();
  ExpectTwilioMatchesRegistry();
  auto outcomes = registry_->journal().ReadStream(SyncStreamOf("tw1"), 1, 100);
  ASSERT_OK(outcomes);
  bool drift = false;
  for (const journal::Record& r : *outcomes) drift = drift || r.type == "SyncDriftDetected";
  EXPECT_TRUE(drift);
}

TEST_F(ProviderSyncTest, TrunksMadeDirectlyAtTheProviderAreImportedOnce) {
  StartEmulator("");
  http::Client client(http::ClientOptions{"127.0.0.1", emulator_->twilio_port()});
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(client.Send(http::Request{"POST",
                                        "/v1/Trunks",
                                        {{"Authorization", Basic(kTwilioSid, kTwilioToken)},
                                         {"Content-Type", "application/x-www-form-urlencoded"}},
                                        "FriendlyName=legacy+" + std::to_string(i)}));
  }
  auto report = Worker(Options()).Import("twilio", "default");
  ASSERT_OK(report);
  EXPECT_EQ(report->imported.size(), 3u);
  EXPECT_TRUE(report->refused.empty());
  ExpectTwilioMatchesRegistry();
  auto again = Worker(Options()).Import("twilio", "default");
  ASSERT_OK(again);
  EXPECT_TRUE(again->imported.empty());
  EXPECT_EQ(again->already_held.size(), 3u);
  // Nothing to sync after an import.
  SyncWorker worker = Worker(Options());
  ASSERT_OK(worker.RunOnce());
  EXPECT_EQ(worker.progress().requests, 0u);
}

// Plivo: resources the trunks reference are made first through the emulator's Plivo API, as a
// user would in the Plivo console.
class PlivoTest : public ProviderSyncTest {
 protected:
  // Makes a Plivo resource; its uuid.
  std::string Make(const std::string& kind, const std::string& key, const std::string& body) {
    http::Client client(http::ClientOptions{"127.0.0.1", emulator_->plivo_port()});
    auto answer = client.Send(http::Request{
        "POST",
        std::string("/v1/Account/") + kPlivoAuthId + "/Zentrunk/" + kind + "/",
        {{"Authorization", Basic(kPlivoAuthId, kPlivoToken)}, {"Content-Type", "application/json"}},
        body});
    EXPECT_OK(answer);
    json::value v = json::parse(answer->body);
    EXPECT_TRUE(v.is_object() && v.as_object().contains(key)) << answer->body;
    return std::string(v.as_object().at(key).as_string());
  }

  void MakeResources() {
    acl_ = Make("IPAccessControlList", "ipacl_uuid",
                R"({"name":"office","ip_addresses":["203.0.113.7"]})");
    credential_ = Make("Credential", "credential_uuid",
                       R"({"name":"pbx","username":"pbxuser","password":"S3cretPass!"})");
    primary_ = Make("URI", "uri_uuid", R"({"name":"primary","uri":"pbx1.example.com:5060"})");
    fallback_ = Make("URI", "uri_uuid", R"({"name":"fallback","uri":"pbx2.example.com:5060"})");
  }

  // Outbound (even i) and inbound (odd i, with two numbers) trunks, every field set; `id`
  // is pl<i> by default.
  void CreatePlivoTrunk(int i, std::string id = "") {
    if (id.empty()) id = "pl" + std::to_string(i);
    domain::CreateTrunk create{"plivo", "default", {}};
    create.fields.set = {{"name", "plivo " + std::to_string(i)},
                         {"trunk_status", i % 4 < 2 ? "enabled" : "disabled"},
                         {"secure", i % 3 ? "true" : "false"}};
    if (i % 2 == 0) {
      create.fields.set["trunk_direction"] = "outbound";
      create.fields.set["ipacl_uuid"] = acl_;
      create.fields.set["credential_uuid"] = credential_;
    } else {
      create.fields.set["trunk_direction"] = "inbound";
      create.fields.set["primary_uri_uuid"] = primary_;
      create.fields.set["fallback_uri_uuid"] = fallback_;
    }
    Execute(id, create);
    if (i % 2 == 1) {
      Execute(id, domain::Attach{"phone_numbers", std::to_string(14150000000 + 2 * i)});
      Execute(id, domain::Attach{"phone_numbers", std::to_string(14150000001 + 2 * i)});
    }
  }

  // The registry's live Plivo trunks equal the provider's; numbers route to their trunk only.
  void ExpectPlivoMatchesRegistry() {
    SyncLedger ledger;
    ASSERT_OK(ledger.CatchUp(registry_->journal()));
    json::object dump = Dump();
    const json::object& account =
        dump["plivo"].as_object().at("accounts").as_object().at(kPlivoAuthId).as_object();
    std::map<std::string, const json::object*> remote;
    for (const json::value& t : account.at("trunks").as_array()) {
      remote[std::string(t.as_object().at("trunk_id").as_string())] = &t.as_object();
    }
    std::map<std::string, std::string> routes;  // number -> app_id
    for (const json::value& n : account.at("numbers").as_array()) {
      const json::value& app = n.as_object().at("app_id");
      routes[std::string(n.as_object().at("number").as_string())] =
          app.is_null() ? "" : std::string(app.as_string());
    }
    auto trunks = registry_->List("plivo");
    ASSERT_OK(trunks);
    size_t routed = 0;
    for (const domain::TrunkState& t : *trunks) {
      const TrunkSyncStatus* s = ledger.Find(t.id);
      ASSERT_NE(s, nullptr);
      ASSERT_EQ(s->state(), SyncState::kSynced)
          << t.id << " is " << SyncStateName(s->state()) << " after " << s->attempts
          << " attempts; last error: " << (s->last_error ? s->last_error->message : "none") << " "
          << (s->last_error ? s->last_error->provider_code : "");
      ASSERT_TRUE(remote.contains(s->remote_id)) << t.id;
      for (const auto& [name, value] : t.fields) {
        EXPECT_EQ(TextOf(remote.at(s->remote_id)->if_contains(name)),
                  domain::FieldValueToString(value))
            << t.id << " " << name;
      }
      if (t.attachments.count("phone_numbers")) {
        for (const std::string& number : t.attachments.at("phone_numbers")) {
          EXPECT_EQ(routes[number], s->remote_id) << t.id << " " << number;
          ++routed;
        }
      }
    }
    EXPECT_EQ(remote.size(), trunks->size()) << "remote trunks no registry trunk holds";
    size_t routed_remotely = 0;
    for (const auto& [number, app] : routes) routed_remotely += app.empty() ? 0 : 1;
    EXPECT_EQ(routed_remotely, routed) << "numbers routed that the registry does not attach";
  }

  std::string acl_, credential_, primary_, fallback_;
};

class PlivoSyncTest : public PlivoTest, public ::testing::WithParamInterface<bool> {};
class PlivoFaultTest : public PlivoTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(PlivoFaultTest, ConvergesWithoutDuplicatesOrARetryStorm) {
  StartEmulator("");
  MakeResources();  // as a user would, before the faults
  http::Client admin(http::ClientOptions{"127.0.0.1", emulator_->plivo_port()});
  auto set = admin.Send(http::Request{"POST", "/__emulator/faults", {}, GetParam()});
  ASSERT_OK(set);
  ASSERT_EQ(set->status, 200) << set->body;
  constexpr int kTrunks = 30;
  for (int i = 0; i < kTrunks; ++i) CreatePlivoTrunk(i);
  SyncWorker worker = Worker(Options());
  ASSERT_OK(worker.RunOnce());
  ExpectPlivoMatchesRegistry();
  // A clean run needs 2 or 4 requests a trunk; faults may take up to three times that.
  EXPECT_LT(worker.progress().requests, kTrunks * 4u * 3) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Faults, PlivoFaultTest,
                         ::testing::Values("rate=100,burst=10", "errors=0.2", "reset=0.1",
                                           "latency=30+20", "lost=0.2",
                                           "lost=0.2,lost-mode=hold,hold-ms=1500"));

TEST_P(PlivoSyncTest, TwoHundredTrunksConvergeThenUpdatesDetachesAndDeletes) {
  StartEmulator("", /*plivo_quirks=*/GetParam());
  MakeResources();
  for (int i = 0; i < 200; ++i) CreatePlivoTrunk(i);
  ASSERT_OK(Worker(Options()).RunOnce());
  ExpectPlivoMatchesRegistry();
  for (int i = 0; i < 20; ++i) {
    domain::UpdateTrunk update;
    update.fields.set = {{"name", "renamed " + std::to_string(i)}, {"secure", "true"}};
    Execute("pl" + std::to_string(i), update);
  }
  for (int i = 21; i < 40; i += 2) {
    Execute("pl" + std::to_string(i),
            domain::Detach{"phone_numbers", std::to_string(14150000000 + 2 * i)});
  }
  for (int i = 40; i < 50; ++i) Execute("pl" + std::to_string(i), domain::DeleteTrunk{});
  ASSERT_OK(Worker(Options()).RunOnce());
  ExpectPlivoMatchesRegistry();
}

// A number moves from trunk pNNb to trunk pNNa, whose reconciles start together (the worker
// takes trunks in id order) and both write the number: run at once, pNNb could read it as
// routed to itself, pNNa route it, and pNNb then un-route it. Jittered answers vary which
// comes first.
TEST_F(PlivoTest, NumbersMovedInOnePassRouteToTheTrunkThatHoldsThem) {
  StartEmulator("latency=1+60");
  MakeResources();
  constexpr int kPairs = 16;
  const auto id = [](int pair, char side) { return PairedId('p', pair, side); };
  const auto inbound = [](int pair, int side) { return 4 * pair + 2 * side + 1; };  // odd
  for (int k = 0; k < kPairs; ++k) {
    CreatePlivoTrunk(inbound(k, 0), id(k, 'a'));
    CreatePlivoTrunk(inbound(k, 1), id(k, 'b'));
  }
  ASSERT_OK(Worker(Options()).RunOnce());
  ExpectPlivoMatchesRegistry();
  for (int k = 0; k < kPairs; ++k) {
    const std::string number = std::to_string(14150000000 + 2 * inbound(k, 1));
    Execute(id(k, 'b'), domain::Detach{"phone_numbers", number});
    Execute(id(k, 'a'), domain::Attach{"phone_numbers", number});
  }
  ASSERT_OK(Worker(Options()).RunOnce());
  ExpectPlivoMatchesRegistry();
}

INSTANTIATE_TEST_SUITE_P(Quirks, PlivoSyncTest, ::testing::Bool(),
                         [](const auto& quirks) { return quirks.param ? "On" : "Off"; });

TEST_F(ProviderSyncTest, APlivoTrunkNamingAnIpAclTheAccountLacksIsParkedNamingIt) {
  StartEmulator("");
  domain::CreateTrunk create{"plivo", "default", {}};
  const std::string missing = "a8f1c6f2-0000-4000-8000-000000000000";
  create.fields.set = {
      {"name", "orphan"}, {"trunk_direction", "outbound"}, {"ipacl_uuid", missing}};
  Execute("orphan", create);
  SyncWorker worker = Worker(Options());
  EXPECT_FALSE(worker.RunOnce().ok());
  SyncLedger ledger;
  ASSERT_OK(ledger.CatchUp(registry_->journal()));
  const TrunkSyncStatus* t = ledger.Find("orphan");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->state(), SyncState::kParked);
  EXPECT_EQ(t->attempts, 1u);  // not retried in a loop
  ASSERT_TRUE(t->last_error.has_value());
  EXPECT_EQ(t->last_error->field, "ipacl_uuid");
  EXPECT_THAT(t->last_error->message, ::testing::HasSubstr(missing));
  EXPECT_LT(worker.progress().requests, 5u);
}

// Runs `trunkctl sync run --once` on the test's data dir as a child process; SIGKILLs it after
// `kill_after` unless it ends first. Returns whether it ran to its end (and its exit code).
std::optional<int> RunSyncChild(const std::string& data_dir, const std::string& plugin_dir,
                                const std::vector<std::string>& env,
                                std::chrono::milliseconds kill_after) {
  const pid_t pid = fork();
  if (pid == 0) {
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    const int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
    std::vector<std::string> args = {
        TRUNKCTL, "--data-dir",    data_dir, "--plugin-dir",   plugin_dir, "sync", "run",
        "--once", "--concurrency", "8",      "--max-attempts", "40"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(TRUNKCTL, argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + kill_after;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) return WEXITSTATUS(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return std::nullopt;
}

// Parking is right after 8 failed attempts in a row, and with these faults some trunk of
// the 100 fails 8 times in a row in about one run of ten (one of 100 fails 5 times in a
// typical run): the children allow 40, so that every trunk converges.
TEST_F(ProviderSyncTest, KilledTenTimesMidSyncItStillConvergesWithoutDuplicates) {
  StartEmulator("lost=0.1,errors=0.05,latency=5+5");
  for (int i = 0; i < 100; ++i) CreateTwilioTrunk(i);
  registry_.reset();  // the child is the writer now
  const std::vector<std::string> env = {std::string("TWILIO_ACCOUNT_SID=") + kTwilioSid,
                                        std::string("TWILIO_AUTH_TOKEN=") + kTwilioToken,
                                        "TWILIO_BASE_URL=" + TwilioBase(),
                                        std::string("TRUNKLINE_ACCOUNTS=")};
  std::mt19937 rng(20261204);
  int killed = 0;
  for (int round = 0; round < 10; ++round) {
    const auto after = std::chrono::milliseconds(std::uniform_int_distribution<>(30, 400)(rng));
    if (!RunSyncChild(data_.path(), plugins_.path(), env, after)) ++killed;
  }
  EXPECT_GE(killed, 5);  // most runs were cut short somewhere
  std::optional<int> last;
  for (int i = 0; i < 5 && last != 0; ++i) {
    last = RunSyncChild(data_.path(), plugins_.path(), env, std::chrono::seconds(60));
  }
  EXPECT_EQ(last, 0);
  registry::RegistryOptions options;
  options.data_dir = data_.path();
  options.plugin_dir = plugins_.path();
  auto reopened = registry::Registry::Open(options);
  ASSERT_OK(reopened);
  registry_ = std::move(*reopened);
  ExpectTwilioMatchesRegistry();
  EXPECT_EQ(TwilioRemote().size(), 100u);
  EXPECT_OK(registry_->journal().Verify());
}

// The output of `trunkctl ARGS` (stdout and stderr) with `env` set.
std::string Trunkctl(const std::string& env, const std::string& data_dir,
                     const std::string& plugin_dir, const std::string& args) {
  const std::string command = "env " + env + " " + TRUNKCTL + " --data-dir " + data_dir +
                              " --plugin-dir " + plugin_dir + " " + args + " 2>&1";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  pclose(pipe);
  return out;
}

TEST_F(ProviderSyncTest, NoTokenReachesTheJournalAnyOutputOrAnyMessage) {
  StartEmulator("");
  CreateTwilioTrunk(1);
  CreateTwilioTrunk(2);
  registry_.reset();
  const std::string wrong_token = "wrong-token-c0ffee-9b7a";
  const std::string good = std::string("TWILIO_ACCOUNT_SID=") + kTwilioSid +
                           " TWILIO_AUTH_TOKEN=" + kTwilioToken +
                           " TWILIO_BASE_URL=" + TwilioBase();
  const std::string bad = std::string("TWILIO_ACCOUNT_SID=") + kTwilioSid +
                          " TWILIO_AUTH_TOKEN=" + wrong_token + " TWILIO_BASE_URL=" + TwilioBase();
  std::string all;
  const auto run = [&](const std::string& env, const std::string& args) {
    all += Trunkctl(env, data_.path(), plugins_.path(), args);
  };
  run(bad, "sync plan");
  run(bad, "sync run --once");  // refused credentials: parked, with the provider's message
  run(bad, "sync status -o json");
  EXPECT_THAT(all, ::testing::HasSubstr("parked"));
  run(good, "sync retry tw1");
  run(good, "sync retry tw2");
  run(good, "sync run --once");
  for (const char* args : {"sync status", "sync status -o json", "sync status tw1 -o json",
                           "trunk get tw1", "trunk get tw1 -o json", "trunk history tw1",
                           "trunk history tw1 -o json", "journal export", "sync plan -o json"}) {
    run(good, args);
  }
  EXPECT_THAT(all, ::testing::HasSubstr("\"state\":\"synced\""));
  for (const std::string& secret :
       {std::string(kTwilioToken), wrong_token, Basic(kTwilioSid, kTwilioToken).substr(6),
        Basic(kTwilioSid, wrong_token).substr(6)}) {
    EXPECT_EQ(all.find(secret), std::string::npos) << secret;
  }
  // And the journal's bytes, every record whole.
  registry::RegistryOptions options;
  options.data_dir = data_.path();
  options.plugin_dir = plugins_.path();
  options.read_only = true;
  auto reopened = registry::Registry::Open(options);
  ASSERT_OK(reopened);
  ASSERT_OK((*reopened)->journal().Scan(1, [&](const journal::RecordView& r) {
    for (std::string_view part : {r.payload, r.actor, r.reason, r.command_id}) {
      EXPECT_EQ(part.find(kTwilioToken), std::string_view::npos);
      EXPECT_EQ(part.find(wrong_token), std::string_view::npos);
    }
    return true;
  }));
}

}  // namespace
}  // namespace trunkline::sync
