// Commands executed without waiting (Registry::ExecuteAsync), many in flight at once: each
// is decided against the outcome of those before it, as if they had run one by one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "trunkline/plugin_host/plugin_host.h"
#include "testutil/temp_dir.h"
#include "trunkline/registry/registry.h"

namespace trunkline::registry {
namespace {

using domain::FieldChanges;
using ::testing::HasSubstr;

class RegistryAsyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Registry::Open(RegistryOptions{dir_.path(), plugin_host::DefaultPluginDir()});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    registry_ = std::move(*opened);
  }

  static CommandMeta Meta(const std::string& command_id) {
    return CommandMeta{"alice", "load", command_id, "", std::nullopt};
  }
  static domain::CreateTrunk Twilio(const std::string& domain_name) {
    return domain::CreateTrunk{
        "twilio", "main",
        FieldChanges{{{"friendly_name", "Trunk"}, {"domain_name", domain_name}}, {}}};
  }

  // Sends `count` commands from `threads` threads without waiting, then waits (bounded) for
  // every callback; returns the outcomes by index.
  std::vector<Result<CommandOutcome>> RunMany(
      int count, int threads,
      const std::function<std::pair<std::string, domain::Command>(int)>& command_for) {
    std::vector<Result<CommandOutcome>> outcomes(count, InternalError("not called back"));
    std::mutex mu;
    std::condition_variable cv;
    int called = 0;
    std::vector<std::thread> senders;
    for (int t = 0; t < threads; ++t) {
      senders.emplace_back([&, t] {
        for (int i = t; i < count; i += threads) {
          auto [id, command] = command_for(i);
          registry_->ExecuteAsync(id, command, Meta("cmd-" + std::to_string(i)),
                                  [&, i](Result<CommandOutcome> r) {
                                    std::lock_guard lock(mu);
                                    outcomes[i] = std::move(r);
                                    ++called;
                                    cv.notify_all();
                                  });
        }
      });
    }
    for (auto& s : senders) s.join();
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return called == count; }))
        << called << " of " << count << " called back";
    return outcomes;
  }

  testing::TempDir dir_{"registry-async"};
  std::unique_ptr<Registry> registry_;
};

TEST_F(RegistryAsyncTest, CommandsInFlightOnOneTrunkTakeEveryVersionOnce) {
  ASSERT_TRUE(registry_->Execute("t1", Twilio("one.pstn.twilio.com"), Meta("create")).ok());
  constexpr int kUpdates = 300;
  auto outcomes = RunMany(kUpdates, 4, [](int i) {
    return std::pair<std::string, domain::Command>(
        "t1", domain::UpdateTrunk{FieldChanges{{{"friendly_name", "n" + std::to_string(i)}}, {}}});
  });
  std::set<uint64_t> versions;
  for (int i = 0; i < kUpdates; ++i) {
    ASSERT_TRUE(outcomes[i].ok()) << i << ": " << outcomes[i].status().ToString();
    EXPECT_TRUE(outcomes[i]->changed);
    EXPECT_EQ(outcomes[i]->state.version, outcomes[i]->receipt.last_version);
    EXPECT_EQ(domain::FieldValueToString(outcomes[i]->state.fields.at("friendly_name")),
              "n" + std::to_string(i));
    versions.insert(outcomes[i]->state.version);
  }
  EXPECT_EQ(versions.size(), static_cast<size_t>(kUpdates));
  EXPECT_EQ(*versions.begin(), 2u);
  EXPECT_EQ(*versions.rbegin(), static_cast<uint64_t>(kUpdates + 1));
  auto now = registry_->Get("t1");
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->version, static_cast<uint64_t>(kUpdates + 1));
  auto history = registry_->History("t1");
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), static_cast<size_t>(kUpdates + 1));
  EXPECT_TRUE(registry_->journal().Verify().ok());
}

// A unique value claimed by a create still in flight is taken: one create wins.
TEST_F(RegistryAsyncTest, AUniqueValueGoesToOneOfTheCreatesInFlight) {
  constexpr int kCreates = 60;
  auto outcomes = RunMany(kCreates, 3, [](int i) {
    return std::pair<std::string, domain::Command>("t" + std::to_string(i),
                                                   Twilio("same.pstn.twilio.com"));
  });
  int won = 0;
  for (const auto& o : outcomes) {
    if (o.ok()) {
      ++won;
      continue;
    }
    EXPECT_EQ(o.status().code(), StatusCode::kInvalidArgument) << o.status().ToString();
    EXPECT_THAT(o.status().message(), HasSubstr("domain_name: must be unique in the account"));
  }
  EXPECT_EQ(won, 1);
  auto list = registry_->List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
}

TEST_F(RegistryAsyncTest, ARetriedCommandIdGetsTheOriginalOutcomeAndWritesOnce) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Result<CommandOutcome>> outcomes;
  for (int i = 0; i < 2; ++i) {
    registry_->ExecuteAsync("t1", Twilio("one.pstn.twilio.com"), Meta("same-id"),
                            [&](Result<CommandOutcome> r) {
                              std::lock_guard lock(mu);
                              outcomes.push_back(std::move(r));
                              cv.notify_all();
                            });
  }
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return outcomes.size() == 2; }));
  ASSERT_TRUE(outcomes[0].ok()) << outcomes[0].status().ToString();
  ASSERT_TRUE(outcomes[1].ok()) << outcomes[1].status().ToString();
  EXPECT_EQ(outcomes[0]->receipt.first_position, outcomes[1]->receipt.first_position);
  EXPECT_NE(outcomes[0]->receipt.replayed, outcomes[1]->receipt.replayed);
  EXPECT_EQ(outcomes[1]->state.version, 1u);
  EXPECT_EQ(registry_->journal().LastPosition(), 1u);
}

TEST_F(RegistryAsyncTest, ARefusedCommandIsCalledBackAtOnceAndWritesNothing) {
  bool called = false;
  registry_->ExecuteAsync("t1", domain::DeleteTrunk{}, Meta("del"), [&](Result<CommandOutcome> r) {
    called = true;
    EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  });
  EXPECT_TRUE(called);
  EXPECT_EQ(registry_->journal().LastPosition(), 0u);
}

}  // namespace
}  // namespace trunkline::registry
