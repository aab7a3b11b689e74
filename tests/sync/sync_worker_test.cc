// The sync worker against a provider of its own: the "toy" fixture plugin, loaded through the
// real host, and a toy API served over real HTTP on 127.0.0.1 with faults on demand. The
// journal is the real one. What is checked: convergence, journaled outcomes, no duplicate
// remote trunk after an answer that never came or a restart, 429 with Retry-After, parking and
// retry on request, drift, deletes, import, and that the credential never reaches the journal.
#include "trunkline/sync/sync_worker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "trunkline/registry/registry.h"
#include "trunkline/sync/sync_events.h"

namespace trunkline::sync {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;
using testing::TempDir;

constexpr char kSecret[] = "Bearer toy-secret-7f3a";

// The toy provider's API (see fixtures/toy_plugin.cc), with faults.
class ToyProvider {
 public:
  ToyProvider() {
    http::ServerOptions options;
    options.threads = 2;
    server_ = *http::Server::Start(options, [this](const http::Request& r) { return Handle(r); });
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  struct Trunk {
    std::string name, color;
  };
  std::map<std::string, Trunk> trunks() const {
    std::lock_guard lock(mu_);
    return trunks_;
  }
  int creates() const {
    std::lock_guard lock(mu_);
    return creates_;
  }
  int requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // Lists of the account's trunks (lookups and import scans).
  int listings() const {
    std::lock_guard lock(mu_);
    return listings_;
  }
  std::vector<int64_t> request_times_ms() const {
    std::lock_guard lock(mu_);
    return times_;
  }
  // The next `n` creates are applied, then their connection closes unanswered.
  void DropCreateAnswers(int n) { Set(drop_creates_, n); }
  // The next `n` requests get 429 with Retry-After: 1.
  void RateLimit(int n) { Set(rate_limited_, n); }
  // The next `n` requests get 503.
  void Unavailable(int n) { Set(unavailable_, n); }
  // The `n`th request (counting from the first ever) gets 503.
  void UnavailableAt(int n) { Set(unavailable_at_, n); }
  // Names refused with 400.
  void Refuse(const std::string& name) {
    std::lock_guard lock(mu_);
    refused_ = name;
  }
  // Out-of-band changes, as someone in the provider's console.
  void Put(const std::string& id, Trunk trunk) {
    std::lock_guard lock(mu_);
    trunks_[id] = std::move(trunk);
  }
  void Remove(const std::string& id) {
    std::lock_guard lock(mu_);
    trunks_.erase(id);
  }

 private:
  void Set(int& knob, int n) {
    std::lock_guard lock(mu_);
    knob = n;
  }

  static std::string Line(const std::string& id, const Trunk& t) {
    return "id=" + id + "&name=" + t.name + "&color=" + t.color + "&created=2026-12-04";
  }

  http::Response Handle(const http::Request& r) {
    std::lock_guard lock(mu_);
    ++requests_;
    times_.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count());
    if (http::FindHeader(r.headers, "Authorization") != kSecret) return {401, {}, "message=who"};
    if (rate_limited_ > 0) {
      --rate_limited_;
      return {429, {{"Retry-After", "1"}}, "message=slow down"};
    }
    if (unavailable_ > 0 || requests_ == unavailable_at_) {
      if (unavailable_ > 0) --unavailable_;
      return {503, {}, "message=busy"};
    }
    auto fields = [&] {
      std::map<std::string, std::string> out;
      for (const std::string& pair : Split(r.body, '&')) {
        const size_t eq = pair.find('=');
        if (eq != std::string::npos) out[pair.substr(0, eq)] = pair.substr(eq + 1);
      }
      return Trunk{out["name"], out["color"]};
    };
    if (r.target == "/trunks" && r.method == "GET") {
      ++listings_;
      std::string body;
      for (const auto& [id, t] : trunks_) body += Line(id, t) + "\n";
      return {200, {}, body};
    }
    if (r.target == "/trunks" && r.method == "POST") {
      Trunk t = fields();
      if (t.name == refused_) return {400, {}, "field=name&message=name is not allowed"};
      const std::string id = "T" + std::to_string(++next_id_);
      trunks_[id] = t;
      ++creates_;
      http::Response answer{201, {}, Line(id, t)};
      if (drop_creates_ > 0) {
        --drop_creates_;
        answer.delivery = http::Response::Delivery::kDrop;
      }
      return answer;
    }
    const std::string id = r.target.substr(std::string("/trunks/").size());
    auto it = trunks_.find(id);
    if (it == trunks_.end()) return {404, {}, "message=no such trunk"};
    if (r.method == "GET") return {200, {}, Line(id, it->second)};
    if (r.method == "POST") {
      it->second = fields();
      return {200, {}, Line(id, it->second)};
    }
    trunks_.erase(it);
    return {204, {}, ""};
  }

