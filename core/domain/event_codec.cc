// Trunk event payloads (msgpack). Grammar, per type (schema version):
//   TrunkCreated (2)  := map{ "provider": str, "account": str, "fields": values,
//                             "singletons": map{str: values} }
//   TrunkCreated (1)  := the same without "account"
//   TrunkUpdated (1)  := map{ "set": values, "unset": [str*] }
//   TrunkDeleted (1)  := map{}
//   SubResourceItemAdded (1)   := map{ "sub": str, "item": str, "fields": values }
//   SubResourceItemUpdated (1) := map{ "sub": str, "item": str, "set": values, "unset": [str*] }
//   SubResourceItemRemoved (1) := map{ "sub": str, "item": str }
//   SingletonUpdated (1)       := map{ "sub": str, "set": values, "unset": [str*] }
//   Attached (1), Detached (1) := map{ "sub": str, "id": str }
//   values := map{ str: bool | int | str }
#include "trunkline/domain/event_codec.h"

#include "trunkline/base/overloaded.h"
#include "values_codec.h"

namespace trunkline::domain {
namespace {

using internal::PackValues;
using internal::UnpackValues;

// Writes one map entry per call, after the caller has written the map header.
class Writer {
 public:
  explicit Writer(std::string* out) : sink_{out}, pk_(sink_) {}
  Writer& Map(uint32_t n) {
    pk_.pack_map(n);
    return *this;
  }
  Writer& Str(const char* key, const std::string& v) {
    pk_.pack(key);
    pk_.pack(v);
    return *this;
  }
  Writer& Values(const char* key, const FieldValues& values) {
    pk_.pack(key);
    PackValues(pk_, values);
    return *this;
  }
  Writer& Names(const char* key, const std::vector<std::string>& names) {
    pk_.pack(key);
    pk_.pack(names);
    return *this;
  }
  Writer& Singletons(const char* key, const std::map<std::string, FieldValues>& s) {
    pk_.pack(key);
    pk_.pack_map(static_cast<uint32_t>(s.size()));
    for (const auto& [name, values] : s) {
      pk_.pack(name);
      PackValues(pk_, values);
    }
    return *this;
  }

 private:
  internal::StringSink sink_;
  internal::Packer pk_;
};

// Reads map entries by key; throws std::runtime_error on anything malformed.
class Reader {
 public:
  explicit Reader(const msgpack::object& map) : map_(map) {
    if (map.type != msgpack::type::MAP) throw std::runtime_error("payload is not a map");
  }
  std::string Str(std::string_view key) const { return At(key).as<std::string>(); }
  std::vector<std::string> Names(std::string_view key) const {
    return At(key).as<std::vector<std::string>>();
  }
  FieldValues Values(std::string_view key) const { return UnpackValues(At(key)); }
  std::map<std::string, FieldValues> Singletons(std::string_view key) const {
    std::map<std::string, FieldValues> out;
    const msgpack::object& o = At(key);
    if (o.type != msgpack::type::MAP) throw std::runtime_error("singletons is not a map");
    for (uint32_t i = 0; i < o.via.map.size; ++i) {
      out[o.via.map.ptr[i].key.as<std::string>()] = UnpackValues(o.via.map.ptr[i].val);
    }
    return out;
  }

