// The registry end to end below the CLI: real journal, real plugins through the real host.
#include "trunkline/registry/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "trunkline/plugin_host/plugin_host.h"
#include "trunkline/projection/current_state.h"

namespace trunkline::registry {
namespace {

using domain::FieldChanges;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

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

// Uniqueness is judged from an index of the values trunks have held: it must know the trunks
// of a registry reopened from its saved projection, and follow values as they change.
TEST_F(RegistryTest, UniqueValuesAreFoundAfterAReopenAndFollowTheirChanges) {
  const std::string pn = "PN" + std::string(32, 'd');
  ASSERT_TRUE(Run("t1", Twilio("a.pstn.twilio.com"), "c1").ok());
  ASSERT_TRUE(Run("t1", domain::Attach{"phone_numbers", pn}, "c2").ok());
  registry_.reset();  // saves the projection; the reopened registry loads it
  RegistryOptions options{dir_, plugin_host::DefaultPluginDir(), false, &clock_};
  registry_ = std::move(Registry::Open(options).value());
  EXPECT_THAT(Run("t2", Twilio("a.pstn.twilio.com"), "c3").status().message(),
              HasSubstr("is used by trunk t1"));
  ASSERT_TRUE(Run("t2", Twilio("b.pstn.twilio.com"), "c4").ok());
  EXPECT_THAT(Run("t2", domain::Attach{"phone_numbers", pn}, "c5").status().message(),
              HasSubstr("is attached to trunk t1"));
  // t1 moves to another domain name: the old one is free, the new one taken.
  FieldChanges rename{{{"domain_name", "c.pstn.twilio.com"}}, {}};
  ASSERT_TRUE(Run("t1", domain::UpdateTrunk{rename}, "c6").ok());
  EXPECT_TRUE(Run("t3", Twilio("a.pstn.twilio.com"), "c7").ok());
  EXPECT_THAT(Run("t4", Twilio("c.pstn.twilio.com"), "c8").status().message(),
              HasSubstr("is used by trunk t1"));
  // Two trunks have held a.pstn: the one holding it now is named.
  EXPECT_THAT(Run("t5", Twilio("a.pstn.twilio.com"), "c9").status().message(),
              HasSubstr("is used by trunk t3"));
  // Both are named as having held it (the sync worker's candidates for giving it up).
  const domain::UniqueValue a{"", "domain_name", std::string("a.pstn.twilio.com")};
  EXPECT_EQ(registry_->HoldersEver("twilio", "main", a), (std::vector<std::string>{"t1", "t3"}));
  EXPECT_TRUE(registry_->HoldersEver("twilio", "other", a).empty());
  const domain::UniqueValue number{"phone_numbers", "", pn};
  EXPECT_EQ(registry_->HoldersEver("twilio", "main", number), std::vector<std::string>{"t1"});
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
  auto unknown = Run("x1", domain::CreateTrunk{"bandwidth", "main", {}}, "c2");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("loaded: plivo, telnyx, twilio"));
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

TEST_F(RegistryTest, ListPagesFollowIdsAfterTheCursorWithTheirFilters) {
  for (const char* id : {"a", "b", "c", "d", "e"}) {
    const std::string account = std::string(id) == "c" ? "other" : "main";
    ASSERT_TRUE(Run(id, Twilio(std::string(id) + ".pstn.twilio.com", account), id).ok());
  }
  const uint64_t before_delete = registry_->journal().LastPosition();
  ASSERT_TRUE(Run("d", domain::DeleteTrunk{}, "delete-d").ok());
  const auto ids = [](const Registry::TrunkPage& page) {
    std::vector<std::string> out;
    for (const domain::TrunkState& t : page.trunks) out.push_back(t.id);
    return out;
  };
  // Now: pages of two, the deleted trunk left out, `more` only while another follows.
  auto first = registry_->ListPage({"", "", "", 2});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_THAT(ids(*first), ElementsAre("a", "b"));
  EXPECT_TRUE(first->more);
  auto second = registry_->ListPage({"", "", "b", 2});
  EXPECT_THAT(ids(*second), ElementsAre("c", "e"));
  EXPECT_FALSE(second->more);
  EXPECT_THAT(ids(*registry_->ListPage({"", "main", "", 0})), ElementsAre("a", "b", "e"));
  EXPECT_THAT(ids(*registry_->ListPage({"", "other", "", 1})), ElementsAre("c"));
  EXPECT_FALSE(registry_->ListPage({"", "other", "", 1})->more);
  EXPECT_TRUE(registry_->ListPage({"plivo", "", "", 0})->trunks.empty());
  EXPECT_TRUE(registry_->ListPage({"", "", "e", 0})->trunks.empty());
  // A past point: the same paging over the trunks as they were (d not yet deleted).
  const AsOf then{before_delete, std::nullopt};
  auto past = registry_->ListPage({"twilio", "main", "b", 2}, then);
  ASSERT_TRUE(past.ok()) << past.status().ToString();
  EXPECT_THAT(ids(*past), ElementsAre("d", "e"));
  EXPECT_FALSE(past->more);
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

TEST_F(RegistryTest, HistoryAndDiffKeepTheTypesOfValues) {
  ASSERT_TRUE(Run("t1", Twilio("one.pstn.twilio.com"), "c1").ok());
  const uint64_t created = registry_->journal().LastPosition();
  ASSERT_TRUE(Run("t1", domain::UpdateTrunk{FieldChanges{{{"secure", "true"}}, {}}}, "c2").ok());
  ASSERT_TRUE(Run("t1",
                  domain::AddItem{"origination_urls", "ou1",
                                  FieldChanges{{{"friendly_name", "pbx"},
                                                {"sip_url", "sip:pbx.example.com"},
                                                {"priority", "10"},
                                                {"weight", "20"},
                                                {"enabled", "false"}},
                                               {}}},
                  "c3")
                  .ok());
  const std::string pn1 = "PN" + std::string(32, '1');
  const std::string pn2 = "PN" + std::string(32, '2');
  ASSERT_TRUE(Run("t1", domain::Attach{"phone_numbers", pn1}, "c4").ok());
  ASSERT_TRUE(Run("t1", domain::Attach{"phone_numbers", pn2}, "c5").ok());
  ASSERT_TRUE(Run("t1", domain::DeleteTrunk{}, "c6").ok());
  auto history = registry_->History("t1");
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  ASSERT_EQ(history->size(), 6u);
  const FieldChange& secure = history->at(1).changes.at(0);
  EXPECT_EQ(secure.path, "fields.secure");
  EXPECT_EQ(secure.after, "true");
  EXPECT_EQ(secure.after_value, ChangeValue(true));
  EXPECT_EQ(secure.before_value, std::nullopt);
  std::map<std::string, ChangeValue> added;
  for (const FieldChange& c : history->at(2).changes) added.emplace(c.path, *c.after_value);
  EXPECT_EQ(added.at("origination_urls.ou1.priority"), ChangeValue(int64_t{10}));
  EXPECT_EQ(added.at("origination_urls.ou1.enabled"), ChangeValue(false));
  EXPECT_EQ(added.at("origination_urls.ou1.sip_url"), ChangeValue("sip:pbx.example.com"));
  const FieldChange& numbers = history->at(4).changes.at(0);
  EXPECT_EQ(numbers.path, "phone_numbers");
  EXPECT_EQ(numbers.before_value, ChangeValue(std::vector<std::string>{pn1}));
  EXPECT_EQ(numbers.after_value, ChangeValue(std::vector<std::string>{pn1, pn2}));
  EXPECT_EQ(numbers.after, pn1 + "," + pn2);
  const FieldChange& deleted = history->at(5).changes.at(0);
  EXPECT_EQ(deleted.path, "deleted");
  EXPECT_EQ(deleted.after_value, ChangeValue(true));
  auto diff = registry_->Diff("t1", AsOf{created, std::nullopt}, AsOf{});
  ASSERT_TRUE(diff.ok()) << diff.status().ToString();
  bool saw_weight = false;
  for (const FieldChange& c : *diff) {
    if (c.path != "origination_urls.ou1.weight") continue;
    saw_weight = true;
    EXPECT_EQ(c.before_value, std::nullopt);
    EXPECT_EQ(c.after_value, ChangeValue(int64_t{20}));
    EXPECT_EQ(c.after, "20");
  }
  EXPECT_TRUE(saw_weight);
}

TEST_F(RegistryTest, APhoneNumberSitsOnOneTrunkPerAccount) {
  const std::string pn = "PN" + std::string(32, 'a');
  const std::string cl = "CL" + std::string(32, 'c');
  ASSERT_TRUE(Run("t1", Twilio("one.pstn.twilio.com"), "c1").ok());
  ASSERT_TRUE(Run("t2", Twilio("two.pstn.twilio.com"), "c2").ok());
  ASSERT_TRUE(Run("t3", Twilio("three.pstn.twilio.com", "other-account"), "c3").ok());
  ASSERT_TRUE(Run("t1", domain::Attach{"phone_numbers", pn}, "c4").ok());
  const uint64_t before = registry_->journal().LastPosition();
  auto clash = Run("t2", domain::Attach{"phone_numbers", pn}, "c5");
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(clash.status().message(),
              HasSubstr("phone_numbers: " + pn + " is attached to trunk t1"));
  EXPECT_EQ(registry_->journal().LastPosition(), before);
  // Another account may hold the same number; a credential list may sit on many trunks.
  EXPECT_TRUE(Run("t3", domain::Attach{"phone_numbers", pn}, "c6").ok());
  EXPECT_TRUE(Run("t1", domain::Attach{"credential_lists", cl}, "c7").ok());
  EXPECT_TRUE(Run("t2", domain::Attach{"credential_lists", cl}, "c8").ok());
  // Detached from t1 (or t1 deleted), the number is free for t2.
  ASSERT_TRUE(Run("t1", domain::Detach{"phone_numbers", pn}, "c9").ok());
  EXPECT_TRUE(Run("t2", domain::Attach{"phone_numbers", pn}, "c10").ok());
  ASSERT_TRUE(Run("t2", domain::DeleteTrunk{}, "c11").ok());
  EXPECT_TRUE(Run("t1", domain::Attach{"phone_numbers", pn}, "c12").ok());
}

TEST_F(RegistryTest, PlivoNumbersAlsoRouteToOneTrunk) {
  const auto inbound = [](const std::string& uri) {
    return domain::CreateTrunk{
        "plivo", "main",
        FieldChanges{{{"trunk_direction", "inbound"}, {"primary_uri_uuid", uri}}, {}}};
  };
  ASSERT_TRUE(Run("p1", inbound("11111111-2222-3333-4444-555555555555"), "c1").ok());
  ASSERT_TRUE(Run("p2", inbound("11111111-2222-3333-4444-666666666666"), "c2").ok());
  ASSERT_TRUE(Run("p1", domain::Attach{"phone_numbers", "14155550100"}, "c3").ok());
  auto clash = Run("p2", domain::Attach{"phone_numbers", "14155550100"}, "c4");
  EXPECT_EQ(clash.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(clash.status().message(), HasSubstr("14155550100 is attached to trunk p1"));
}

TEST_F(RegistryTest, MetadataTextMustBeCleanAndNothingIsWritten) {
  const uint64_t before = registry_->journal().LastPosition();
  struct Case {
    CommandMeta meta;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"al\x1b[31mice", "r", "c1", "", std::nullopt},
       "actor: must not contain control characters (U+001B at offset 2)"},
      {{"alice", "line\nbreak", "c1", "", std::nullopt},
       "reason: must not contain control characters (U+000A at offset 4)"},
      {{"alice", "r", "c\xff", "", std::nullopt}, "command_id: must be valid UTF-8"},
      {{"alice", "r", "c1", "corr\xc2\x9b", std::nullopt},
       "correlation_id: must not contain control characters (U+009B at offset 4)"},
  };
  for (const Case& c : cases) {
    auto r = registry_->Execute("t1", Twilio("one.pstn.twilio.com"), c.meta);
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr(c.message));
  }
  EXPECT_EQ(registry_->journal().LastPosition(), before);
  EXPECT_TRUE(
      registry_
          ->Execute("t1", Twilio("one.pstn.twilio.com"),
                    CommandMeta{"Zo\xc3\xab", "ticket #42 \xe2\x9c\x93", "c1", "corr-1", {}})
          .ok());
}

TEST_F(RegistryTest, CredentialsInUrlsAreRefusedWithoutEchoAndNothingIsWritten) {
  ASSERT_TRUE(Run("t1", Twilio("one.pstn.twilio.com"), "c1").ok());
  const uint64_t before = registry_->journal().LastPosition();
  auto dr = Run("t1",
                domain::UpdateTrunk{FieldChanges{
                    {{"disaster_recovery_url", "https://ops:Tw1l10-s3cret@dr.example.com/x"}}, {}}},
                "c2");
  EXPECT_EQ(dr.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(dr.status().message(),
              HasSubstr("disaster_recovery_url: must not embed credentials; secrets never enter "
                        "the journal"));
  EXPECT_THAT(dr.status().message(), Not(HasSubstr("Tw1l10-s3cret")));
  auto sip = Run("t1",
                 domain::AddItem{"origination_urls", "ou1",
                                 FieldChanges{{{"friendly_name", "pbx"},
                                               {"sip_url", "sip:pbx:h0rse-battery@pbx.example.com"},
                                               {"priority", "10"},
                                               {"weight", "20"},
                                               {"enabled", "true"}},
                                              {}}},
                 "c3");
  EXPECT_EQ(sip.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(sip.status().message(), HasSubstr("origination_urls.sip_url: must not embed"));
  EXPECT_THAT(sip.status().message(), Not(HasSubstr("h0rse-battery")));
  EXPECT_EQ(registry_->journal().LastPosition(), before);
}

TEST_F(RegistryTest, StaleExpectedVersionIsAborted) {
  ASSERT_TRUE(Run("t1", Twilio("one.pstn.twilio.com"), "c1").ok());
  CommandMeta meta = Meta("c2");
  meta.expected_version = 0;
  auto r = registry_->Execute("t1", domain::UpdateTrunk{FieldChanges{{{"friendly_name", "x"}}, {}}},
                              meta);
  EXPECT_EQ(r.status().code(), StatusCode::kAborted);
}

// The real plugins beside a file that is no plugin and a plugin whose schema is unreadable.
TEST(RegistryOpenTest, PluginsThatCannotServeAreListedAndTheOthersServe) {
  std::string pattern = (std::filesystem::temp_directory_path() / "registry-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::filesystem::path dir = pattern;
  const std::filesystem::path plugins = dir / "plugins";
  std::filesystem::create_directories(plugins);
  for (const char* name : {"trunkline_twilio.so", "trunkline_plivo.so"}) {
    std::filesystem::copy_file(std::filesystem::path(plugin_host::DefaultPluginDir()) / name,
                               plugins / name);
  }
  std::filesystem::copy_file(TRUNKLINE_UNREADABLE_SCHEMA_PLUGIN, plugins / "dummy.so");
  std::ofstream(plugins / "garbage.so") << "not a shared library\n";
  {
    ManualClock clock(1'800'000'000'000'000);
    auto opened =
        Registry::Open(RegistryOptions{(dir / "data").string(), plugins.string(), false, &clock});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    Registry& registry = **opened;
    const std::vector<Status> refused = registry.RefusedPlugins();
    ASSERT_EQ(refused.size(), 2u);
    EXPECT_THAT(refused[0].message(), HasSubstr((plugins / "garbage.so").string()));
    EXPECT_THAT(refused[0].message(), HasSubstr("not a loadable shared library"));
    EXPECT_THAT(refused[1].message(), HasSubstr((plugins / "dummy.so").string()));
    EXPECT_THAT(refused[1].message(), HasSubstr("serves no provider: its schema cannot be read"));
    auto created = registry.Execute(
        "t1",
        domain::CreateTrunk{"twilio", "main",
                            FieldChanges{{{"domain_name", "one.pstn.twilio.com"}}, {}}},
        CommandMeta{"alice", "r", "c1", "", std::nullopt});
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    auto dummy = registry.Execute("d1", domain::CreateTrunk{"dummy", "main", {}},
                                  CommandMeta{"alice", "r", "c2", "", std::nullopt});
    EXPECT_EQ(dummy.status().code(), StatusCode::kNotFound);
    EXPECT_THAT(dummy.status().message(), HasSubstr("loaded: plivo, twilio"));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace trunkline::registry
