// Inputs that once crashed or misled a decoder, one test each. Found by reading the decoders
// and by the generated-input suite (decoder_fuzz_test.cc); each test failed or crashed
// before its fix.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <msgpack.hpp>

#include "record_codec.h"
#include "trunkline/api/json.h"
#include "trunkline/api/parse.h"
#include "trunkline/domain/event_codec.h"
#include "trunkline/domain/state_codec.h"
#include "trunkline/plugin_sdk/schema_codec.h"
#include "trunkline/plugin_sdk/sync_codec.h"

namespace trunkline::domain {
namespace {

using ::testing::HasSubstr;

template <typename Write>
std::string Packed(Write write) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  write(pk);
  return std::string(buffer.data(), buffer.size());
}

// A top-level key this build does not know, with a scalar value, used to send the error
// path to the key-name table at the index one past its end.
TEST(EventCodecRegressionTest, UnknownTopLevelKeyWithAScalarValueIsSkipped) {
  const std::string payload = Packed([](auto& pk) {
    pk.pack_map(3).pack("sub").pack("nums").pack("note").pack("added later");
    pk.pack("id").pack("1");
  });
  auto decoded = DecodeEvent("Attached", 1, payload);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(*decoded == Event(Attached{"nums", "1"}));
}

// A map as a key inside "singletons" used to be read as a singleton's values before any
// singleton name was read: a null dereference.
TEST(EventCodecRegressionTest, MapKeyInsideSingletonsIsDataLossNamingSingletons) {
  const std::string payload = Packed([](auto& pk) {
    pk.pack_map(4).pack("provider").pack("p").pack("account").pack("a");
    pk.pack("fields").pack_map(0);
    pk.pack("singletons").pack_map(1).pack_map(1).pack("x").pack(1).pack_map(0);
  });
  auto decoded = DecodeEvent("TrunkCreated", 2, payload);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(decoded.status().message(), HasSubstr("\"singletons\""));
}

// A key this build does not know is skipped whatever the msgpack type of its value.
TEST(EventCodecRegressionTest, UnknownTopLevelKeyOfEveryValueTypeIsSkipped) {
  const std::vector<std::pair<const char*, std::string>> values = {
      {"nil", Packed([](auto& pk) { pk.pack_nil(); })},
      {"bool", Packed([](auto& pk) { pk.pack(true); })},
      {"uint", Packed([](auto& pk) { pk.pack(uint64_t{1} << 63); })},
      {"int", Packed([](auto& pk) { pk.pack(int64_t{-7}); })},
      {"float", Packed([](auto& pk) { pk.pack(1.5); })},
      {"str", Packed([](auto& pk) { pk.pack("s"); })},
      {"bin", Packed([](auto& pk) { pk.pack_bin(1).pack_bin_body("b", 1); })},
      {"ext", Packed([](auto& pk) { pk.pack_ext(1, 3).pack_ext_body("e", 1); })},
      {"array", Packed([](auto& pk) { pk.pack_array(1).pack(1); })},
      {"map", Packed([](auto& pk) { pk.pack_map(1).pack(1).pack_map(0); })},
  };
  for (const auto& [name, value] : values) {
    std::string payload = Packed([](auto& pk) {
      pk.pack_map(3).pack("sub").pack("nums").pack("id").pack("1").pack("later");
    });
    payload += value;
    auto decoded = DecodeEvent("Attached", 1, payload);
    ASSERT_TRUE(decoded.ok()) << name << ": " << decoded.status();
    EXPECT_TRUE(*decoded == Event(Attached{"nums", "1"})) << name;
  }
}

// An array as a top-level key used to be read as more of the previous key's value.
TEST(EventCodecRegressionTest, ContainerAsTopLevelKeyIsDataLoss) {
  const std::string payload = Packed([](auto& pk) {
    pk.pack_map(3).pack("set").pack_map(0).pack("unset").pack_array(1).pack("a");
    pk.pack_array(1).pack("b").pack_array(1).pack("c");
  });
  auto decoded = DecodeEvent("TrunkUpdated", 1, payload);
  ASSERT_FALSE(decoded.ok()) << "decoded " << EncodeEvent(*decoded).payload.size() << " bytes";
  EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(decoded.status().message(), HasSubstr("a key is not a string"));
}

// A map or array header announcing four billion entries, with none following: refused
// without reserving room for them (which used to throw std::bad_alloc out of DecodeEvent).
TEST(EventCodecRegressionTest, HugeCountsAreDataLoss) {
  const std::string fields = Packed([](auto& pk) {
    pk.pack_map(3).pack("sub").pack("items").pack("item").pack("i1").pack("fields");
    pk.pack_map(0xffffffff);
  });
  const std::string unset = Packed([](auto& pk) {
    pk.pack_map(2).pack("set").pack_map(0).pack("unset").pack_array(0xffffffff);
  });
  for (const auto& [type, payload] :
       {std::pair{"SubResourceItemAdded", fields}, std::pair{"TrunkUpdated", unset}}) {
    auto decoded = DecodeEvent(type, 1, payload);
    ASSERT_FALSE(decoded.ok()) << type;
    EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss) << type;
  }
}

