// Sync outcome events: every type survives its journaled form, what this build cannot read is
// refused with the code that says why, and each reads as one line of history.
#include "trunkline/sync/sync_events.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <msgpack.hpp>
#include <set>

#include "testutil/status_matchers.h"

namespace trunkline::sync {
namespace {

using testing::StatusIs;

const SyncErrorInfo kError{14, "the provider is busy", "origination_urls", "20503",
                           "Service Unavailable"};

TrunkSynced FullSynced() {
  return TrunkSynced{"twilio",
                     "main",
                     "TK0123",
                     {{"origination_urls", {{"main", "OU1"}, {"backup", "OU2"}}}},
                     {{"sid", std::string("TK0123")}, {"secure", true}, {"n", int64_t{-3}}},
                     7,
                     uint64_t{1} << 40,
                     12};
}

struct EventCase {
  const char* type;
  SyncEvent event;
  const char* description;
};

std::vector<EventCase> Events() {
  const TrunkSynced synced = FullSynced();
  const TrunkImported imported{
      synced.provider, synced.account, synced.remote_id, synced.item_ids, synced.read_only, 3, 99};
  SyncErrorInfo bare;
  bare.code = 16;
  bare.message = "who";
  return {
      {"SyncCreatePending", SyncCreatePending{"plivo", "eu", 4},
       "create sent to plivo (version 4), answer pending"},
      {"TrunkSynced", synced, "synced to twilio (TK0123) at version 7"},
      {"TrunkSynced", TrunkSynced{"twilio", "main", "", {}, {}, 2, 5, 0},
       "synced to twilio at version 2"},
      {"SyncFailed", SyncFailed{kError, 3, -1700000000000000, 7},
       "sync attempt 3 failed: UNAVAILABLE origination_urls: the provider is busy "
       "[provider 20503]"},
      {"SyncFailed", SyncFailed{bare, 1, 0, 1}, "sync attempt 1 failed: UNAUTHENTICATED: who"},
      {"SyncFailed", SyncFailed{bare, 2, 5, 3, "TK0123", {{"origination_urls", {{"main", "OU1"}}}}},
       "sync attempt 2 failed: UNAUTHENTICATED: who"},
      {"SyncParked", SyncParked{kError, 5, 9},
       "sync parked after 5 attempts: UNAVAILABLE origination_urls: the provider is busy "
       "[provider 20503]"},
      {"SyncParked", SyncParked{bare, 1, 2, "TK0123", {{"origination_urls", {{"main", "OU1"}}}}},
       "sync parked after 1 attempts: UNAUTHENTICATED: who"},
      {"SyncDriftDetected",
       SyncDriftDetected{{{"fields.friendly_name", "hq", "HQ"},
                          {"origination_urls.main", "present", std::nullopt},
                          {"origination_urls.remote:OU3", std::nullopt, "present"}},
                         true},
       "drift detected fields.friendly_name (expected hq, found HQ) origination_urls.main "
       "(expected present, found absent) origination_urls.remote:OU3 (expected absent, found "
       "present); corrected"},
      {"SyncDriftDetected", SyncDriftDetected{{}, false}, "drift detected; reported only"},
      {"TrunkImported", imported, "imported from twilio (TK0123)"},
      {"RemoteTrunkDeleted", RemoteTrunkDeleted{"TK0123", 8}, "deleted at the provider (TK0123)"},
      {"SyncRetryRequested", SyncRetryRequested{}, "sync retry requested"},
      {"SyncPolicySet", SyncPolicySet{DriftPolicy::kReport}, "drift policy set to report"},
      {"SyncPolicySet", SyncPolicySet{DriftPolicy::kCorrect}, "drift policy set to correct"},
  };
}

TEST(SyncEventsTest, EveryEventTypeSurvivesARoundTrip) {
  std::set<size_t> alternatives;
  for (const EventCase& c : Events()) {
    SCOPED_TRACE(c.description);
    const EncodedSyncEvent encoded = EncodeSyncEvent(c.event);
    EXPECT_EQ(encoded.type, c.type);
    EXPECT_EQ(encoded.schema_version, 1u);
    Result<SyncEvent> back = DecodeSyncEvent(encoded.type, encoded.schema_version, encoded.payload);
    ASSERT_OK(back);
    EXPECT_TRUE(*back == c.event);
    alternatives.insert(c.event.index());
  }
  EXPECT_EQ(alternatives.size(), std::variant_size_v<SyncEvent>) << "a type has no case";
}

TEST(SyncEventsTest, EveryEventReadsAsOneLineOfHistory) {
  for (const EventCase& c : Events()) {
    EXPECT_EQ(DescribeSyncEvent(c.event), c.description);
  }
}

TEST(SyncEventsTest, AnErrorCodeOutsideTheNumberingIsNamedAsSuch) {
  const SyncErrorInfo odd{99, "m", "", "", ""};
  EXPECT_EQ(DescribeSyncEvent(SyncFailed{odd, 2, 0, 0}), "sync attempt 2 failed: UNKNOWN_CODE: m");
}

TEST(SyncEventsTest, AnUnknownTypeIsFailedPreconditionNamingIt) {
  const EncodedSyncEvent encoded = EncodeSyncEvent(SyncRetryRequested{});
  EXPECT_THAT(DecodeSyncEvent("SyncTeleported", 1, encoded.payload),
              StatusIs(StatusCode::kFailedPrecondition, "\"SyncTeleported\" is unknown"));
  // A trunk event's tag is not a sync event's.
  EXPECT_THAT(DecodeSyncEvent("TrunkCreated", 1, encoded.payload),
              StatusIs(StatusCode::kFailedPrecondition, "\"TrunkCreated\""));
  EXPECT_THAT(DecodeSyncEvent("", 1, encoded.payload),
              StatusIs(StatusCode::kFailedPrecondition, "is unknown"));
}

TEST(SyncEventsTest, AnotherSchemaVersionIsFailedPreconditionNamingTypeAndVersion) {
  for (const EventCase& c : Events()) {
    const EncodedSyncEvent encoded = EncodeSyncEvent(c.event);
    EXPECT_THAT(DecodeSyncEvent(encoded.type, 2, encoded.payload),
                StatusIs(StatusCode::kFailedPrecondition,
                         encoded.type + " schema version 2 is newer than this build reads (1)"));
    EXPECT_THAT(DecodeSyncEvent(encoded.type, 0, encoded.payload),
                StatusIs(StatusCode::kFailedPrecondition, encoded.type + " schema version 0"));
  }
}

template <typename Write>
std::string Packed(Write write) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  write(pk);
  return std::string(buffer.data(), buffer.size());
}

TEST(SyncEventsTest, AMalformedPayloadIsDataLossNamingTheTypeAndTheFault) {
  const std::string synced = EncodeSyncEvent(FullSynced()).payload;
  const struct {
    const char* type;
    std::string payload;
    const char* names;
  } cases[] = {
      {"TrunkSynced", synced.substr(0, synced.size() - 1), "TrunkSynced: malformed msgpack"},
      {"TrunkSynced", synced + '\xc0', "trailing bytes"},
      {"TrunkSynced", "", "TrunkSynced: malformed msgpack"},
      {"SyncRetryRequested", Packed([](auto& pk) { pk.pack_array(0); }), "expected a map"},
      {"SyncCreatePending",
       Packed([](auto& pk) { pk.pack_map(1).pack("desired_version").pack(-1); }),
       "\"desired_version\""},
      {"TrunkSynced", Packed([](auto& pk) { pk.pack_map(1).pack("requests").pack(1ll << 33); }),
       "\"requests\""},
      {"TrunkImported",
       Packed([](auto& pk) { pk.pack_map(1).pack("read_only").pack_map(1).pack("x").pack(0.5); }),
       "\"read_only\""},
      {"TrunkImported",
       Packed([](auto& pk) { pk.pack_map(1).pack("item_ids").pack_map(1).pack("s").pack(1); }),
       "\"item_ids\""},
      {"SyncFailed",
       Packed([](auto& pk) { pk.pack_map(1).pack("error").pack_map(1).pack("code").pack("x"); }),
       "\"code\""},
      {"SyncParked", Packed([](auto& pk) { pk.pack_map(1).pack("attempts").pack(true); }),
       "\"attempts\""},
      {"SyncDriftDetected", Packed([](auto& pk) { pk.pack_map(1).pack("changes").pack_map(0); }),
       "\"changes\": expected an array"},
      {"SyncDriftDetected", Packed([](auto& pk) {
         pk.pack_map(1).pack("changes").pack_array(1).pack_map(1).pack("found").pack_nil();
       }),
       "\"found\""},
      {"RemoteTrunkDeleted", Packed([](auto& pk) { pk.pack_map(1).pack("remote_id").pack(7); }),
       "\"remote_id\""},
      {"SyncPolicySet", Packed([](auto& pk) { pk.pack_map(1).pack("drift").pack("ignore"); }),
       "\"drift\": drift policy: must be correct or report, not \"ignore\""},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(DecodeSyncEvent(c.type, 1, c.payload), StatusIs(StatusCode::kDataLoss, c.names))
        << c.type;
    EXPECT_THAT(DecodeSyncEvent(c.type, 1, c.payload), StatusIs(StatusCode::kDataLoss, c.type));
  }
}

TEST(SyncEventsTest, AbsentKeysReadAsZeroValuesAndUnknownKeysAreIgnored) {
  const std::string empty = Packed([](auto& pk) { pk.pack_map(0); });
  for (const EventCase& c : Events()) {
    const std::string type = EncodeSyncEvent(c.event).type;
    Result<SyncEvent> decoded = DecodeSyncEvent(type, 1, empty);
    ASSERT_OK(decoded) << type;
    EXPECT_EQ(decoded->index(), c.event.index()) << type;
  }
  EXPECT_TRUE(*DecodeSyncEvent("TrunkSynced", 1, empty) == SyncEvent(TrunkSynced{}));
  EXPECT_TRUE(*DecodeSyncEvent("SyncPolicySet", 1, empty) == SyncEvent(SyncPolicySet{}));
  const std::string later = Packed([](auto& pk) {
    pk.pack_map(3).pack("remote_id").pack("TK1").pack("later").pack_array(1).pack_map(0);
    pk.pack("desired_version").pack(4);
  });
  EXPECT_TRUE(*DecodeSyncEvent("RemoteTrunkDeleted", 1, later) ==
              SyncEvent(RemoteTrunkDeleted{"TK1", 4}));
}

TEST(SyncEventsTest, ParseDriftPolicyReadsItsTwoNamesOnly) {
  EXPECT_EQ(*ParseDriftPolicy("report"), DriftPolicy::kReport);
  EXPECT_EQ(*ParseDriftPolicy("correct"), DriftPolicy::kCorrect);
  for (const char* text : {"", "Report", "correct ", "ignore"}) {
    EXPECT_THAT(ParseDriftPolicy(text),
                StatusIs(StatusCode::kInvalidArgument,
                         "must be correct or report, not \"" + std::string(text) + "\""));
  }
  for (DriftPolicy p : {DriftPolicy::kCorrect, DriftPolicy::kReport}) {
    EXPECT_EQ(*ParseDriftPolicy(DriftPolicyName(p)), p);
  }
}

TEST(SyncEventsTest, SyncStreamIsPrefixedTrunkId) { EXPECT_EQ(SyncStreamOf("hq-1"), "sync-hq-1"); }

}  // namespace
}  // namespace trunkline::sync
