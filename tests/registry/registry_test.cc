// The registry end to end below the CLI: real journal, real plugins through the real host.
#include "trunkline/registry/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "trunkline/plugin_host/plugin_host.h"
#include "trunkline/projection/current_state.h"

namespace trunkline::registry {
namespace {

using domain::FieldChanges;
using ::testing::HasSubstr;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "registry-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    RegistryOptions options{dir_, plugin_host::DefaultPluginDir(), false, &clock_};
    auto opened = Registry::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    registry_ = std::move(*opened);
  }
  void TearDown() override {
    registry_.reset();
    std::filesystem::remove_all(dir_);
  }

  CommandMeta Meta(const std::string& command_id) {
    return CommandMeta{"alice", "ticket 42", command_id, "", std::nullopt};
  }

  Result<CommandOutcome> Run(const std::string& id, const domain::Command& command,
                             const std::string& command_id) {
    clock_.Advance(1'000'000);
    return registry_->Execute(id, command, Meta(command_id));
  }

  domain::CreateTrunk Twilio(const std::string& domain, const std::string& account = "main") {
    return domain::CreateTrunk{
        "twilio", account, FieldChanges{{{"friendly_name", "Trunk"}, {"domain_name", domain}}, {}}};
  }

  std::string dir_;
  ManualClock clock_{1'800'000'000'000'000};
  std::unique_ptr<Registry> registry_;
};

TEST_F(RegistryTest, AuditTrailCreateUpdateHistoryAsOfDiff) {
  ASSERT_TRUE(Run("t1", Twilio("one.pstn.twilio.com"), "c1").ok());
  const int64_t before_update = clock_.NowMicros();
  auto updated =
      Run("t1", domain::UpdateTrunk{FieldChanges{{{"friendly_name", "Renamed"}}, {}}}, "c2");
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->state.version, 2u);

  auto history = registry_->History("t1");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  const HistoryEntry& second = history->at(1);
  EXPECT_EQ(second.type, "TrunkUpdated");
  EXPECT_EQ(second.metadata.actor, "alice");
  EXPECT_EQ(second.metadata.reason, "ticket 42");
  EXPECT_EQ(second.metadata.command_id, "c2");
  ASSERT_EQ(second.changes.size(), 1u);
  EXPECT_EQ(second.changes[0].path, "fields.friendly_name");
  EXPECT_EQ(second.changes[0].before, "Trunk");
  EXPECT_EQ(second.changes[0].after, "Renamed");

  auto by_time = registry_->Get("t1", AsOf{std::nullopt, before_update});
  ASSERT_TRUE(by_time.ok());
  EXPECT_EQ(domain::FieldValueToString(by_time->fields.at("friendly_name")), "Trunk");
  auto by_position = registry_->Get("t1", AsOf{history->at(0).position, std::nullopt});
  EXPECT_EQ(domain::FieldValueToString(by_position->fields.at("friendly_name")), "Trunk");
  EXPECT_EQ(registry_->Get("t1", AsOf{0, std::nullopt}).status().code(), StatusCode::kNotFound);

  auto diff = registry_->Diff("t1", AsOf{1, std::nullopt}, AsOf{});
  ASSERT_TRUE(diff.ok());
  ASSERT_EQ(diff->size(), 1u);
  EXPECT_EQ(diff->at(0).after, "Renamed");
}

TEST_F(RegistryTest, AsOfATimeIncludesEventsOfThatVeryMicrosecond) {
  auto created = Run("t1", Twilio("one.pstn.twilio.com"), "c1");
  ASSERT_TRUE(created.ok());
  const int64_t created_us = created->receipt.timestamp_us;
  ASSERT_TRUE(
      Run("t1", domain::UpdateTrunk{FieldChanges{{{"friendly_name", "Renamed"}}, {}}}, "c2").ok());
  ASSERT_TRUE(Run("t2", Twilio("two.pstn.twilio.com"), "c3").ok());

  auto at = [&](int64_t time_us) { return AsOf{std::nullopt, time_us}; };
  auto exact = registry_->Get("t1", at(created_us));
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(exact->version, 1u);
  EXPECT_EQ(registry_->Get("t1", at(created_us - 1)).status().code(), StatusCode::kNotFound);
  auto later = registry_->Get("t1", at(INT64_MAX));
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->version, 2u);
  // Both bounds at once: the earlier one wins.
  auto both = registry_->Get("t1", AsOf{1, INT64_MAX});
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(both->version, 1u);

  auto listed = registry_->List("", at(created_us + 1'500'000));
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->at(0).version, 2u);
  ASSERT_EQ(registry_->List("", at(INT64_MAX))->size(), 2u);
  EXPECT_TRUE(registry_->List("", at(created_us - 1))->empty());
}