// A count no input of this size can hold is refused as such, before msgpack reserves
// memory for it (it used to ask for hundreds of GiB and report std::bad_alloc).
TEST(StateCodecRegressionTest, CountsBeyondTheInputAreRefusedUpFront) {
  TrunkState state;
  state.id = "t1";
  std::string bytes;
  AppendTrunkState(state, &bytes);
  // The fields map (the 8th element, an empty fixmap 0x80) claims 2^32 - 1 entries.
  const size_t at = bytes.find('\x80');
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 1, "\xdf\xff\xff\xff\xff");
  size_t offset = 0;
  auto decoded = ReadTrunkState(bytes, &offset);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(decoded.status().message(), HasSubstr("more than the input holds"));
}

// Plugin SDK decoders promise std::runtime_error for malformed input; msgpack's own
// type_error (a std::bad_cast) used to escape from these.
TEST(SchemaCodecRegressionTest, MalformedTrunkFactsThrowRuntimeError) {
  const std::string int_key =
      Packed([](auto& pk) { pk.pack_map(1).pack("fields").pack_map(1).pack(7).pack("x"); });
  const std::string huge_int = Packed([](auto& pk) {
    pk.pack_map(1).pack("fields").pack_map(1).pack("n").pack(uint64_t{1} << 63);
  });
  for (const std::string& bytes : {int_key, huge_int}) {
    try {
      plugin_sdk::DecodeTrunkFacts(bytes);
      ADD_FAILURE() << "decoded";
    } catch (const std::runtime_error& e) {
      EXPECT_THAT(e.what(), HasSubstr("\"fields\""));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw " << typeid(e).name() << ": " << e.what();
    }
  }
}

TEST(SchemaCodecRegressionTest, HugeCountsAndTrailingBytesAreMalformed) {
  std::string huge = Packed([](auto& pk) { pk.pack_map(1).pack("fields").pack_array(0xffffffff); });
  std::string trailing = plugin_sdk::EncodeViolations({{"f", "r"}}) + '\xc0';
  for (const std::string& bytes : {huge, trailing}) {
    EXPECT_THROW(
        {
          try {
            plugin_sdk::DecodeViolations(bytes);
          } catch (const std::runtime_error& e) {
            EXPECT_THAT(e.what(), ::testing::AnyOf(HasSubstr("more than the input holds"),
                                                   HasSubstr("trailing bytes")));
            throw;
          }
        },
        std::runtime_error);
  }
}

// An observation nested in `found` as deep as the decoder's nesting limit allows, its innermost
// one an empty map, decodes; its re-encoding writes every key of every observation (an empty
// "content" and "found" among them), two levels deeper than the limit, and no longer decodes:
// an adapter handed this plan input answers with an observation the host cannot read. Found
// by reading the codec; the generated inputs rarely nest this deep. The grammar now bounds it:
// an observation in "found" holds no "found" of its own (no adapter makes one), so such an
// input is refused.
TEST(SyncCodecRegressionTest, ADecodedPlanInputReEncodesToBytesThatDecode) {
  const std::string input = Packed([](auto& pk) {
    pk.pack_map(1).pack("observation");
    for (int i = 0; i < 15; ++i) pk.pack_map(1).pack("found").pack_array(1);
    pk.pack_map(0);
  });
  std::string again;
  try {
    again = plugin_sdk::EncodePlanInput(plugin_sdk::DecodePlanInput(input));
  } catch (const std::runtime_error& e) {
    SUCCEED() << "refused: " << e.what();  // as good: the contract is one or the other
    return;
  }
  EXPECT_NO_THROW(plugin_sdk::DecodePlanInput(again));
}

// Record and command-entry errors name the field at fault (they used to say only that some
// field had the wrong type).
TEST(RecordCodecRegressionTest, WrongFieldTypesAreNamed) {
  const std::string stream = "trunk-1";
  std::string body;
  journal::internal::AppendRecordBody({1, &stream, 1, 0}, {"a", "r", "c", ""}, {"T", 1, "p"},
                                      &body);
  // The actor (the 8th field, fixstr "a" = a1 61) becomes the integer 1.
  const size_t actor = body.find("\xa1\x61");
  ASSERT_NE(actor, std::string::npos);
  body.replace(actor, 2, "\x01");
  auto record =
      journal::internal::DecodeRecord(body + std::string(journal::internal::kHashSize, '\0'));
  ASSERT_FALSE(record.ok());
  EXPECT_THAT(record.status().message(), HasSubstr("\"actor\""));

  journal::internal::CommandEntry entry;
  entry.receipt.stream = stream;
  std::string bytes = journal::internal::EncodeCommandEntry(entry);
  bytes.resize(bytes.size() - 1);
  bytes[bytes.size() - 32] = 31;  // the digest's bin8 length
  auto decoded = journal::internal::DecodeCommandEntry(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_THAT(decoded.status().message(), HasSubstr("\"digest\" is 31 bytes"));
}

// A time before 1970 with a fraction of a second used to be written with a negative fraction
// ("1970-01-01T00:00:00.-500000Z" for half a second before the epoch), which no parser
// takes back: trunkctl --server sent it as its --as-of. Found by decoder_fuzz_test.
TEST(TimeTextRegressionTest, TimesBeforeTheEpochAreWrittenAsTheyAreParsed) {
  auto before = api::ParseTime("1969-12-31T23:59:59.5Z");
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(*before, -500'000);
  EXPECT_EQ(api::FormatTime(*before), "1969-12-31T23:59:59.500000Z");
  auto oldest = api::ParseTime("0000-01-01T00:00:00.000001Z");
  ASSERT_TRUE(oldest.ok()) << oldest.status();
  EXPECT_EQ(api::FormatTime(*oldest), "0000-01-01T00:00:00.000001Z");
}

}  // namespace
}  // namespace trunkline::domain
