// The SDK's msgpack codec of the sync functions (sync_codec.h), which plugins and the core
// share: every field of every message survives a trip, absent keys read as zero values,
// unknown keys are ignored, and malformed bytes throw std::runtime_error saying what is wrong.
#include "trunkline/plugin_sdk/sync_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <msgpack.hpp>

namespace trunkline::plugin_sdk {
namespace {

using ::testing::HasSubstr;

template <typename Write>
std::string Packed(Write write) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  write(pk);
  return std::string(buffer.data(), buffer.size());
}

// Bytes no text encoding would carry: NUL, 0xff, an invalid UTF-8 lead byte.
const std::string kBinary("a\0\xff\xc3(z", 6);

TrunkContent FullContent() {
  TrunkContent c;
  c.fields = {{"friendly_name", std::string("hq")}, {"secure", true}, {"cps", int64_t{-7}}};
  c.singletons = {{"recording", {{"mode", std::string("dual")}, {"trim", false}}}, {"empty", {}}};
  c.items = {{"origination_urls",
              {{"main", {{"sip_url", std::string("sip:a@b")}, {"weight", int64_t{10}}}},
               {"remote:OU1", {{"enabled", true}}}}},
             {"none", {}}};
  c.attachments = {{"phone_numbers", {"PN1", "PN2"}}, {"ip_lists", {}}};
  return c;
}

DesiredTrunk FullDesired() { return DesiredTrunk{"TK-registry-1", "main", true, FullContent()}; }

Observation FullObservation() {
  Observation o;
  o.remote_id = "TK0123";
  o.item_ids = {{"origination_urls", {{"main", "OU9"}}}, {"none", {}}};
  o.create_pending = true;
  o.candidates = {"TK1", "TK2"};
  o.lookup_done = true;
  o.read = true;
  o.exists = true;
  o.content = FullContent();
  o.read_only = {{"sid", std::string("TK0123")},
                 {"date_created", std::string("2026-01-01")},
                 {"count", int64_t{1} << 40}};
  o.progress = {{"cursor", "page=2"}, {"binary", kBinary}};
  Observation found;
  found.remote_id = "TK7";
  found.read = true;
  found.exists = true;
  found.content.fields = {{"friendly_name", std::string("found")}};
  found.item_ids = {{"origination_urls", {{"OU7", "OU7"}}}};
  Observation second = found;
  second.remote_id = "TK8";
  second.scan_done = true;
  o.found = {found, second};
  o.scan_done = true;
  return o;
}

Step StepOf(StepKind kind) {
  Step s;
  s.kind = kind;
  s.target = "origination_urls/main";
  s.request.method = "POST";
  s.request.path = "/v1/Trunks/TK0123/OriginationUrls";
  s.request.query = {{"PageSize", "50"}, {"PageSize", "51"}, {"empty", ""}};
  s.request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-Bin", kBinary}};
  s.request.body = "FriendlyName=hq&" + kBinary;
  return s;
}

HttpResponse FullResponse() {
  return HttpResponse{
      429, {{"Retry-After", "3"}, {"X-Bin", kBinary}}, "{\"code\":20429}" + kBinary};
}

void ExpectSameResponse(const HttpResponse& a, const HttpResponse& b) {
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.headers, b.headers);
  EXPECT_EQ(a.body, b.body);
}

// Whatever DecodeX throws for `bytes`: its message, or a failure when it did not throw
// std::runtime_error.
template <typename Decode>
std::string MalformedMessage(Decode decode, const std::string& bytes) {
  try {
    decode(bytes);
  } catch (const std::runtime_error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw " << typeid(e).name() << ", not std::runtime_error: " << e.what();
    return "";
  }
  ADD_FAILURE() << "decoded";
  return "";
}

// ---- round trips ----

TEST(SyncCodecTest, PlanInputWithEveryFieldSetSurvivesARoundTrip) {
  const PlanInput in{FullDesired(), FullObservation()};
  const PlanInput back = DecodePlanInput(EncodePlanInput(in));
  EXPECT_EQ(back.desired, in.desired);
  EXPECT_EQ(back.observation, in.observation);
  EXPECT_EQ(EncodePlanInput(back), EncodePlanInput(in));
}

