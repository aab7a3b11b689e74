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

// msgpack's packer writes through any type with write(const char*, size_t).
struct StringSink {
  std::string* out;
  void write(const char* data, size_t size) { out->append(data, size); }
};

void PackString(msgpack::packer<StringSink>& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

// A cursor over a decoded msgpack array that checks each element's type.
class ArrayReader {
 public:
  explicit ArrayReader(const msgpack::object& array) : array_(array.via.array) {}

  bool Uint(uint64_t* out) {
    const msgpack::object* o = NextOf(msgpack::type::POSITIVE_INTEGER);
    if (o) *out = o->via.u64;
    return o != nullptr;
  }
  bool Int(int64_t* out) {
    if (index_ >= array_.size) return false;
    const msgpack::object& o = array_.ptr[index_++];
    if (o.type == msgpack::type::POSITIVE_INTEGER && o.via.u64 <= INT64_MAX) {
      *out = static_cast<int64_t>(o.via.u64);
    } else if (o.type == msgpack::type::NEGATIVE_INTEGER) {
      *out = o.via.i64;
    } else {
      return false;
    }
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

 private:
  const msgpack::object* NextOf(msgpack::type::object_type type) {
    if (index_ >= array_.size || array_.ptr[index_].type != type) return nullptr;
    return &array_.ptr[index_++];
  }

  const msgpack::object_array& array_;
  uint32_t index_ = 0;
};

// Zero-copy: strings and bins point into the input, which outlives the decoded object.
bool ReferenceAll(msgpack::type::object_type, size_t, void*) { return true; }

// Decodes one msgpack array spanning all of `bytes` into `zone`.
Result<msgpack::object> UnpackArray(msgpack::zone& zone, std::string_view bytes) {
  msgpack::object object;
  try {
    size_t offset = 0;
    object = msgpack::unpack(zone, bytes.data(), bytes.size(), offset, ReferenceAll);
    if (offset != bytes.size()) return DataLossError("trailing bytes after the encoded value");
  } catch (const std::exception& e) {
    return DataLossError(std::string("does not decode: ") + e.what());
  }
  if (object.type != msgpack::type::ARRAY) return DataLossError("not a msgpack array");
  return object;
}

Status CheckFieldCount(const msgpack::object& array, uint32_t fields) {
  if (array.via.array.size == fields) return OkStatus();
  return DataLossError("has " + std::to_string(array.via.array.size) + " fields, expected " +
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
  thread_local msgpack::zone zone;
  zone.clear();
  TRUNKLINE_ASSIGN_OR_RETURN(msgpack::object object, UnpackArray(zone, body));
  const msgpack::object_array& fields = object.via.array;
  if (fields.size > 0 && fields.ptr[0].type == msgpack::type::POSITIVE_INTEGER &&
      fields.ptr[0].via.u64 != kRecordFormat) {
    return FailedPreconditionError("record format " + std::to_string(fields.ptr[0].via.u64) +
                                   " is not one this build reads (" +
                                   std::to_string(kRecordFormat) + ")");
  }
  TRUNKLINE_RETURN_IF_ERROR(CheckFieldCount(object, kBodyFields));
  ArrayReader in(object);
  RecordView r;
  uint64_t format = 0;
  uint64_t schema_version = 0;
  bool decoded = in.Uint(&format) && in.Uint(&r.position) && in.Str(&r.stream) &&
                 in.Uint(&r.version) && in.Str(&r.type) && in.Uint(&schema_version) &&
                 in.Int(&r.timestamp_us) && in.Str(&r.actor) && in.Str(&r.reason) &&
                 in.Str(&r.command_id) && in.Str(&r.correlation_id) && in.Bin(&r.payload);
  if (!decoded) return DataLossError("record field has the wrong type");
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
  msgpack::zone zone;
  TRUNKLINE_ASSIGN_OR_RETURN(msgpack::object object, UnpackArray(zone, bytes));
  TRUNKLINE_RETURN_IF_ERROR(CheckFieldCount(object, kCommandFields));
  ArrayReader in(object);
  CommandEntry e;
  AppendReceipt& r = e.receipt;
  std::string_view stream;
  std::string_view digest;
  bool decoded = in.Str(&stream) && in.Uint(&r.first_version) && in.Uint(&r.last_version) &&
                 in.Uint(&r.first_position) && in.Uint(&r.last_position) &&
                 in.Int(&r.timestamp_us) && in.Bin(&digest);
  if (!decoded || digest.size() != kHashSize) {
    return DataLossError("command entry field has the wrong type");
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
