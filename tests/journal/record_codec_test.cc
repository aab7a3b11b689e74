// Decoding of stored records and command entries: round trips and every way the bytes can be
// wrong.
#include "record_codec.h"

#include <gtest/gtest.h>

#include <msgpack.hpp>

namespace trunkline::journal::internal {
namespace {

const std::string kStream = "trunk-1";
const std::string kHash(kHashSize, '\x07');

std::string Value(std::string body) { return body + kHash; }

std::string ValidBody() {
  std::string body;
  AppendRecordBody({42, &kStream, 3, -5}, {"alice", "why", "cmd-1", ""},
                   {"TrunkUpdated", 2, std::string("\x81\xa1k\x01", 4)}, &body);
  return body;
}

// A record body with `fields` elements, built element by element.
template <typename... Fields>
std::string BodyOf(const Fields&... fields) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(sizeof...(fields));
  (pk.pack(fields), ...);
  return std::string(buffer.data(), buffer.size());
}

TEST(RecordCodecTest, DecodesWhatItEncodes) {
  const std::string value = Value(ValidBody());
  Result<RecordView> r = DecodeRecord(value);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->position, 42u);
  EXPECT_EQ(r->stream, kStream);
  EXPECT_EQ(r->version, 3u);
  EXPECT_EQ(r->type, "TrunkUpdated");
  EXPECT_EQ(r->schema_version, 2u);
  EXPECT_EQ(r->timestamp_us, -5);
  EXPECT_EQ(r->actor, "alice");
  EXPECT_EQ(r->reason, "why");
  EXPECT_EQ(r->command_id, "cmd-1");
  EXPECT_EQ(r->correlation_id, "");
  EXPECT_EQ(r->payload, std::string("\x81\xa1k\x01", 4));
  EXPECT_EQ(std::string(r->hash.begin(), r->hash.end()), kHash);
  // Zero-copy: the views point into the stored value.
  EXPECT_GE(r->stream.data(), value.data());
  EXPECT_LT(r->stream.data(), value.data() + value.size());
}

TEST(RecordCodecTest, EveryTruncationIsDataLoss) {
  const std::string value = Value(ValidBody());
  for (size_t n = 0; n < value.size(); ++n) {
    Result<RecordView> r = DecodeRecord(value.substr(0, n));
    ASSERT_FALSE(r.ok()) << "a " << n << "-byte prefix decoded";
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << n << ": " << r.status();
  }
}

TEST(RecordCodecTest, RefusesMalformedBodies) {
  struct Case {
    const char* name;
    std::string body;
    const char* message;
  };
  const std::map<std::string, int> nested{{"a", 1}};
  const std::vector<Case> cases = {
      {"not an array", BodyOf(1, 2).substr(1), "not a msgpack array"},
      {"a map",
       [] {
         msgpack::sbuffer b;
         msgpack::pack(b, std::map<std::string, int>{{"a", 1}});
         return std::string(b.data(), b.size());
       }(),
       "not a msgpack array"},
      {"too few fields", BodyOf(1u, 42u, kStream), "has 3 fields, expected 12"},
      {"a string where a number belongs",
       BodyOf(1u, std::string("42"), kStream, 3u, std::string("T"), 1u, 0, std::string(),
              std::string(), std::string("c"), std::string(), std::string()),
       "wrong type"},
      {"a map where the actor belongs",
       BodyOf(1u, 42u, kStream, 3u, std::string("T"), 1u, 0, nested, std::string(),
              std::string("c"), std::string(), std::string()),
       "wrong type"},
      {"far too many fields", BodyOf(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17),
       "longer than any"},
      {"trailing bytes", ValidBody() + '\x01', "trailing bytes"},
  };
  for (const Case& c : cases) {
    Result<RecordView> r = DecodeRecord(Value(c.body));
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << c.name;
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << c.name << ": " << r.status();
  }
}

TEST(RecordCodecTest, ANewerRecordFormatIsNamed) {
  std::string body = ValidBody();
  body[1] = 2;  // the format, a positive fixint right after the array header
  Result<RecordView> r = DecodeRecord(Value(body));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("record format 2"), std::string::npos) << r.status();
}

TEST(RecordCodecTest, CommandEntriesRoundTrip) {
  CommandEntry entry;
  entry.receipt.stream = kStream;
  entry.receipt.first_version = 1;
  entry.receipt.last_version = 2;
  entry.receipt.first_position = 10;
  entry.receipt.last_position = 11;
  entry.receipt.timestamp_us = 99;
  entry.digest.fill(3);
  Result<CommandEntry> back = DecodeCommandEntry(EncodeCommandEntry(entry));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->receipt.stream, kStream);
  EXPECT_EQ(back->receipt.last_position, 11u);
  EXPECT_EQ(back->receipt.timestamp_us, 99);
  EXPECT_EQ(back->digest, entry.digest);
  EXPECT_EQ(DecodeCommandEntry(BodyOf(kStream, 1u)).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace trunkline::journal::internal
