// The sync worker's pure helpers: a registry trunk in the adapters' terms, the paths where two
// contents differ, and which of those differences are drift (changed at the provider, not in
// the registry).
#include "sync_content.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trunkline::sync::internal {
namespace {

using plugin_sdk::Fields;
using plugin_sdk::TrunkContent;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string S(const char* s) { return s; }

domain::TrunkState State() {
  domain::TrunkState s;
  s.id = "hq";
  s.provider = "twilio";
  s.account = "main";
  s.version = 5;
  s.fields = {{"friendly_name", S("HQ")}, {"secure", true}, {"cps", int64_t{-2}}};
  s.singletons = {{"recording", {{"mode", S("dual")}}}, {"empty", {}}};
  s.collections = {{"origination_urls",
                    {{"main", {{"sip_url", S("sip:a@b")}, {"weight", int64_t{10}}}}, {"bare", {}}}},
                   {"none", {}}};
  s.attachments = {{"phone_numbers", {"PN2", "PN1", "PN3"}}, {"ip_lists", {}}};
  return s;
}

TEST(SyncContentTest, ContentOfCarriesEveryPartOfTheTrunk) {
  const TrunkContent c = ContentOf(State());
  EXPECT_EQ(c.fields, (Fields{{"friendly_name", S("HQ")}, {"secure", true}, {"cps", int64_t{-2}}}));
  EXPECT_EQ(c.singletons,
            (std::map<std::string, Fields>{{"recording", {{"mode", S("dual")}}}, {"empty", {}}}));
  EXPECT_EQ(c.items,
            (std::map<std::string, std::map<std::string, Fields>>{
                {"origination_urls",
                 {{"main", {{"sip_url", S("sip:a@b")}, {"weight", int64_t{10}}}}, {"bare", {}}}},
                {"none", {}}}));
  EXPECT_EQ(c.attachments, (std::map<std::string, std::vector<std::string>>{
                               {"phone_numbers", {"PN1", "PN2", "PN3"}}, {"ip_lists", {}}}));
}

TEST(SyncContentTest, ContentOfAnEmptyTrunkIsEmpty) {
  EXPECT_EQ(ContentOf(domain::TrunkState{}), TrunkContent{});
}

TEST(SyncContentTest, DesiredOfNamesTheTrunkItsAccountAndWhetherItIsDeleted) {
  domain::TrunkState s = State();
  plugin_sdk::DesiredTrunk d = DesiredOf(s);
  EXPECT_EQ(d.id, "hq");
  EXPECT_EQ(d.account, "main");
  EXPECT_FALSE(d.deleted);
  EXPECT_EQ(d.content, ContentOf(s));
  s.deleted = true;
  EXPECT_TRUE(DesiredOf(s).deleted);
}

TEST(SyncContentTest, EqualContentsHaveNoDifferences) {
  const TrunkContent c = ContentOf(State());
  EXPECT_THAT(Differences(c, c), IsEmpty());
  EXPECT_THAT(Differences({}, {}), IsEmpty());
}

TEST(SyncContentTest, DifferencesNameEachPathWithBothValuesInOrder) {
  const TrunkContent expected = ContentOf(State());
  TrunkContent found = expected;
  found.fields["friendly_name"] = S("hq");  // changed
  found.fields.erase("secure");             // removed
  found.fields["cps"] = int64_t{-2};        // same
  found.fields["voice_region"] = S("us1");  // added
  found.singletons["recording"]["mode"] = S("off");
  found.singletons["recording"]["trim"] = false;       // a singleton field added
  found.singletons["transcription"] = {{"on", true}};  // a singleton only found
  found.items["origination_urls"]["main"]["weight"] = int64_t{20};
  found.items["origination_urls"].erase("bare");                              // an item gone
  found.items["origination_urls"]["remote:OU9"] = {{"sip_url", S("sip:x")}};  // an item added
  found.attachments["phone_numbers"] = {"PN4", "PN1"};
  found.attachments["ip_lists"] = {"AL1"};

  const std::vector<DriftChange> d = Differences(expected, found);
  EXPECT_THAT(d, ElementsAre(DriftChange{"fields.friendly_name", "HQ", "hq"},
                             DriftChange{"fields.secure", "true", std::nullopt},
                             DriftChange{"fields.voice_region", std::nullopt, "us1"},
                             DriftChange{"recording.mode", "dual", "off"},
                             DriftChange{"recording.trim", std::nullopt, "false"},
                             DriftChange{"transcription.on", std::nullopt, "true"},
                             DriftChange{"origination_urls.bare", "present", std::nullopt},
                             DriftChange{"origination_urls.main.weight", "10", "20"},
                             DriftChange{"origination_urls.remote:OU9", std::nullopt, "present"},
                             DriftChange{"ip_lists", "", "AL1"},
                             DriftChange{"phone_numbers", "PN1,PN2,PN3", "PN1,PN4"}));
}

TEST(SyncContentTest, AttachmentsCompareAsSetsWhateverTheirOrder) {
  TrunkContent a, b;
  a.attachments["phone_numbers"] = {"PN2", "PN1"};
  b.attachments["phone_numbers"] = {"PN1", "PN2"};
  EXPECT_THAT(Differences(a, b), IsEmpty());
  b.attachments.erase("phone_numbers");
  EXPECT_THAT(Differences(a, b), ElementsAre(DriftChange{"phone_numbers", "PN1,PN2", ""}));
}

TEST(SyncContentTest, ACollectionPresentOnOneSideOnlyListsEachItem) {
  TrunkContent a, b;
  b.items["origination_urls"] = {{"u1", {}}, {"u2", {{"w", int64_t{1}}}}};
  EXPECT_THAT(Differences(a, b),
              ElementsAre(DriftChange{"origination_urls.u1", std::nullopt, "present"},
                          DriftChange{"origination_urls.u2", std::nullopt, "present"}));
  EXPECT_THAT(Differences(b, a),
              ElementsAre(DriftChange{"origination_urls.u1", "present", std::nullopt},
                          DriftChange{"origination_urls.u2", "present", std::nullopt}));
}

TEST(SyncContentTest, AValueOfAnotherTypeWithTheSameTextIsNoDifference) {
  TrunkContent a, b;
  a.fields["n"] = int64_t{1};
  b.fields["n"] = S("1");
  EXPECT_THAT(Differences(a, b), IsEmpty());
}

// ---- drift ----

TrunkContent Synced() {
  TrunkContent c;
  c.fields = {{"friendly_name", S("HQ")}, {"secure", true}};
  c.singletons = {{"recording", {{"mode", S("dual")}}}};
  c.items = {{"origination_urls", {{"main", {{"weight", int64_t{10}}}}}}};
  c.attachments = {{"phone_numbers", {"PN1"}}};
  return c;
}

TEST(SyncContentTest, NothingChangedAnywhereIsNoDrift) {
  EXPECT_THAT(Drift(Synced(), Synced(), Synced()), IsEmpty());
}

TEST(SyncContentTest, AChangeOnlyAtTheProviderIsDrift) {
  TrunkContent found = Synced();
  found.fields["friendly_name"] = S("console edit");
  found.items["origination_urls"]["main"]["weight"] = int64_t{1};
  EXPECT_THAT(Drift(Synced(), Synced(), found),
              ElementsAre(DriftChange{"fields.friendly_name", "HQ", "console edit"},
                          DriftChange{"origination_urls.main.weight", "10", "1"}));
}

TEST(SyncContentTest, PathsTheRegistryChangedAreNotDrift) {
  TrunkContent desired = Synced();
  desired.fields["friendly_name"] = S("new");
  desired.singletons["recording"]["mode"] = S("off");
  desired.attachments["phone_numbers"] = {"PN1", "PN2"};
  TrunkContent found = Synced();
  found.fields["friendly_name"] = S("console edit");  // both changed: the registry wins
  found.fields["secure"] = false;                     // only the provider: drift
  found.singletons["recording"]["mode"] = S("single");
  found.attachments["phone_numbers"] = {};
  EXPECT_THAT(Drift(Synced(), desired, found),
              ElementsAre(DriftChange{"fields.secure", "true", "false"}));
}

TEST(SyncContentTest, AWholeItemTheRegistryAddedOrRemovedCoversItsFields) {
  const struct {
    const char* what;
    void (*desire)(TrunkContent&);
    void (*find)(TrunkContent&);
  } cases[] = {
      {"registry removed the item, provider changed its field",
       [](TrunkContent& c) { c.items["origination_urls"].erase("main"); },
       [](TrunkContent& c) { c.items["origination_urls"]["main"]["weight"] = int64_t{3}; }},
      {"registry changed a field, provider removed the item",
       [](TrunkContent& c) { c.items["origination_urls"]["main"]["weight"] = int64_t{3}; },
       [](TrunkContent& c) { c.items["origination_urls"].erase("main"); }},
      {"registry added the item, provider has one of that id",
       [](TrunkContent& c) {
         c.items["origination_urls"]["new"] = {{"weight", int64_t{1}}};
       },
       [](TrunkContent& c) {
         c.items["origination_urls"]["new"] = {{"weight", int64_t{2}}};
       }},
  };
  for (const auto& c : cases) {
    TrunkContent desired = Synced(), found = Synced();
    c.desire(desired);
    c.find(found);
    EXPECT_THAT(Drift(Synced(), desired, found), IsEmpty()) << c.what;
  }
}

TEST(SyncContentTest, APathThatOnlySharesAPrefixIsStillDrift) {
  TrunkContent synced = Synced();
  synced.items["origination_urls"]["main2"] = {{"weight", int64_t{5}}};
  TrunkContent desired = synced;
  desired.items["origination_urls"].erase("main");
  TrunkContent found = synced;
  found.items["origination_urls"]["main2"]["weight"] = int64_t{6};
  found.fields["friendly_name_suffix"] = S("x");
  desired.fields["friendly_name"] = S("renamed");
  EXPECT_THAT(Drift(synced, desired, found),
              ElementsAre(DriftChange{"fields.friendly_name_suffix", std::nullopt, "x"},
                          DriftChange{"origination_urls.main2.weight", "5", "6"}));
}

}  // namespace
}  // namespace trunkline::sync::internal