TEST(SyncCodecTest, EachContentPartOfTheDesiredTrunkSurvivesAlone) {
  const TrunkContent full = FullContent();
  TrunkContent fields, singletons, items, attachments;
  fields.fields = full.fields;
  singletons.singletons = full.singletons;
  items.items = full.items;
  attachments.attachments = full.attachments;
  for (const TrunkContent& content : {fields, singletons, items, attachments, TrunkContent{}}) {
    const PlanInput in{DesiredTrunk{"t1", "a", false, content}, Observation{}};
    const PlanInput back = DecodePlanInput(EncodePlanInput(in));
    ASSERT_TRUE(back.desired.has_value());
    EXPECT_EQ(back.desired->content, content);
    EXPECT_EQ(back.desired, in.desired);
  }
}

TEST(SyncCodecTest, PlanInputWithoutDesiredIsAnImportScan) {
  const PlanInput in{std::nullopt, FullObservation()};
  const PlanInput back = DecodePlanInput(EncodePlanInput(in));
  EXPECT_FALSE(back.desired.has_value());
  EXPECT_EQ(back.observation, in.observation);
  ASSERT_EQ(back.observation.found.size(), 2u);
  EXPECT_EQ(back.observation.found[1].remote_id, "TK8");
}

TEST(SyncCodecTest, StepsOfEveryKindSurviveARoundTrip) {
  std::vector<Step> steps;
  for (StepKind kind : {StepKind::kRead, StepKind::kLookup, StepKind::kCreate, StepKind::kUpdate,
                        StepKind::kDelete}) {
    steps.push_back(StepOf(kind));
  }
  const std::vector<Step> back = DecodeSteps(EncodeSteps(steps));
  EXPECT_EQ(back, steps);
  EXPECT_EQ(back[4].request.headers[1].second, kBinary);
}

TEST(SyncCodecTest, NoStepsMeansConverged) {
  EXPECT_EQ(DecodeSteps(EncodeSteps({})), std::vector<Step>{});
}

TEST(SyncCodecTest, AbsorbInputWithEveryFieldSetSurvivesARoundTrip) {
  for (StepKind kind : {StepKind::kRead, StepKind::kLookup, StepKind::kCreate, StepKind::kUpdate,
                        StepKind::kDelete}) {
    const AbsorbInput in{FullDesired(), FullObservation(), StepOf(kind), FullResponse()};
    const AbsorbInput back = DecodeAbsorbInput(EncodeAbsorbInput(in));
    EXPECT_EQ(back.desired, in.desired);
    EXPECT_EQ(back.observation, in.observation);
    EXPECT_EQ(back.step, in.step);
    ExpectSameResponse(back.response, in.response);
  }
  const AbsorbInput scan{std::nullopt, Observation{}, StepOf(StepKind::kLookup), HttpResponse{}};
  EXPECT_FALSE(DecodeAbsorbInput(EncodeAbsorbInput(scan)).desired.has_value());
}

TEST(SyncCodecTest, AbsorbResultWithAnObservationSurvivesARoundTrip) {
  const AbsorbResult back = DecodeAbsorbResult(EncodeAbsorbResult({FullObservation(), {}}));
  EXPECT_EQ(back.observation, FullObservation());
  EXPECT_FALSE(back.error.has_value());
}

TEST(SyncCodecTest, AbsorbResultWithAnErrorSurvivesARoundTripWithAndWithoutRetryAfter) {
  SyncError error{8, true, "slow down", "friendly_name", "20429", "Too many requests", 3500};
  SyncError no_delay = error;
  no_delay.retry_after_ms.reset();
  SyncError zero_delay = error;
  zero_delay.retry_after_ms = 0;
  for (const SyncError& e : {error, no_delay, zero_delay}) {
    const AbsorbResult back = DecodeAbsorbResult(EncodeAbsorbResult({std::nullopt, e}));
    EXPECT_FALSE(back.observation.has_value());
    EXPECT_EQ(back.error, e);
  }
}

TEST(SyncCodecTest, AbsorbResultWithNeitherEncodesAnEmptyObservation) {
  const AbsorbResult back = DecodeAbsorbResult(EncodeAbsorbResult({}));
  EXPECT_EQ(back.observation, Observation{});
  EXPECT_FALSE(back.error.has_value());
}

// ---- absent and unknown keys ----

