// The sync worker with the Telnyx plugin (built from plugins/telnyx, loaded through the host)
// against the emulator's Telnyx mode over HTTP on 127.0.0.1: FQDN connections with their
// FQDNs and routed numbers reach Telnyx and match the registry, then updates, detaches and
// deletes; and through each kind of fault, with no duplicate connection and no retry storm.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "emulator.h"
#include "paired_ids.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "trunkline/http/http.h"
#include "trunkline/registry/registry.h"
#include "trunkline/sync/http_transport.h"
#include "trunkline/sync/sync_ledger.h"
#include "trunkline/sync/sync_worker.h"

namespace trunkline::sync {
namespace {

namespace json = boost::json;
using testing::TempDir;

constexpr char kApiKey[] = "KEY0E2E0000000000000000000000001_telnyx-e2e";
constexpr int kNumbers = 60;  // the account's numbers: +1555001NNNN, NNNN from 0001

// The account's n-th number as a trunk attaches it: E.164 digits without '+'.
std::string Number(int n) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "1555001%04d", n);
  return digits;
}

class TelnyxSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(plugins_.path());
    std::filesystem::copy_file(
        TRUNKLINE_TELNYX_PLUGIN,
        plugins_.path() + "/" + std::filesystem::path(TRUNKLINE_TELNYX_PLUGIN).filename().string());
    registry::RegistryOptions options;
    options.data_dir = data_.path();
    options.plugin_dir = plugins_.path();
    auto opened = registry::Registry::Open(options);
    ASSERT_OK(opened);
    registry_ = std::move(*opened);
    // A second for each request: answers held longer (a fault) are given up on.
    auto transport = MakeHttpTransport({std::chrono::milliseconds(1000), 16, ""});
    ASSERT_OK(transport);
    transport_ = std::move(*transport);
  }

  void StartEmulator(const std::string& faults) {
    emulator::EmulatorOptions options;
    options.telnyx.accounts = {{kApiKey, {}}};
    options.telnyx.numbers_per_account = kNumbers;
    auto spec = emulator::ParseFaults(faults);
    ASSERT_OK(spec);
    options.faults = *spec;
    auto started = emulator::Emulator::Start(options);
    ASSERT_OK(started);
    emulator_ = std::move(*started);
  }

  SyncWorker Worker() {
    SyncOptions options;
    options.concurrency = 16;
    options.backoff_initial = std::chrono::milliseconds(20);
    options.backoff_max = std::chrono::milliseconds(200);
    options.max_attempts = 30;
    const std::string base = "http://127.0.0.1:" + std::to_string(emulator_->telnyx_port());
    return SyncWorker(
        *registry_, *transport_,
        [base](const std::string&, const std::string&) -> Result<AccountAccess> {
          return AccountAccess{base, "", std::string("Bearer ") + kApiKey, 0, 1, 8};
        },
        options);
  }

  void Execute(const std::string& id, const domain::Command& command) {
    registry::CommandMeta meta;
    meta.actor = "e2e";
    meta.reason = "test";
    meta.command_id = "e2e-" + std::to_string(++commands_);
    ASSERT_OK(registry_->Execute(id, command, meta));
  }

  // Trunk `id` (tx<i> by default): a connection with two FQDNs and one routed number
  // (number i + 1).
  void CreateTrunk(int i, std::string id = "") {
    if (id.empty()) id = "tx" + std::to_string(i);
    const std::string n = std::to_string(i);
    domain::CreateTrunk create{"telnyx", "default", {}};
    create.fields.set = {{"connection_name", "e2e-" + n},
                         {"transport_protocol", i % 2 ? "TCP" : "UDP"},
                         {"webhook_event_url", "https://hooks.example.com/" + n}};
    Execute(id, create);
    for (const char* item : {"main", "backup"}) {
      domain::AddItem fqdn{"fqdns", item, {}};
      fqdn.fields.set = {{"fqdn", std::string(item) + n + ".sbc.example.com"}, {"port", "5060"}};
      Execute(id, fqdn);
    }
    Execute(id, domain::Attach{"phone_numbers", Number(i + 1)});
  }

  // GET `path` (with its query) of the emulator's Telnyx API: every page's data.
  std::vector<json::object> List(const std::string& path) {
    std::vector<json::object> out;
    http::Client client(http::ClientOptions{"127.0.0.1", emulator_->telnyx_port()});
    const char* join = path.find('?') == std::string::npos ? "?" : "&";
    for (int page = 1; page < 100; ++page) {
      auto got = client.Send(
          http::Request{"GET",
                        path + join + "page[size]=250&page[number]=" + std::to_string(page),
                        {{"Authorization", std::string("Bearer ") + kApiKey}},
                        ""});
      if (!got.ok() || got->status != 200) {
        ADD_FAILURE() << path << ": " << (got.ok() ? got->body : got.status().ToString());
        return out;
      }
      const json::object body = json::parse(got->body).as_object();
      for (const json::value& v : body.at("data").as_array()) out.push_back(v.as_object());
      if (page >= body.at("meta").at("total_pages").to_number<int64_t>()) break;
    }
    return out;
  }

  static std::string Text(const json::value* v) {
    if (v == nullptr || v->is_null()) return "";
    if (v->is_string()) return std::string(v->as_string());
    return json::serialize(*v);
  }

  // Telnyx holds exactly the registry's live trunks: one connection each (named as in the
  // registry, at the remote id the ledger records), its FQDNs, and its routed numbers.
  // The faults are switched off first, for the checks' own reads.
  void ExpectTelnyxMatchesRegistry() {
    http::Client admin(http::ClientOptions{"127.0.0.1", emulator_->telnyx_port()});
    auto cleared = admin.Send(http::Request{"POST", "/__emulator/faults", {}, ""});
    ASSERT_OK(cleared);
    ASSERT_EQ(cleared->status, 200) << cleared->body;
    SyncLedger ledger;
    ASSERT_OK(ledger.CatchUp(registry_->journal()));
    auto trunks = registry_->List("telnyx");
    ASSERT_OK(trunks);
    std::map<std::string, json::object> connections;
    for (json::object& c : List("/v2/fqdn_connections")) connections[Text(c.if_contains("id"))] = c;
    std::map<std::string, std::multiset<std::string>> fqdns;  // by connection id
    for (const json::object& f : List("/v2/fqdns")) {
      fqdns[Text(f.if_contains("connection_id"))].insert(Text(f.if_contains("fqdn")));
    }
    std::map<std::string, std::set<std::string>> numbers;  // by connection id
    for (const json::object& p : List("/v2/phone_numbers")) {
      const std::string held_by = Text(p.if_contains("connection_id"));
      if (!held_by.empty()) numbers[held_by].insert(Text(p.if_contains("phone_number")).substr(1));
    }
    EXPECT_EQ(connections.size(), trunks->size());  // no duplicate, none left behind
    for (const domain::TrunkState& t : *trunks) {
      const TrunkSyncStatus* s = ledger.Find(t.id);
      ASSERT_NE(s, nullptr) << t.id;
      ASSERT_EQ(s->state(), SyncState::kSynced)
          << t.id << " is " << SyncStateName(s->state())
          << "; last error: " << (s->last_error ? s->last_error->message : "none");
      ASSERT_TRUE(connections.contains(s->remote_id)) << t.id << " " << s->remote_id;
      const json::object& c = connections.at(s->remote_id);
      EXPECT_EQ(Text(c.if_contains("connection_name")),
                domain::FieldValueToString(t.fields.at("connection_name")));
      EXPECT_EQ(Text(c.if_contains("transport_protocol")),
                domain::FieldValueToString(t.fields.at("transport_protocol")));
      std::multiset<std::string> want_fqdns;
      if (auto items = t.collections.find("fqdns"); items != t.collections.end()) {
        for (const auto& [item, fields] : items->second) {
          want_fqdns.insert(domain::FieldValueToString(fields.at("fqdn")));
        }
      }
      EXPECT_EQ(fqdns[s->remote_id], want_fqdns) << t.id;
      std::set<std::string> want_numbers;
      if (auto ids = t.attachments.find("phone_numbers"); ids != t.attachments.end()) {
        want_numbers = ids->second;
      }
      EXPECT_EQ(numbers[s->remote_id], want_numbers) << t.id;
    }
  }

  TempDir data_{"telnyx-sync-data"};
  TempDir plugins_{"telnyx-sync-plugins"};
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<emulator::Emulator> emulator_;
  int commands_ = 0;
};