TEST_F(RegistryTest, AsOfReadsThroughSnapshotsEqualAFoldFromTheFirstEvent) {
  ASSERT_TRUE(Run("long", Twilio("long.pstn.twilio.com"), "c0").ok());
  ASSERT_TRUE(Run("other", Twilio("other.pstn.twilio.com"), "o0").ok());
  for (int i = 1; i <= 2 * 64 + 10; ++i) {
    const std::string name = "rename " + std::to_string(i);
    ASSERT_TRUE(Run("long", domain::UpdateTrunk{FieldChanges{{{"friendly_name", name}}, {}}},
                    "c" + std::to_string(i))
                    .ok());
    if (i % 5 == 0) {
      ASSERT_TRUE(Run("other", domain::UpdateTrunk{FieldChanges{{{"friendly_name", name}}, {}}},
                      "o" + std::to_string(i))
                      .ok());
    }
  }
  const std::filesystem::path snapshots =
      std::filesystem::path(dir_) / "projections" / "trunk-snapshots";
  ASSERT_TRUE(std::filesystem::exists(snapshots));
  EXPECT_GT(std::filesystem::file_size(snapshots), 0u);

  // The reference: the trunk's stream folded from its first event, with no snapshot.
  auto records = registry_->journal().ReadStream(projection::StreamOf("long"), 1, SIZE_MAX);
  ASSERT_TRUE(records.ok());
  auto reference = [&](uint64_t position) {
    domain::TrunkState state;
    state.id = "long";
    for (const journal::Record& r : *records) {
      if (r.position > position) break;
      EXPECT_TRUE(projection::FoldRecord(state, journal::RecordView::Of(r)).ok());
    }
    return state;
  };
  auto check_all = [&](Registry& registry) {
    const uint64_t last = registry.journal().LastPosition();
    for (uint64_t p = 1; p <= last; ++p) {
      const domain::TrunkState expected = reference(p);
      auto got = registry.Get("long", AsOf{p, std::nullopt});
      if (!expected.exists()) {
        EXPECT_EQ(got.status().code(), StatusCode::kNotFound) << p;
        continue;
      }
      ASSERT_TRUE(got.ok()) << p << ": " << got.status();
      EXPECT_TRUE(*got == expected)
          << "position " << p << ": version " << got->version << " vs " << expected.version;
    }
  };
  check_all(*registry_);
  // Without the snapshots (lost or not yet built) the answers are the same.
  registry_.reset();
  std::filesystem::remove(snapshots);
  RegistryOptions options{dir_, plugin_host::DefaultPluginDir(), false, &clock_};
  registry_ = std::move(Registry::Open(options).value());
  check_all(*registry_);
  // A rebuild writes them again.
  ASSERT_TRUE(registry_->RebuildProjections({}).ok());
  EXPECT_GT(std::filesystem::file_size(snapshots), 0u);
  check_all(*registry_);
}

TEST_F(RegistryTest, SubResourcesShowUpInStateAndHistory) {
  ASSERT_TRUE(Run("t1", Twilio("one.pstn.twilio.com"), "c1").ok());
  ASSERT_TRUE(Run("t1",
                  domain::AddItem{"origination_urls", "ou1",
                                  FieldChanges{{{"friendly_name", "pbx"},
                                                {"sip_url", "sip:pbx.example.com"},
                                                {"priority", "10"},
                                                {"weight", "20"},
                                                {"enabled", "true"}},
                                               {}}},
                  "c2")
                  .ok());
  ASSERT_TRUE(
      Run("t1",
          domain::UpdateSingleton{"recording", FieldChanges{{{"mode", "record-from-answer"}}, {}}},
          "c3")
          .ok());
  ASSERT_TRUE(Run("t1", domain::Attach{"phone_numbers", "PN" + std::string(32, 'b')}, "c4").ok());
  auto state = registry_->Get("t1");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(
      domain::FieldValueToString(state->collections.at("origination_urls").at("ou1").at("weight")),
      "20");
  EXPECT_EQ(domain::FieldValueToString(state->singletons.at("recording").at("mode")),
            "record-from-answer");
  EXPECT_EQ(state->attachments.at("phone_numbers").size(), 1u);
  auto history = registry_->History("t1");
  ASSERT_EQ(history->size(), 4u);
  EXPECT_EQ(history->at(2).changes.at(0).path, "recording.mode");
  EXPECT_EQ(history->at(2).changes.at(0).before, "do-not-record");
}