  static std::vector<std::string> Split(const std::string& text, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find(sep, start);
      if (end == std::string::npos) end = text.size();
      out.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return out;
  }

  mutable std::mutex mu_;
  std::map<std::string, Trunk> trunks_;
  int next_id_ = 0;
  int creates_ = 0;
  int requests_ = 0;
  std::vector<int64_t> times_;
  int drop_creates_ = 0;
  int rate_limited_ = 0;
  int unavailable_ = 0;
  int unavailable_at_ = 0;
  int listings_ = 0;
  std::string refused_;
  std::unique_ptr<http::Server> server_;
};

// Sends each request on a fresh connection from a small pool of threads.
class LoopbackTransport : public Transport {
 public:
  void AsyncSend(const std::string& base_url, http::Request request,
                 std::function<void(Result<http::Response>)> done) override {
    const uint16_t port =
        static_cast<uint16_t>(std::stoi(base_url.substr(base_url.rfind(':') + 1)));
    boost::asio::post(pool_, [port, request = std::move(request), done = std::move(done)] {
      http::Client client(http::ClientOptions{"127.0.0.1", port, std::chrono::milliseconds(2000)});
      done(client.Send(request));
    });
  }

 private:
  boost::asio::thread_pool pool_{4};
};

class SyncWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(plugins_.path());
    std::filesystem::copy_file(TRUNKLINE_TOY_PLUGIN, plugins_.path() + "/trunkline_toy.so");
    Reopen();
  }

  void Reopen() {
    registry_.reset();
    registry::RegistryOptions options;
    options.data_dir = data_.path();
    options.plugin_dir = plugins_.path();
    auto opened = registry::Registry::Open(options);
    ASSERT_OK(opened);
    registry_ = std::move(*opened);
  }

  SyncWorker Worker(SyncOptions options = {}) {
    options.backoff_initial = std::chrono::milliseconds(20);
    options.backoff_max = std::chrono::milliseconds(100);
    if (options.max_attempts == SyncOptions{}.max_attempts) options.max_attempts = 5;
    const std::string base = provider_.base_url();
    return SyncWorker(
        *registry_, transport_,
        [base](const std::string& provider, const std::string&) -> Result<AccountAccess> {
          if (provider != "toy") return NotFoundError("no account for " + provider);
          return AccountAccess{base, "", kSecret, 0, 1, 0};
        },
        options);
  }

  void Create(const std::string& id, const std::string& name, const std::string& color = "red") {
    domain::CreateTrunk create{"toy", "default", {}};
    create.fields.set = {{"name", name}, {"color", color}};
    ASSERT_OK(registry_->Execute(id, create, Meta()));
  }
  void Update(const std::string& id, const std::string& color) {
    domain::UpdateTrunk update;
    update.fields.set = {{"color", color}};
    ASSERT_OK(registry_->Execute(id, update, Meta()));
  }
  registry::CommandMeta Meta() {
    registry::CommandMeta meta;
    meta.actor = "alice";
    meta.reason = "test";
    meta.command_id = "cmd-" + std::to_string(++commands_);
    return meta;
  }

  // What a crash between a create's request and its outcome leaves: the pending marker
  // journaled for version 1 of trunk `id`, and no outcome.
  void JournalPendingCreate(const std::string& id) {
    EncodedSyncEvent pending = EncodeSyncEvent(SyncCreatePending{"toy", "default", 1});
    ASSERT_OK(registry_->AppendOutcome(
        SyncStreamOf(id), {{pending.type, pending.schema_version, pending.payload}}, Meta()));
  }

  // Where every trunk stands, folded from the journal.
  SyncLedger Ledger() {
    SyncLedger ledger;
    EXPECT_OK(ledger.CatchUp(registry_->journal()));
    return ledger;
  }
  // The types of trunk `id`'s sync outcomes, in order.
  std::vector<std::string> Outcomes(const std::string& id) {
    std::vector<std::string> types;
    auto records = registry_->journal().ReadStream(SyncStreamOf(id), 1, 1000);
    EXPECT_OK(records);
    for (const journal::Record& r : *records) types.push_back(r.type);
    return types;
  }

  TempDir data_{"sync-data"};
  TempDir plugins_{"sync-plugins"};
  ToyProvider provider_;
  LoopbackTransport transport_;
  std::unique_ptr<registry::Registry> registry_;
  int commands_ = 0;
};