TEST_F(TelnyxSyncTest, ConnectionsConvergeThenUpdatesDetachesAndDeletes) {
  StartEmulator("");
  constexpr int kTrunks = 40;
  for (int i = 0; i < kTrunks; ++i) CreateTrunk(i);
  SyncWorker worker = Worker();
  ASSERT_OK(worker.RunOnce());
  ExpectTelnyxMatchesRegistry();
  EXPECT_EQ(worker.progress().requests, kTrunks * 5u);  // what the fault test's bound counts
  for (int i = 0; i < 10; ++i) {
    domain::UpdateTrunk update;
    update.fields.set = {{"transport_protocol", "TLS"}};
    Execute("tx" + std::to_string(i), update);
  }
  for (int i = 10; i < 20; ++i) {
    const std::string id = "tx" + std::to_string(i);
    Execute(id, domain::RemoveItem{"fqdns", "backup"});
    Execute(id, domain::Detach{"phone_numbers", Number(i + 1)});
  }
  for (int i = 20; i < 25; ++i) {
    // A number moves to another trunk: detached from its own first.
    Execute("tx" + std::to_string(i), domain::Detach{"phone_numbers", Number(i + 1)});
    Execute("tx" + std::to_string(i + 5), domain::Attach{"phone_numbers", Number(i + 1)});
  }
  for (int i = 30; i < kTrunks; ++i) Execute("tx" + std::to_string(i), domain::DeleteTrunk{});
  ASSERT_OK(Worker().RunOnce());
  ExpectTelnyxMatchesRegistry();
  // Converged: another pass sends nothing that changes anything.
  SyncWorker again = Worker();
  ASSERT_OK(again.RunOnce());
  EXPECT_EQ(again.progress().requests, 0u);
  ExpectTelnyxMatchesRegistry();
}