TEST(SyncCodecTest, AbsentKeysDecodeToZeroValues) {
  const std::string empty = Packed([](auto& pk) { pk.pack_map(0); });
  const PlanInput plan = DecodePlanInput(empty);
  EXPECT_FALSE(plan.desired.has_value());
  EXPECT_EQ(plan.observation, Observation{});

  const std::string empty_parts = Packed([](auto& pk) {
    pk.pack_map(4).pack("desired").pack_map(0).pack("observation").pack_map(0);
    pk.pack("step").pack_map(0).pack("response").pack_map(0);
  });
  const AbsorbInput absorb = DecodeAbsorbInput(empty_parts);
  EXPECT_EQ(absorb.desired, DesiredTrunk{});
  EXPECT_EQ(absorb.observation, Observation{});
  EXPECT_EQ(absorb.step, Step{});
  ExpectSameResponse(absorb.response, HttpResponse{});
  EXPECT_EQ(DecodeAbsorbInput(empty).step, Step{});

  EXPECT_EQ(DecodeSteps(empty), std::vector<Step>{});
  const std::string bare_step =
      Packed([](auto& pk) { pk.pack_map(1).pack("steps").pack_array(1).pack_map(0); });
  EXPECT_EQ(DecodeSteps(bare_step), std::vector<Step>{Step{}});

  const std::string bare_error = Packed([](auto& pk) { pk.pack_map(1).pack("error").pack_map(0); });
  const AbsorbResult result = DecodeAbsorbResult(bare_error);
  EXPECT_EQ(result.error, SyncError{});  // code 13 (internal), as SyncError's default
  EXPECT_FALSE(result.observation.has_value());
}

TEST(SyncCodecTest, UnknownKeysAreIgnoredAtEveryLevel) {
  const auto unknown = [](auto& pk) { pk.pack("added_later").pack_array(1).pack_map(0); };
  const std::string bytes = Packed([&](auto& pk) {
    pk.pack_map(5);
    pk.pack("desired").pack_map(2).pack("id").pack("t1");
    unknown(pk);
    pk.pack("observation").pack_map(3).pack("remote_id").pack("TK1");
    pk.pack("content").pack_map(1);
    unknown(pk);
    unknown(pk);
    pk.pack("step").pack_map(3).pack("kind").pack("delete");
    pk.pack("request").pack_map(2).pack("method").pack("DELETE");
    unknown(pk);
    unknown(pk);
    pk.pack("response").pack_map(2).pack("status").pack(204);
    unknown(pk);
    unknown(pk);
  });
  const AbsorbInput in = DecodeAbsorbInput(bytes);
  ASSERT_TRUE(in.desired.has_value());
  EXPECT_EQ(in.desired->id, "t1");
  EXPECT_EQ(in.observation.remote_id, "TK1");
  EXPECT_EQ(in.observation.content, TrunkContent{});
  EXPECT_EQ(in.step.kind, StepKind::kDelete);
  EXPECT_EQ(in.step.request.method, "DELETE");
  EXPECT_EQ(in.response.status, 204);

  const std::string result = Packed([&](auto& pk) {
    pk.pack_map(2);
    unknown(pk);
    pk.pack("error").pack_map(2).pack("code").pack(14);
    unknown(pk);
  });
  EXPECT_EQ(DecodeAbsorbResult(result).error->code, 14);
}

// ---- malformed input ----

struct MalformedCase {
  const char* what;
  std::string bytes;
  const char* names;  // what the message must contain
};