TEST_F(SyncWorkerTest, NewTrunksConvergeAndEachOutcomeIsJournaled) {
  for (int i = 0; i < 20; ++i) Create("t" + std::to_string(i), "trunk" + std::to_string(i));
  EXPECT_OK(Worker().RunOnce());
  const auto remote = provider_.trunks();
  ASSERT_EQ(remote.size(), 20u);
  EXPECT_EQ(provider_.creates(), 20);
  SyncLedger ledger = Ledger();
  for (int i = 0; i < 20; ++i) {
    const std::string id = "t" + std::to_string(i);
    const TrunkSyncStatus* t = ledger.Find(id);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->state(), SyncState::kSynced) << id;
    EXPECT_EQ(t->synced_version, 1u);
    ASSERT_TRUE(remote.contains(t->remote_id));
    EXPECT_EQ(remote.at(t->remote_id).name, "trunk" + std::to_string(i));
    EXPECT_EQ(std::get<std::string>(t->read_only.at("created")), "2026-12-04");
    // The create was journaled as pending before it went out.
    EXPECT_EQ(Outcomes(id), (std::vector<std::string>{"SyncCreatePending", "TrunkSynced"}));
  }
  // The trunk's own version did not move: users' --expect-version stays valid.
  EXPECT_EQ(registry_->Get("t0")->version, 1u);
}

TEST_F(SyncWorkerTest, AnUpdateReachesTheProviderAndNothingIsSentOnceConverged) {
  Create("a", "alpha");
  EXPECT_OK(Worker().RunOnce());
  Update("a", "blue");
  EXPECT_OK(Worker().RunOnce());
  const auto remote = provider_.trunks();
  ASSERT_EQ(remote.size(), 1u);
  EXPECT_EQ(remote.begin()->second.color, "blue");
  EXPECT_EQ(Ledger().Find("a")->synced_version, 2u);
  const int requests = provider_.requests();
  EXPECT_OK(Worker().RunOnce());  // nothing needs work: nothing is sent
  EXPECT_EQ(provider_.requests(), requests);
}

TEST_F(SyncWorkerTest, ACreateWhoseAnswerIsLostIsFoundAgainNotDuplicated) {
  Create("lost", "lost-answer");
  Create("other", "other");
  provider_.DropCreateAnswers(2);
  EXPECT_OK(Worker().RunOnce());
  EXPECT_EQ(provider_.creates(), 2);  // one each, though both answers were lost
  EXPECT_EQ(provider_.trunks().size(), 2u);
  SyncLedger ledger = Ledger();
  EXPECT_NE(ledger.Find("lost")->remote_id, ledger.Find("other")->remote_id);
  EXPECT_EQ(ledger.Find("lost")->state(), SyncState::kSynced);
  const std::vector<std::string> outcomes = Outcomes("lost");
  EXPECT_EQ(outcomes.front(), "SyncCreatePending");
  EXPECT_EQ(outcomes[1], "SyncFailed");  // DEADLINE_EXCEEDED: may have been applied
  EXPECT_EQ(outcomes.back(), "TrunkSynced");
}

// An attempt that learned the remote trunk (here: found the create a crash left unanswered)
// and then failed journals the remote id with its failure, so the next attempt reads that
// trunk instead of listing the account's trunks again (a page per 1,000 trunks).
TEST_F(SyncWorkerTest, AFailureAfterTheRemoteTrunkIsKnownKeepsItForTheNextAttempt) {
  Create("c", "crashy");
  JournalPendingCreate("c");
  provider_.Put("T900", {"crashy", "blue"});  // made, but not as the registry says now
  provider_.UnavailableAt(3);                 // 1 the lookup, 2 the read of T900, 3 its update
  Reopen();
  EXPECT_OK(Worker().RunOnce());
  EXPECT_EQ(provider_.creates(), 0);
  EXPECT_EQ(provider_.listings(), 1);
  EXPECT_EQ(provider_.trunks().at("T900").color, "red");
  EXPECT_EQ(Outcomes("c"),
            (std::vector<std::string>{"SyncCreatePending", "SyncFailed", "TrunkSynced"}));
  // The failure holds the trunk the lookup found.
  Result<std::vector<journal::Record>> records =
      registry_->journal().ReadStream(SyncStreamOf("c"), 2, 1);
  ASSERT_OK(records);
  ASSERT_EQ(records->size(), 1u);
  Result<SyncEvent> failed = DecodeSyncEvent(records->front().type, records->front().schema_version,
                                             records->front().payload);
  ASSERT_OK(failed);
  EXPECT_EQ(std::get<SyncFailed>(*failed).remote_id, "T900");
}

