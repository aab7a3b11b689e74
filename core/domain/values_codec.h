// msgpack form of field values, shared by the domain's codec files (private to domain/).
//   values := map{ str: bool | int | str }
#pragma once

#include <algorithm>
#include <cstdint>
#include <msgpack.hpp>
#include <stdexcept>
#include <string>

#include "trunkline/domain/provider_schema.h"

namespace trunkline::domain::internal {

// msgpack's packer writes through any type with write(const char*, size_t).
struct StringSink {
  std::string* out;
  void write(const char* data, size_t size) { out->append(data, size); }
};
using Packer = msgpack::packer<StringSink>;

inline void PackValues(Packer& pk, const FieldValues& values) {
  pk.pack_map(static_cast<uint32_t>(values.size()));
  for (const auto& [name, value] : values) {
    pk.pack(name);
    std::visit([&](const auto& v) { pk.pack(v); }, value);
  }
}

// msgpack's limits for one value read from `remaining` bytes, nested at most `depth` deep:
// no count or length beyond what those bytes could hold, so that a damaged header is refused
// (msgpack::size_overflow) before msgpack reserves memory for what it announces.
inline msgpack::unpack_limit LimitsFor(size_t remaining, size_t depth) {
  const size_t n = std::min<size_t>(remaining, UINT32_MAX);
  return msgpack::unpack_limit(/*array=*/n, /*map=*/n / 2, /*str=*/n, /*bin=*/n, /*ext=*/n, depth);
}

// Throws std::runtime_error (or msgpack's type_error) on anything malformed.
inline FieldValues UnpackValues(const msgpack::object& o) {
  if (o.type != msgpack::type::MAP) throw std::runtime_error("values: not a map");
  FieldValues out;
  out.reserve(o.via.map.size);  // exactly: projections keep millions of these
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const msgpack::object& v = o.via.map.ptr[i].val;
    std::string name = o.via.map.ptr[i].key.as<std::string>();
    if (v.type == msgpack::type::BOOLEAN) {
      out.emplace(std::move(name), v.via.boolean);
    } else if (v.type == msgpack::type::POSITIVE_INTEGER ||
               v.type == msgpack::type::NEGATIVE_INTEGER) {
      out.emplace(std::move(name), v.as<int64_t>());
    } else {
      out.emplace(std::move(name), v.as<std::string>());
    }
  }
  return out;
}

}  // namespace trunkline::domain::internal