TEST_F(RegistryTest, DomainNameIsUniquePerAccountAtCommandTime) {
  ASSERT_TRUE(Run("t1", Twilio("same.pstn.twilio.com"), "c1").ok());
  auto clash = Run("t2", Twilio("same.pstn.twilio.com"), "c2");
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(clash.status().message(), HasSubstr("domain_name: must be unique in the account"));
  EXPECT_THAT(clash.status().message(), HasSubstr("trunk t1"));
  EXPECT_TRUE(Run("t3", Twilio("same.pstn.twilio.com", "other-account"), "c3").ok());
  // Once t1 is deleted, its domain name is free again.
  ASSERT_TRUE(Run("t1", domain::DeleteTrunk{}, "c4").ok());
  EXPECT_TRUE(Run("t2", Twilio("same.pstn.twilio.com"), "c5").ok());
}

TEST_F(RegistryTest, RefusedCommandsWriteNothing) {
  const uint64_t before = registry_->journal().LastPosition();
  auto outbound =
      Run("p1",
          domain::CreateTrunk{"plivo", "main", FieldChanges{{{"trunk_direction", "outbound"}}, {}}},
          "c1");
  ASSERT_FALSE(outbound.ok());
  EXPECT_THAT(outbound.status().message(),
              HasSubstr("ipacl_uuid: an outbound trunk needs ipacl_uuid or credential_uuid"));
  auto unknown = Run("x1", domain::CreateTrunk{"telnyx", "main", {}}, "c2");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("loaded: plivo, twilio"));
  EXPECT_EQ(Run("nope", domain::DeleteTrunk{}, "c3").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(registry_->journal().LastPosition(), before);
}

TEST_F(RegistryTest, DeletedTrunksRefuseCommandsAndLeaveTheList) {
  ASSERT_TRUE(Run("t1", Twilio("one.pstn.twilio.com"), "c1").ok());
  ASSERT_TRUE(Run("t2", Twilio("two.pstn.twilio.com"), "c2").ok());
  const uint64_t before_delete = registry_->journal().LastPosition();
  ASSERT_TRUE(Run("t1", domain::DeleteTrunk{}, "c3").ok());
  auto update = Run("t1", domain::UpdateTrunk{FieldChanges{{{"friendly_name", "x"}}, {}}}, "c4");
  EXPECT_EQ(update.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(registry_->List()->size(), 1u);
  EXPECT_EQ(registry_->List("", AsOf{before_delete, std::nullopt})->size(), 2u);
  EXPECT_EQ(registry_->List("plivo")->size(), 0u);
}

TEST_F(RegistryTest, RetriedCommandIdGetsTheOriginalOutcome) {
  auto first = Run("t1", Twilio("one.pstn.twilio.com"), "create-1");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(
      Run("t1", domain::UpdateTrunk{FieldChanges{{{"friendly_name", "B"}}, {}}}, "c2").ok());
  auto retry = Run("t1", Twilio("one.pstn.twilio.com"), "create-1");
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_TRUE(retry->receipt.replayed);
  EXPECT_EQ(retry->receipt.first_position, first->receipt.first_position);
  EXPECT_EQ(retry->state.version, 1u);
  auto misuse =
      Run("t1", domain::UpdateTrunk{FieldChanges{{{"friendly_name", "C"}}, {}}}, "create-1");
  EXPECT_EQ(misuse.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(registry_->Get("t1")->version, 2u);
}

TEST_F(RegistryTest, StaleExpectedVersionIsAborted) {
  ASSERT_TRUE(Run("t1", Twilio("one.pstn.twilio.com"), "c1").ok());
  CommandMeta meta = Meta("c2");
  meta.expected_version = 0;
  auto r = registry_->Execute("t1", domain::UpdateTrunk{FieldChanges{{{"friendly_name", "x"}}, {}}},
                              meta);
  EXPECT_EQ(r.status().code(), StatusCode::kAborted);
}

}  // namespace
}  // namespace trunkline::registry