// The same when that failure parks the trunk: the attempt after `sync retry` reads that trunk.
TEST_F(SyncWorkerTest, AParkedTrunkWhoseRemoteTrunkWasFoundKeepsItForTheRetry) {
  Create("c", "crashy");
  JournalPendingCreate("c");
  provider_.Put("T900", {"crashy", "blue"});
  provider_.UnavailableAt(3);  // 1 the lookup, 2 the read of T900, 3 its update
  Reopen();
  SyncOptions once;
  once.max_attempts = 1;
  EXPECT_THAT(Worker(once).RunOnce(), StatusIs(StatusCode::kFailedPrecondition, "c"));
  EXPECT_EQ(Ledger().Find("c")->remote_id, "T900");
  ASSERT_OK(RequestRetry(*registry_, "c", "operator"));
  EXPECT_OK(Worker().RunOnce());
  EXPECT_EQ(provider_.creates(), 0);
  EXPECT_EQ(provider_.listings(), 1);
  EXPECT_EQ(provider_.trunks().at("T900").color, "red");
  EXPECT_EQ(Outcomes("c"), (std::vector<std::string>{"SyncCreatePending", "SyncParked",
                                                     "SyncRetryRequested", "TrunkSynced"}));
}

TEST_F(SyncWorkerTest, AfterACrashBetweenCreateAndOutcomeTheNextRunAdoptsInsteadOfCreating) {
  Create("c", "crashy");
  // What a crash leaves: the pending marker journaled, the create applied remotely, no outcome.
  JournalPendingCreate("c");
  provider_.Put("T900", {"crashy", "red"});
  Reopen();
  EXPECT_OK(Worker().RunOnce());
  EXPECT_EQ(provider_.creates(), 0);
  EXPECT_EQ(Ledger().Find("c")->remote_id, "T900");
}

// The trunk changed after the create went out (and before its outcome was journaled): the
// lookup must look for the trunk as the create sent it, or it finds nothing and creates a
// second remote trunk.
TEST_F(SyncWorkerTest, AfterACrashAndAChangeTheLookupLooksForTheTrunkAsTheCreateSentIt) {
  Create("c", "before");
  JournalPendingCreate("c");
  provider_.Put("T900", {"before", "red"});
  domain::UpdateTrunk rename;
  rename.fields.set = {{"name", "after"}};
  ASSERT_OK(registry_->Execute("c", rename, Meta()));
  Reopen();
  EXPECT_OK(Worker().RunOnce());
  EXPECT_EQ(provider_.creates(), 0);
  EXPECT_EQ(Ledger().Find("c")->remote_id, "T900");
  const auto remote = provider_.trunks();
  ASSERT_EQ(remote.size(), 1u);
  EXPECT_EQ(remote.begin()->second.name, "after");  // adopted, then brought up to date
}

TEST_F(SyncWorkerTest, ARemoteTrunkAnotherRegistryTrunkHoldsIsNeverAdopted) {
  Create("first", "twin");
  EXPECT_OK(Worker().RunOnce());
  const std::string held = Ledger().Find("first")->remote_id;
  Create("second", "twin");
  JournalPendingCreate("second");
  EXPECT_OK(Worker().RunOnce());
  const std::string second = Ledger().Find("second")->remote_id;
  EXPECT_FALSE(second.empty());
  EXPECT_NE(second, held);
  EXPECT_EQ(provider_.trunks().size(), 2u);
}

TEST_F(SyncWorkerTest, A429PausesTheAccountForItsRetryAfterAndThenConverges) {
  Create("r", "rated");
  provider_.RateLimit(1);
  EXPECT_OK(Worker().RunOnce());
  const std::vector<int64_t> times = provider_.request_times_ms();
  ASSERT_GE(times.size(), 2u);
  EXPECT_GE(times[1] - times[0], 950);  // Retry-After: 1 (second), honoured
  EXPECT_EQ(Ledger().Find("r")->state(), SyncState::kSynced);
  // A 429 was never processed: the same create went again, with no failure journaled.
  EXPECT_EQ(Outcomes("r"), (std::vector<std::string>{"SyncCreatePending", "TrunkSynced"}));
  EXPECT_EQ(provider_.creates(), 1);
}