std::vector<MalformedCase> MalformedPlanInputs() {
  const auto obs = [](auto write) {
    return Packed([&](auto& pk) {
      pk.pack_map(1).pack("observation");
      write(pk);
    });
  };
  const auto content = [&](auto write) {
    return obs([&](auto& pk) {
      pk.pack_map(1).pack("content");
      write(pk);
    });
  };
  return {
      {"not a map", Packed([](auto& pk) { pk.pack_array(0); }), "plan input: expected a map"},
      {"remote_id an int", obs([](auto& pk) { pk.pack_map(1).pack("remote_id").pack(1); }),
       "\"remote_id\""},
      {"read a string", obs([](auto& pk) { pk.pack_map(1).pack("read").pack("yes"); }), "\"read\""},
      {"candidates of ints",
       obs([](auto& pk) { pk.pack_map(1).pack("candidates").pack_array(1).pack(1); }),
       "\"candidates\""},
      {"item_ids with an int key",
       obs([](auto& pk) { pk.pack_map(1).pack("item_ids").pack_map(1).pack(3).pack_map(0); }),
       "\"item_ids\""},
      {"progress with an int value",
       obs([](auto& pk) { pk.pack_map(1).pack("progress").pack_map(1).pack("k").pack(3); }),
       "\"progress\""},
      {"found not an array", obs([](auto& pk) { pk.pack_map(1).pack("found").pack_map(0); }),
       "\"found\": expected an array"},
      {"read_only with a float",
       obs([](auto& pk) { pk.pack_map(1).pack("read_only").pack_map(1).pack("f").pack(1.5); }),
       "\"read_only\": \"f\" is not a bool, an int64 or a string"},
      {"fields with an int key",
       content([](auto& pk) { pk.pack_map(1).pack("fields").pack_map(1).pack(1).pack("x"); }),
       "\"fields\": a key is not a string"},
      {"fields with a uint64 past int64", content([](auto& pk) {
         pk.pack_map(1).pack("fields").pack_map(1).pack("n").pack(uint64_t{1} << 63);
       }),
       "\"fields\": \"n\" is not a bool, an int64 or a string"},
      {"singletons not a map",
       content([](auto& pk) { pk.pack_map(1).pack("singletons").pack_array(0); }),
       "\"singletons\": expected a map"},
      {"singletons with an int key",
       content([](auto& pk) { pk.pack_map(1).pack("singletons").pack_map(1).pack(1).pack_map(0); }),
       "\"singletons\": a key is not a string"},
      {"items of a collection not a map",
       content([](auto& pk) { pk.pack_map(1).pack("items").pack_map(1).pack("c").pack_array(0); }),
       "\"items\": expected a map"},
      {"items with an int item id", content([](auto& pk) {
         pk.pack_map(1).pack("items").pack_map(1).pack("c").pack_map(1).pack(7).pack_map(0);
       }),
       "\"items\": a key is not a string"},
      {"attachments of ints", content([](auto& pk) {
         pk.pack_map(1).pack("attachments").pack_map(1).pack("n").pack_array(1).pack(1);
       }),
       "\"attachments\""},
      {"desired id an array", Packed([](auto& pk) {
         pk.pack_map(1).pack("desired").pack_map(1).pack("id").pack_array(0);
       }),
       "\"id\""},
      {"desired deleted an int",
       Packed([](auto& pk) { pk.pack_map(1).pack("desired").pack_map(1).pack("deleted").pack(1); }),
       "\"deleted\""},
  };
}

TEST(SyncCodecTest, MalformedPlanInputsThrowRuntimeErrorNamingWhatIsWrong) {
  for (const MalformedCase& c : MalformedPlanInputs()) {
    SCOPED_TRACE(c.what);
    EXPECT_THAT(MalformedMessage(DecodePlanInput, c.bytes), HasSubstr(c.names));
  }
}

TEST(SyncCodecTest, MalformedStepsThrowRuntimeErrorNamingWhatIsWrong) {
  const auto step = [](auto write) {
    return Packed([&](auto& pk) {
      pk.pack_map(1).pack("steps").pack_array(1);
      write(pk);
    });
  };
  const auto request = [&](auto write) {
    return step([&](auto& pk) {
      pk.pack_map(1).pack("request");
      write(pk);
    });
  };
  const std::vector<MalformedCase> cases = {
      {"steps a map", Packed([](auto& pk) { pk.pack_map(1).pack("steps").pack_map(0); }),
       "\"steps\": expected an array"},
      {"bad kind", step([](auto& pk) { pk.pack_map(1).pack("kind").pack("patch"); }),
       "step kind \"patch\""},
      {"kind in capitals", step([](auto& pk) { pk.pack_map(1).pack("kind").pack("READ"); }),
       "step kind \"READ\""},
      {"kind an int", step([](auto& pk) { pk.pack_map(1).pack("kind").pack(1); }), "\"kind\""},
      {"target a bool", step([](auto& pk) { pk.pack_map(1).pack("target").pack(true); }),
       "\"target\""},
      {"method nil", request([](auto& pk) { pk.pack_map(1).pack("method").pack_nil(); }),
       "\"method\""},
      {"query not an array", request([](auto& pk) { pk.pack_map(1).pack("query").pack_map(0); }),
       "\"query\": not an array"},
      {"a query pair of three", request([](auto& pk) {
         pk.pack_map(1).pack("query").pack_array(1).pack_array(3).pack("a").pack("b").pack("c");
       }),
       "\"query\": an entry is not a pair of strings"},
      {"a header pair with an int", request([](auto& pk) {
         pk.pack_map(1).pack("headers").pack_array(1).pack_array(2).pack("a").pack(1);
       }),
       "\"headers\": an entry is not a pair of strings"},
      {"body an int", request([](auto& pk) { pk.pack_map(1).pack("body").pack(5); }), "\"body\""},
      {"trailing bytes", EncodeSteps({StepOf(StepKind::kRead)}) + '\xc0', "trailing bytes"},
      {"cut short", EncodeSteps({StepOf(StepKind::kRead)}).substr(0, 20), "msgpack"},
      {"empty", "", "msgpack"},
  };
  for (const MalformedCase& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_THAT(MalformedMessage(DecodeSteps, c.bytes), HasSubstr(c.names));
  }
}

