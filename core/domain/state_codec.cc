// Trunk state encoding (grammar in state_codec.h).
#include "trunkline/domain/state_codec.h"

#include "values_codec.h"

namespace trunkline::domain {
namespace {

using internal::Packer;
using internal::PackValues;
using internal::UnpackValues;

template <typename Fn>
void ForEachEntry(const msgpack::object& o, Fn&& fn) {
  if (o.type != msgpack::type::MAP) throw std::runtime_error("not a map");
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    fn(o.via.map.ptr[i].key.as<std::string>(), o.via.map.ptr[i].val);
  }
}

}  // namespace

void AppendTrunkState(const TrunkState& s, std::string* out) {
  internal::StringSink sink{out};
  Packer pk(sink);
  pk.pack_array(11);
  pk.pack(s.id);
  pk.pack(s.provider);
  pk.pack(s.account);
  pk.pack(s.version);
  pk.pack(s.deleted);
  pk.pack(s.created_us);
  pk.pack(s.updated_us);
  PackValues(pk, s.fields);
  pk.pack_map(static_cast<uint32_t>(s.singletons.size()));
  for (const auto& [name, values] : s.singletons) {
    pk.pack(name);
    PackValues(pk, values);
  }
  pk.pack_map(static_cast<uint32_t>(s.collections.size()));
  for (const auto& [name, items] : s.collections) {
    pk.pack(name);
    pk.pack_map(static_cast<uint32_t>(items.size()));
    for (const auto& [id, values] : items) {
      pk.pack(id);
      PackValues(pk, values);
    }
  }
  pk.pack(s.attachments);
}

Result<TrunkState> ReadTrunkState(std::string_view bytes, size_t* offset) {
  try {
    msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size(), *offset);
    const msgpack::object& o = handle.get();
    if (o.type != msgpack::type::ARRAY || o.via.array.size != 11) {
      return DataLossError("trunk state: not an array of 11");
    }
    const msgpack::object* f = o.via.array.ptr;
    TrunkState s;
    s.id = f[0].as<std::string>();
    s.provider = f[1].as<std::string>();
    s.account = f[2].as<std::string>();
    s.version = f[3].as<uint64_t>();
    s.deleted = f[4].as<bool>();
    s.created_us = f[5].as<int64_t>();
    s.updated_us = f[6].as<int64_t>();
    s.fields = UnpackValues(f[7]);
    ForEachEntry(f[8], [&](std::string name, const msgpack::object& v) {
      s.singletons.emplace(std::move(name), UnpackValues(v));
    });
    ForEachEntry(f[9], [&](std::string name, const msgpack::object& items) {
      auto& collection = s.collections[std::move(name)];
      ForEachEntry(items, [&](std::string id, const msgpack::object& v) {
        collection.emplace(std::move(id), UnpackValues(v));
      });
    });
    s.attachments = f[10].as<std::map<std::string, std::set<std::string>>>();
    return s;
  } catch (const std::exception& e) {
    return DataLossError(std::string("trunk state does not decode: ") + e.what());
  }
}

}  // namespace trunkline::domain
