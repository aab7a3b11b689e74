// Record and command-entry encodings. Grammar (msgpack; see FORMAT.md for the key layout):
//
//   value         := body hash
//   body          := array(12)[ format:uint(=1) position:uint stream:str version:uint
//                               type:str schema_version:uint timestamp_us:int
//                               actor:str reason:str command_id:str correlation_id:str
//                               payload:bin ]
//   hash          := 32 raw bytes = SHA-256(previous record's hash || body)
//                    (the previous hash of position 1 is 32 zero bytes)
//
//   command_entry := array(7)[ stream:str first_version:uint last_version:uint
//                              first_position:uint last_position:uint timestamp_us:int
//                              digest:bin(32) ]
//
//   digest        := SHA-256 over, for the stream and then each event's type, schema
//                    version (4 bytes, big-endian) and payload, an 8-byte big-endian length
//                    followed by the bytes.
#include "record_codec.h"

#include <cstring>
#include <msgpack.hpp>

namespace trunkline::journal::internal {
namespace {

constexpr uint32_t kBodyFields = 12;
constexpr uint32_t kCommandFields = 7;
// Field names, in order, for errors.
constexpr const char* kBodyNames[kBodyFields] = {
    "format",       "position", "stream", "version",    "type",           "schema_version",
    "timestamp_us", "actor",    "reason", "command_id", "correlation_id", "payload"};
constexpr const char* kCommandNames[kCommandFields] = {
    "stream",        "first_version", "last_version", "first_position",
    "last_position", "timestamp_us",  "digest"};

// msgpack's packer writes through any type with write(const char*, size_t).
struct StringSink {
  std::string* out;
  void write(const char* data, size_t size) { out->append(data, size); }
};

void PackString(msgpack::packer<StringSink>& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

// The elements of a msgpack array of scalars, decoded in place without building an object
// tree: strings and bins point into the input, which must outlive them. An element that is
// itself a container keeps only its type (its contents are skipped).
struct ScalarArray {
  static constexpr uint32_t kCapacity = 16;
  msgpack::object items[kCapacity];
  uint32_t size = 0;
};

class ScalarArrayVisitor : public msgpack::null_visitor {
 public:
  enum class Failure { kNone, kNotArray, kTooLong };

  explicit ScalarArrayVisitor(ScalarArray* out) : out_(out) {}
  Failure failure() const { return failure_; }

  bool visit_nil() { return Put(Object(msgpack::type::NIL)); }
  bool visit_boolean(bool v) {
    msgpack::object o = Object(msgpack::type::BOOLEAN);
    o.via.boolean = v;
    return Put(o);
  }
  bool visit_positive_integer(uint64_t v) {
    msgpack::object o = Object(msgpack::type::POSITIVE_INTEGER);
    o.via.u64 = v;
    return Put(o);
  }
  bool visit_negative_integer(int64_t v) {
    msgpack::object o = Object(msgpack::type::NEGATIVE_INTEGER);
    o.via.i64 = v;
    return Put(o);
  }
  bool visit_float32(float v) { return visit_float64(v); }
  bool visit_float64(double v) {
    msgpack::object o = Object(msgpack::type::FLOAT64);
    o.via.f64 = v;
    return Put(o);
  }
  bool visit_str(const char* data, uint32_t size) {
    msgpack::object o = Object(msgpack::type::STR);
    o.via.str = {size, data};
    return Put(o);
  }
  bool visit_bin(const char* data, uint32_t size) {
    msgpack::object o = Object(msgpack::type::BIN);
    o.via.bin = {size, data};
    return Put(o);
  }
  bool visit_ext(const char*, uint32_t) { return Put(Object(msgpack::type::EXT)); }
  bool start_array(uint32_t n) {
    if (depth_ > 0) return Nest(msgpack::type::ARRAY);
    if (n > ScalarArray::kCapacity) return Fail(Failure::kTooLong);
    out_->size = n;
    depth_ = 1;
    return true;
  }
  bool end_array() {
    --depth_;
    return true;
  }
  bool start_map(uint32_t) { return Nest(msgpack::type::MAP); }
  bool end_map() {
    --depth_;
    return true;
  }

 private:
  static msgpack::object Object(msgpack::type::object_type type) {
    msgpack::object o;
    o.type = type;
    return o;
  }
  // Keeps a value that is an element of the top-level array; skips deeper ones.
  bool Put(const msgpack::object& o) {
    if (depth_ == 0) return Fail(Failure::kNotArray);
    if (depth_ == 1) out_->items[index_++] = o;
    return true;
  }
  bool Nest(msgpack::type::object_type container) {
    if (!Put(Object(container))) return false;
    ++depth_;
    return true;
  }
  bool Fail(Failure f) {
    failure_ = f;
    return false;
  }

  ScalarArray* out_;
  uint32_t depth_ = 0;
  uint32_t index_ = 0;
  Failure failure_ = Failure::kNone;
};

// Decodes one msgpack array of at most ScalarArray::kCapacity elements spanning all of `bytes`.
Status ParseScalarArray(std::string_view bytes, ScalarArray* out) {
  ScalarArrayVisitor visitor(out);
  size_t offset = 0;
  const bool parsed = msgpack::parse(bytes.data(), bytes.size(), offset, visitor);
  switch (visitor.failure()) {
    case ScalarArrayVisitor::Failure::kNotArray:
      return DataLossError("not a msgpack array");
    case ScalarArrayVisitor::Failure::kTooLong:
      return DataLossError("array is longer than any this build writes");
    case ScalarArrayVisitor::Failure::kNone:
      break;
  }
  if (!parsed) return DataLossError("does not decode: truncated or malformed msgpack");
  if (offset != bytes.size()) return DataLossError("trailing bytes after the encoded value");
  return OkStatus();
}

// A cursor over a decoded array that checks each element's type.
class ArrayReader {
 public:
  explicit ArrayReader(const ScalarArray& array) : array_(array) {}

  bool Uint(uint64_t* out) {
    const msgpack::object* o = NextOf(msgpack::type::POSITIVE_INTEGER);
    if (o) *out = o->via.u64;
    return o != nullptr;
  }
  bool Int(int64_t* out) {
    if (index_ >= array_.size) return false;
    const msgpack::object& o = array_.items[index_];
    if (o.type == msgpack::type::POSITIVE_INTEGER && o.via.u64 <= INT64_MAX) {
      *out = static_cast<int64_t>(o.via.u64);
    } else if (o.type == msgpack::type::NEGATIVE_INTEGER) {
      *out = o.via.i64;
    } else {
      return false;
    }
    ++index_;
    return true;
  }
  bool Str(std::string_view* out) {
    const msgpack::object* o = NextOf(msgpack::type::STR);
    if (o) *out = std::string_view(o->via.str.ptr, o->via.str.size);
    return o != nullptr;
  }
  bool Bin(std::string_view* out) {
    const msgpack::object* o = NextOf(msgpack::type::BIN);
    if (o) *out = std::string_view(o->via.bin.ptr, o->via.bin.size);
    return o != nullptr;
  }
  // The element a failed read stopped at.
  uint32_t index() const { return index_; }

 private:
  const msgpack::object* NextOf(msgpack::type::object_type type) {
    if (index_ >= array_.size || array_.items[index_].type != type) return nullptr;
    return &array_.items[index_++];
  }

  const ScalarArray& array_;
  uint32_t index_ = 0;
};

Status CheckFieldCount(const ScalarArray& array, uint32_t fields) {
  if (array.size == fields) return OkStatus();
  return DataLossError("has " + std::to_string(array.size) + " fields, expected " +
                       std::to_string(fields));
}

void PutLengthPrefixed(Sha256& hasher, std::string_view bytes) {
  unsigned char len[8];
  uint64_t n = bytes.size();
  for (int i = 7; i >= 0; --i, n >>= 8) len[i] = static_cast<unsigned char>(n & 0xff);
  hasher.Update(std::string_view(reinterpret_cast<const char*>(len), sizeof len));
  hasher.Update(bytes);
}

}  // namespace

void AppendRecordBody(const Placement& placement, const Metadata& metadata, const NewEvent& event,
                      std::string* out) {
  StringSink sink{out};
  msgpack::packer<StringSink> pk(sink);
  pk.pack_array(kBodyFields);
  pk.pack_uint32(kRecordFormat);
  pk.pack_uint64(placement.position);
  PackString(pk, *placement.stream);
  pk.pack_uint64(placement.version);
  PackString(pk, event.type);
  pk.pack_uint32(event.schema_version);
  pk.pack_int64(placement.timestamp_us);
  PackString(pk, metadata.actor);
  PackString(pk, metadata.reason);
  PackString(pk, metadata.command_id);
  PackString(pk, metadata.correlation_id);
  pk.pack_bin(static_cast<uint32_t>(event.payload.size()));
  pk.pack_bin_body(event.payload.data(), static_cast<uint32_t>(event.payload.size()));
}

Result<RecordView> DecodeRecord(std::string_view value) {
  if (value.size() <= kHashSize) {
    return DataLossError("record of " + std::to_string(value.size()) + " bytes is truncated");
  }
  std::string_view body = value.substr(0, value.size() - kHashSize);
  ScalarArray fields;
  TRUNKLINE_RETURN_IF_ERROR(ParseScalarArray(body, &fields));
  if (fields.size > 0 && fields.items[0].type == msgpack::type::POSITIVE_INTEGER &&
      fields.items[0].via.u64 != kRecordFormat) {
    return FailedPreconditionError("record format " + std::to_string(fields.items[0].via.u64) +
                                   " is not one this build reads (" +
                                   std::to_string(kRecordFormat) + ")");
  }
  TRUNKLINE_RETURN_IF_ERROR(CheckFieldCount(fields, kBodyFields));
  ArrayReader in(fields);
  RecordView r;
  uint64_t format = 0;
  uint64_t schema_version = 0;
  bool decoded = in.Uint(&format) && in.Uint(&r.position) && in.Str(&r.stream) &&
                 in.Uint(&r.version) && in.Str(&r.type) && in.Uint(&schema_version) &&
                 in.Int(&r.timestamp_us) && in.Str(&r.actor) && in.Str(&r.reason) &&
                 in.Str(&r.command_id) && in.Str(&r.correlation_id) && in.Bin(&r.payload);
  if (!decoded) {
    return DataLossError(std::string("record field \"") + kBodyNames[in.index()] +
                         "\" has the wrong type");
  }
  if (schema_version > UINT32_MAX) return DataLossError("schema version out of range");
  r.schema_version = static_cast<uint32_t>(schema_version);
  std::memcpy(r.hash.data(), value.data() + body.size(), kHashSize);
  return r;
}

std::string EncodeCommandEntry(const CommandEntry& entry) {
  std::string out;
  StringSink sink{&out};
  msgpack::packer<StringSink> pk(sink);
  const AppendReceipt& r = entry.receipt;
  pk.pack_array(kCommandFields);
  PackString(pk, r.stream);
  pk.pack_uint64(r.first_version);
  pk.pack_uint64(r.last_version);
  pk.pack_uint64(r.first_position);
  pk.pack_uint64(r.last_position);
  pk.pack_int64(r.timestamp_us);
  pk.pack_bin(kHashSize);
  pk.pack_bin_body(reinterpret_cast<const char*>(entry.digest.data()), kHashSize);
  return out;
}

Result<CommandEntry> DecodeCommandEntry(std::string_view bytes) {
  ScalarArray fields;
  TRUNKLINE_RETURN_IF_ERROR(ParseScalarArray(bytes, &fields));
  TRUNKLINE_RETURN_IF_ERROR(CheckFieldCount(fields, kCommandFields));
  ArrayReader in(fields);
  CommandEntry e;
  AppendReceipt& r = e.receipt;
  std::string_view stream;
  std::string_view digest;
  bool decoded = in.Str(&stream) && in.Uint(&r.first_version) && in.Uint(&r.last_version) &&
                 in.Uint(&r.first_position) && in.Uint(&r.last_position) &&
                 in.Int(&r.timestamp_us) && in.Bin(&digest);
  if (!decoded) {
    return DataLossError(std::string("command entry field \"") + kCommandNames[in.index()] +
                         "\" has the wrong type");
  }
  if (digest.size() != kHashSize) {
    return DataLossError("command entry field \"digest\" is " + std::to_string(digest.size()) +
                         " bytes, not " + std::to_string(kHashSize));
  }
  r.stream.assign(stream);
  std::memcpy(e.digest.data(), digest.data(), kHashSize);
  return e;
}

Sha256Digest CommandDigest(const AppendRequest& request) {
  Sha256 hasher;
  PutLengthPrefixed(hasher, request.stream);
  for (const NewEvent& event : request.events) {
    PutLengthPrefixed(hasher, event.type);
    const uint32_t v = event.schema_version;
    const char version[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                             static_cast<char>(v >> 8), static_cast<char>(v)};
    PutLengthPrefixed(hasher, std::string_view(version, sizeof version));
    PutLengthPrefixed(hasher, event.payload);
  }
  return hasher.Finish();
}

}  // namespace trunkline::journal::internal