 private:
  const msgpack::object& At(std::string_view key) const {
    for (uint32_t i = 0; i < map_.via.map.size; ++i) {
      const msgpack::object_kv& kv = map_.via.map.ptr[i];
      if (kv.key.type == msgpack::type::STR &&
          std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == key) {
        return kv.val;
      }
    }
    throw std::runtime_error("missing \"" + std::string(key) + "\"");
  }
  const msgpack::object& map_;
};

uint32_t CurrentVersion(std::string_view type) { return type == "TrunkCreated" ? 2 : 1; }

Event DecodeKnown(std::string_view type, uint32_t version, const Reader& in) {
  if (type == "TrunkCreated") {
    const std::string account = version >= 2 ? in.Str("account") : kDefaultAccount;
    return TrunkCreated{in.Str("provider"), account, in.Values("fields"),
                        in.Singletons("singletons")};
  }
  if (type == "TrunkUpdated") return TrunkUpdated{in.Values("set"), in.Names("unset")};
  if (type == "TrunkDeleted") return TrunkDeleted{};
  if (type == "SubResourceItemAdded") {
    return ItemAdded{in.Str("sub"), in.Str("item"), in.Values("fields")};
  }
  if (type == "SubResourceItemUpdated") {
    return ItemUpdated{in.Str("sub"), in.Str("item"), in.Values("set"), in.Names("unset")};
  }
  if (type == "SubResourceItemRemoved") return ItemRemoved{in.Str("sub"), in.Str("item")};
  if (type == "SingletonUpdated") {
    return SingletonUpdated{in.Str("sub"), in.Values("set"), in.Names("unset")};
  }
  if (type == "Attached") return Attached{in.Str("sub"), in.Str("id")};
  return Detached{in.Str("sub"), in.Str("id")};
}

bool KnownType(std::string_view type) {
  for (const char* known : {"TrunkCreated", "TrunkUpdated", "TrunkDeleted", "SubResourceItemAdded",
                            "SubResourceItemUpdated", "SubResourceItemRemoved", "SingletonUpdated",
                            "Attached", "Detached"}) {
    if (type == known) return true;
  }
  return false;
}

}  // namespace

EncodedEvent EncodeEvent(const Event& event) {
  EncodedEvent out{EventType(event), CurrentVersion(EventType(event)), {}};
  Writer w(&out.payload);
  std::visit(
      Overloaded{
          [&](const TrunkCreated& e) {
            w.Map(4).Str("provider", e.provider).Str("account", e.account);
            w.Values("fields", e.fields).Singletons("singletons", e.singletons);
          },
          [&](const TrunkUpdated& e) { w.Map(2).Values("set", e.set).Names("unset", e.unset); },
          [&](const TrunkDeleted&) { w.Map(0); },
          [&](const ItemAdded& e) {
            w.Map(3).Str("sub", e.sub_resource).Str("item", e.item_id);
            w.Values("fields", e.fields);
          },
          [&](const ItemUpdated& e) {
            w.Map(4).Str("sub", e.sub_resource).Str("item", e.item_id);
            w.Values("set", e.set).Names("unset", e.unset);
          },
          [&](const ItemRemoved& e) { w.Map(2).Str("sub", e.sub_resource).Str("item", e.item_id); },
          [&](const SingletonUpdated& e) {
            w.Map(3).Str("sub", e.sub_resource).Values("set", e.set);
            w.Names("unset", e.unset);
          },
          [&](const Attached& e) { w.Map(2).Str("sub", e.sub_resource).Str("id", e.id); },
          [&](const Detached& e) { w.Map(2).Str("sub", e.sub_resource).Str("id", e.id); },
      },
      event);
  return out;
}

Result<Event> DecodeEvent(std::string_view type, uint32_t schema_version,
                          std::string_view payload) {
  // Built only for errors: decoding is on the replay path.
  auto what = [&] { return std::string(type) + " v" + std::to_string(schema_version); };
  if (!KnownType(type)) return FailedPreconditionError(what() + ": unknown event type");
  if (schema_version == 0 || schema_version > CurrentVersion(type)) {
    return FailedPreconditionError(what() + ": this build reads up to v" +
                                   std::to_string(CurrentVersion(type)));
  }
  thread_local msgpack::zone zone;  // reused: a fresh zone per event costs an allocation
  zone.clear();
  try {
    size_t offset = 0;
    const msgpack::object object = msgpack::unpack(zone, payload.data(), payload.size(), offset);
    return DecodeKnown(type, schema_version, Reader(object));
  } catch (const std::exception& e) {
    return DataLossError(what() + ": payload does not decode: " + e.what());
  }
}

std::string EncodeTrunkCreatedV1ForTesting(const TrunkCreated& event) {
  std::string out;
  Writer w(&out);
  w.Map(3).Str("provider", event.provider).Values("fields", event.fields);
  w.Singletons("singletons", event.singletons);
  return out;
}

}  // namespace trunkline::domain
