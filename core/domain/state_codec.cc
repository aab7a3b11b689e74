// Trunk state encoding (grammar in state_codec.h).
#include "trunkline/domain/state_codec.h"

#include <array>

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

// The elements of a state, in order (state_codec.h), named for errors.
constexpr std::array<const char*, 11> kParts = {
    "id",         "provider", "account",    "version",     "deleted",    "created_us",
    "updated_us", "fields",   "singletons", "collections", "attachments"};

// Reads element `part` of a state into *s. Throws on a malformed element.
void ReadPart(size_t part, const msgpack::object& o, TrunkState& s) {
  switch (part) {
    case 0:
      s.id = o.as<std::string>();
      return;
    case 1:
      s.provider = o.as<std::string>();
      return;
    case 2:
      s.account = o.as<std::string>();
      return;
    case 3:
      s.version = o.as<uint64_t>();
      return;
    case 4:
      s.deleted = o.as<bool>();
      return;
    case 5:
      s.created_us = o.as<int64_t>();
      return;
    case 6:
      s.updated_us = o.as<int64_t>();
      return;
    case 7:
      s.fields = UnpackValues(o);
      return;
    case 8:
      ForEachEntry(o, [&](std::string name, const msgpack::object& v) {
        s.singletons.emplace(std::move(name), UnpackValues(v));
      });
      return;
    case 9:
      ForEachEntry(o, [&](std::string name, const msgpack::object& items) {
        auto& collection = s.collections[std::move(name)];
        ForEachEntry(items, [&](std::string id, const msgpack::object& v) {
          collection.emplace(std::move(id), UnpackValues(v));
        });
      });
      return;
    default:
      s.attachments = o.as<std::map<std::string, std::set<std::string>>>();
      return;
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
  constexpr size_t kDepth = 4;  // state > collections > items > values
  if (*offset >= bytes.size()) return DataLossError("trunk state: no bytes left to read");
  size_t part = 0;  // the element being read, for errors
  try {
    msgpack::object_handle handle =
        msgpack::unpack(bytes.data(), bytes.size(), *offset, nullptr, nullptr,
                        internal::LimitsFor(bytes.size() - *offset, kDepth));
    const msgpack::object& o = handle.get();
    if (o.type != msgpack::type::ARRAY || o.via.array.size != kParts.size()) {
      return DataLossError("trunk state: not an array of 11");
    }
    TrunkState s;
    for (; part < kParts.size(); ++part) ReadPart(part, o.via.array.ptr[part], s);
    return s;
  } catch (const msgpack::depth_size_overflow&) {
    return DataLossError("trunk state: nested deeper than a trunk state is");
  } catch (const msgpack::size_overflow& e) {
    return DataLossError(std::string("trunk state: a count or length is more than the input ") +
                         "holds (" + e.what() + ")");
  } catch (const msgpack::type_error&) {
    return DataLossError(std::string("trunk state: \"") + kParts[part] + "\" has the wrong type");
  } catch (const std::exception& e) {
    const std::string where = part < kParts.size() ? kParts[part] : "state";
    return DataLossError("trunk state: \"" + where + "\" does not decode: " + e.what());
  }
}

}  // namespace trunkline::domain