TEST_F(SyncWorkerTest, ProviderOutagesAreRetriedWithBackoffUntilParkedThenRetriedOnRequest) {
  Create("u", "unlucky");
  provider_.Unavailable(100);
  SyncOptions options;
  options.max_attempts = 3;
  EXPECT_THAT(Worker(options).RunOnce(), StatusIs(StatusCode::kFailedPrecondition, "u"));
  SyncLedger ledger = Ledger();
  const TrunkSyncStatus* t = ledger.Find("u");
  EXPECT_EQ(t->state(), SyncState::kParked);
  EXPECT_EQ(t->attempts, 3u);
  EXPECT_EQ(t->last_error->code, static_cast<int32_t>(StatusCode::kUnavailable));
  EXPECT_EQ(t->last_error->provider_code, "503");
  EXPECT_EQ(Outcomes("u"), (std::vector<std::string>{"SyncCreatePending", "SyncFailed",
                                                     "SyncFailed", "SyncParked"}));
  // Parked trunks are left alone...
  const int requests = provider_.requests();
  EXPECT_THAT(Worker().RunOnce(), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(provider_.requests(), requests);
  // ...until someone asks.
  provider_.Unavailable(0);
  ASSERT_OK(RequestRetry(*registry_, "u", "operator"));
  EXPECT_OK(Worker().RunOnce());
  EXPECT_EQ(Ledger().Find("u")->state(), SyncState::kSynced);
}

TEST_F(SyncWorkerTest, ARefusedValueParksAtOnceNamingTheFieldAndOthersStillSync) {
  Create("bad", "forbidden");
  Create("good", "fine");
  provider_.Refuse("forbidden");
  EXPECT_THAT(Worker().RunOnce(), StatusIs(StatusCode::kFailedPrecondition, "bad"));
  SyncLedger ledger = Ledger();
  const TrunkSyncStatus* bad = ledger.Find("bad");
  EXPECT_EQ(bad->state(), SyncState::kParked);
  EXPECT_EQ(bad->attempts, 1u);
  EXPECT_EQ(bad->last_error->field, "name");
  EXPECT_EQ(bad->last_error->provider_message, "name is not allowed");
  EXPECT_EQ(ledger.Find("good")->state(), SyncState::kSynced);
}

TEST_F(SyncWorkerTest, AnUnknownAccountParksTheTrunkWithTheResolversMessage) {
  domain::CreateTrunk create{"toy", "elsewhere", {}};
  create.fields.set = {{"name", "x"}};
  ASSERT_OK(registry_->Execute("x", create, Meta()));
  SyncWorker worker(
      *registry_, transport_,
      [](const std::string&, const std::string& alias) -> Result<AccountAccess> {
        return NotFoundError("account " + alias + " is not configured");
      },
      SyncOptions{});
  EXPECT_THAT(worker.RunOnce(), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(Ledger().Find("x")->last_error->message, HasSubstr("elsewhere is not configured"));
  EXPECT_EQ(provider_.requests(), 0);
}

TEST_F(SyncWorkerTest, ADeleteInTheRegistryDeletesRemotely) {
  Create("d", "doomed");
  EXPECT_OK(Worker().RunOnce());
  ASSERT_OK(registry_->Execute("d", domain::DeleteTrunk{}, Meta()));
  EXPECT_OK(Worker().RunOnce());
  EXPECT_TRUE(provider_.trunks().empty());
  EXPECT_EQ(Ledger().Find("d")->state(), SyncState::kDeleted);
  EXPECT_EQ(Outcomes("d").back(), "RemoteTrunkDeleted");
}

TEST_F(SyncWorkerTest, DriftIsDetectedJournaledAndCorrected) {
  Create("z", "zed", "red");
  EXPECT_OK(Worker().RunOnce());
  const std::string remote_id = Ledger().Find("z")->remote_id;
  provider_.Put(remote_id, {"zed", "green"});  // changed in the console
  SyncOptions options;
  options.drift_interval = std::chrono::milliseconds(50);
  SyncWorker worker = Worker(options);
  std::thread stopper([&] {
    for (int i = 0; i < 200 && provider_.trunks().at(remote_id).color != "red"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    worker.Stop();
  });
  EXPECT_OK(worker.Run());
  stopper.join();
  EXPECT_EQ(provider_.trunks().at(remote_id).color, "red");
  auto records = registry_->journal().ReadStream(SyncStreamOf("z"), 1, 100);
  ASSERT_OK(records);
  bool found = false;
  for (const journal::Record& r : *records) {
    if (r.type != "SyncDriftDetected") continue;
    auto drift = std::get<SyncDriftDetected>(*DecodeSyncEvent(r.type, r.schema_version, r.payload));
    ASSERT_EQ(drift.changes.size(), 1u);
    EXPECT_EQ(drift.changes[0], (DriftChange{"fields.color", "red", "green"}));
    EXPECT_TRUE(drift.corrected);
    found = true;
  }
  EXPECT_TRUE(found);
}

TEST_F(SyncWorkerTest, UnderTheReportPolicyDriftIsJournaledButLeftAlone) {
  Create("z", "zed", "red");
  EXPECT_OK(Worker().RunOnce());
  ASSERT_OK(SetDriftPolicy(*registry_, "z", DriftPolicy::kReport, "operator"));
  const std::string remote_id = Ledger().Find("z")->remote_id;
  provider_.Put(remote_id, {"zed", "blue"});
  SyncOptions options;
  options.drift_interval = std::chrono::milliseconds(50);
  SyncWorker worker = Worker(options);
  std::thread stopper([&] {
    for (int i = 0; i < 200 && Outcomes("z").back() != "SyncDriftDetected"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // room for a wrong correction
    worker.Stop();
  });
  EXPECT_OK(worker.Run());
  stopper.join();
  EXPECT_EQ(provider_.trunks().at(remote_id).color, "blue");
  std::vector<std::string> outcomes = Outcomes("z");
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), "SyncDriftDetected"), 1);
}

TEST_F(SyncWorkerTest, ChangesWhileRunningAreSyncedByTheLiveWorker) {
  SyncWorker worker = Worker();
  std::thread runner([&] { EXPECT_OK(worker.Run()); });
  Create("live", "live", "red");
  Update("live", "green");
  Update("live", "blue");
  for (int i = 0; i < 300; ++i) {
    const auto remote = provider_.trunks();
    if (!remote.empty() && remote.begin()->second.color == "blue") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  worker.Stop();
  runner.join();
  ASSERT_EQ(provider_.trunks().size(), 1u);
  EXPECT_EQ(provider_.trunks().begin()->second.color, "blue");
  EXPECT_EQ(provider_.creates(), 1);
}

TEST_F(SyncWorkerTest, ImportAdoptsRemoteTrunksOnceAndSendsOnlyReads) {
  provider_.Put("T501", {"legacy-a", "red"});
  provider_.Put("T502", {"legacy-b", "blue"});
  auto report = Worker().Import("toy", "default");
  ASSERT_OK(report);
  EXPECT_EQ(report->imported, (std::vector<std::string>{"T501", "T502"}));
  auto trunk = registry_->Get("T502");
  ASSERT_OK(trunk);
  EXPECT_EQ(std::get<std::string>(trunk->fields.at("color")), "blue");
  EXPECT_EQ(Outcomes("T502"), (std::vector<std::string>{"TrunkImported"}));
  EXPECT_EQ(Ledger().Find("T502")->state(), SyncState::kSynced);
  auto again = Worker().Import("toy", "default");
  ASSERT_OK(again);
  EXPECT_TRUE(again->imported.empty());
  EXPECT_EQ(again->already_held.size(), 2u);
  EXPECT_EQ(provider_.creates(), 0);
}

TEST_F(SyncWorkerTest, ThePlanReadsButSendsNoWrite) {
  Create("p", "planned");
  auto plans = Worker().Plan("");
  ASSERT_OK(plans);
  ASSERT_EQ(plans->size(), 1u);
  ASSERT_EQ((*plans)[0].writes.size(), 1u);
  EXPECT_EQ((*plans)[0].writes[0].kind, "create");
  EXPECT_EQ((*plans)[0].writes[0].body, "name=planned&color=red");
  EXPECT_EQ(provider_.requests(), 0);
  EXPECT_TRUE(provider_.trunks().empty());
}

TEST_F(SyncWorkerTest, TheCredentialNeverReachesTheJournal) {
  Create("s", "secretive");
  provider_.RateLimit(1);
  provider_.Refuse("secretive");
  EXPECT_THAT(Worker().RunOnce(), StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK(registry_->journal().Scan(1, [&](const journal::RecordView& r) {
    for (std::string_view part : {r.payload, r.reason, r.actor, r.command_id}) {
      EXPECT_EQ(part.find("toy-secret"), std::string_view::npos) << r.type;
    }
    return true;
  }));
}

}  // namespace
}  // namespace trunkline::sync