TEST(SyncCodecTest, MalformedAbsorbInputsThrowRuntimeErrorNamingWhatIsWrong) {
  const auto response = [](auto write) {
    return Packed([&](auto& pk) {
      pk.pack_map(1).pack("response");
      write(pk);
    });
  };
  const std::vector<MalformedCase> cases = {
      {"not a map", Packed([](auto& pk) { pk.pack("x"); }), "absorb input: expected a map"},
      {"status a string", response([](auto& pk) { pk.pack_map(1).pack("status").pack("200"); }),
       "\"status\""},
      {"status past int", response([](auto& pk) { pk.pack_map(1).pack("status").pack(1ll << 40); }),
       "\"status\""},
      {"response headers not pairs",
       response([](auto& pk) { pk.pack_map(1).pack("headers").pack_array(1).pack("h"); }),
       "\"headers\": an entry is not a pair of strings"},
      {"bad step kind",
       Packed([](auto& pk) { pk.pack_map(1).pack("step").pack_map(1).pack("kind").pack(""); }),
       "step kind \"\""},
      {"trailing bytes",
       EncodeAbsorbInput(
           {FullDesired(), FullObservation(), StepOf(StepKind::kCreate), FullResponse()}) +
           "\x01",
       "trailing bytes"},
  };
  for (const MalformedCase& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_THAT(MalformedMessage(DecodeAbsorbInput, c.bytes), HasSubstr(c.names));
  }
}

TEST(SyncCodecTest, MalformedAbsorbResultsThrowRuntimeErrorNamingWhatIsWrong) {
  const auto error = [](auto write) {
    return Packed([&](auto& pk) {
      pk.pack_map(1).pack("error");
      write(pk);
    });
  };
  const std::vector<MalformedCase> cases = {
      {"neither", Packed([](auto& pk) { pk.pack_map(1).pack("observations").pack_map(0); }),
       "absorb result: neither \"observation\" nor \"error\""},
      {"empty map", Packed([](auto& pk) { pk.pack_map(0); }), "neither"},
      {"code a string", error([](auto& pk) { pk.pack_map(1).pack("code").pack("14"); }),
       "\"code\""},
      {"code past int32", error([](auto& pk) { pk.pack_map(1).pack("code").pack(1ll << 31); }),
       "\"code\""},
      {"retryable an int", error([](auto& pk) { pk.pack_map(1).pack("retryable").pack(1); }),
       "\"retryable\""},
      {"message an array", error([](auto& pk) { pk.pack_map(1).pack("message").pack_array(0); }),
       "\"message\""},
      {"retry_after_ms nil",
       error([](auto& pk) { pk.pack_map(1).pack("retry_after_ms").pack_nil(); }),
       "\"retry_after_ms\""},
      {"retry_after_ms past int64",
       error([](auto& pk) { pk.pack_map(1).pack("retry_after_ms").pack(~uint64_t{0}); }),
       "\"retry_after_ms\""},
      {"trailing bytes", EncodeAbsorbResult({Observation{}, {}}) + "\x90", "trailing bytes"},
  };
  for (const MalformedCase& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_THAT(MalformedMessage(DecodeAbsorbResult, c.bytes), HasSubstr(c.names));
  }
}