// Numbers move between trunks in one pass: trunk pNNb's number goes to trunk pNNa, and the
// two trunks' reconciles start together (the worker takes trunks in id order). Both write
// the number: run at once, pNNb could read it as its own, pNNa attach it, and pNNb then
// detach it from pNNa. Jittered answers vary which comes first.
TEST_F(TelnyxSyncTest, NumbersMovedInOnePassEndOnTheTrunkThatHoldsThem) {
  StartEmulator("latency=1+60");
  constexpr int kPairs = 16;
  const auto id = [](int pair, char side) { return PairedId('p', pair, side); };
  for (int i = 0; i < kPairs; ++i) {
    CreateTrunk(2 * i, id(i, 'a'));
    CreateTrunk(2 * i + 1, id(i, 'b'));
  }
  ASSERT_OK(Worker().RunOnce());
  ExpectTelnyxMatchesRegistry();
  for (int i = 0; i < kPairs; ++i) {
    Execute(id(i, 'b'), domain::Detach{"phone_numbers", Number(2 * i + 2)});
    Execute(id(i, 'a'), domain::Attach{"phone_numbers", Number(2 * i + 2)});
  }
  ASSERT_OK(Worker().RunOnce());
  ExpectTelnyxMatchesRegistry();
}

class TelnyxFaultTest : public TelnyxSyncTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(TelnyxFaultTest, ConvergesWithoutDuplicatesOrARetryStorm) {
  StartEmulator(GetParam());
  constexpr int kTrunks = 30;
  for (int i = 0; i < kTrunks; ++i) CreateTrunk(i);
  SyncWorker worker = Worker();
  ASSERT_OK(worker.RunOnce());
  ExpectTelnyxMatchesRegistry();
  // A clean run needs 5 requests a trunk (create, two FQDNs, the number's lookup and its
  // attach); faults may take up to three times that, no more.
  EXPECT_LT(worker.progress().requests, kTrunks * 5u * 3) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Faults, TelnyxFaultTest,
                         ::testing::Values("rate=100,burst=10", "errors=0.2", "reset=0.1",
                                           "latency=30+20", "lost=0.2",
                                           "lost=0.2,lost-mode=hold,hold-ms=1500"));

}  // namespace
}  // namespace trunkline::sync