// A part of the grammar that must be a map but is not: a runtime_error (its message says a
// map was expected, though not under which key).
TEST(SyncCodecTest, AMessagePartThatIsNotAMapIsMalformed) {
  const std::vector<std::pair<const char*, std::string>> absorb_results = {
      {"top-level array", Packed([](auto& pk) { pk.pack_array(0); })},
      {"observation nil", Packed([](auto& pk) { pk.pack_map(1).pack("observation").pack_nil(); })},
      {"error an int", Packed([](auto& pk) { pk.pack_map(1).pack("error").pack(5); })},
  };
  for (const auto& [what, bytes] : absorb_results) {
    EXPECT_THAT(MalformedMessage(DecodeAbsorbResult, bytes), HasSubstr("expected a map")) << what;
  }
  const std::vector<std::pair<const char*, std::string>> plan_inputs = {
      {"desired an int", Packed([](auto& pk) { pk.pack_map(1).pack("desired").pack(5); })},
      {"content a string", Packed([](auto& pk) {
         pk.pack_map(1).pack("observation").pack_map(1).pack("content").pack("x");
       })},
      {"a found entry an int", Packed([](auto& pk) {
         pk.pack_map(1).pack("observation").pack_map(1).pack("found").pack_array(1).pack(5);
       })},
  };
  for (const auto& [what, bytes] : plan_inputs) {
    EXPECT_THAT(MalformedMessage(DecodePlanInput, bytes), HasSubstr("expected a map")) << what;
  }
  const std::vector<std::pair<const char*, std::string>> steps = {
      {"top-level array", Packed([](auto& pk) { pk.pack_array(0); })},
      {"a step an int",
       Packed([](auto& pk) { pk.pack_map(1).pack("steps").pack_array(1).pack(5); })},
      {"request an array", Packed([](auto& pk) {
         pk.pack_map(1).pack("steps").pack_array(1).pack_map(1).pack("request").pack_array(0);
       })},
  };
  for (const auto& [what, bytes] : steps) {
    EXPECT_THAT(MalformedMessage(DecodeSteps, bytes), HasSubstr("expected a map")) << what;
  }
  const std::string response = Packed([](auto& pk) { pk.pack_map(1).pack("response").pack_nil(); });
  EXPECT_THAT(MalformedMessage(DecodeAbsorbInput, response), HasSubstr("expected a map"));
}

// A plan input whose observation holds an unknown key with `levels` nested arrays.
std::string NestedUnknown(int levels) {
  std::string bytes =
      Packed([](auto& pk) { pk.pack_map(1).pack("observation").pack_map(1).pack("added_later"); });
  bytes += std::string(levels, '\x91');  // fixarray of one
  bytes += '\xc0';
  return bytes;
}

TEST(SyncCodecTest, NestingDeeperThanTheLimitIsMalformed) {
  // The two maps above the arrays count; the limit is 32.
  EXPECT_NO_THROW(DecodePlanInput(NestedUnknown(30)));
  EXPECT_THAT(MalformedMessage(DecodePlanInput, NestedUnknown(31)),
              HasSubstr("nested deeper than 32"));
  std::string arrays(100, '\x91');
  arrays += '\xc0';
  const std::string deep = Packed([](auto& pk) { pk.pack_map(1).pack("steps"); }) + arrays;
  EXPECT_THAT(MalformedMessage(DecodeSteps, deep), HasSubstr("nested deeper than 32"));
  EXPECT_THAT(MalformedMessage(DecodeAbsorbResult, arrays), HasSubstr("nested deeper than 32"));
}

TEST(SyncCodecTest, CountsBeyondTheInputAreMalformedBeforeAnyAllocation) {
  const std::string huge =
      Packed([](auto& pk) { pk.pack_map(1).pack("steps").pack_array(0xffffffff); });
  EXPECT_THAT(MalformedMessage(DecodeSteps, huge), HasSubstr("more than the input holds"));
  const std::string huge_map = Packed([](auto& pk) {
    pk.pack_map(1).pack("observation").pack_map(1).pack("progress").pack_map(0x7fffffff);
  });
  EXPECT_THAT(MalformedMessage(DecodePlanInput, huge_map), HasSubstr("more than the input holds"));
}

}  // namespace
}  // namespace trunkline::plugin_sdk
