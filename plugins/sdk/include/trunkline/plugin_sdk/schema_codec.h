// The msgpack form of schema.h's types, header-only, used by both sides of the plugin ABI:
// a plugin encodes its Schema and decodes TrunkFacts; the core does the reverse. One
// implementation, so the two sides cannot read the grammar differently.
//
// Grammar (msgpack):
//   schema     := map{ "provider": str, "fields": [field*], "sub_resources": [sub*] }
//   field      := map{ "name": str, "type": "string"|"bool"|"int"|"enum",
//                      "required_on_create": bool, "read_only": bool,
//                      "unique_per_account": bool, "default"?: str, "max_length": uint,
//                      "pattern": str, "pattern_rule": str, "values": [str*],
//                      "min"?: int, "max"?: int }
//   sub        := map{ "name": str, "kind": "collection"|"singleton"|"attachments",
//                      "fields": [field*], "id_pattern": str, "id_rule": str }
//   trunk      := map{ "fields": map{str: bool|int|str}, "attachments": map{str: [str*]} }
//   violations := [ map{ "field": str, "rule": str }* ]
//
// Decoders throw std::runtime_error, and only that, on malformed input (trailing bytes
// included); callers at the ABI boundary catch it: the SDK's Guard on the plugin side, the
// core's codec file on the other.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <msgpack.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "trunkline/plugin_sdk/schema.h"

namespace trunkline::plugin_sdk {
inline namespace abi_v1 {
namespace codec_internal {

struct Sink {
  std::string* out;
  void write(const char* data, size_t size) { out->append(data, size); }
};
using Packer = msgpack::packer<Sink>;

inline const char* TypeName(FieldType t) {
  switch (t) {
    case FieldType::kString:
      return "string";
    case FieldType::kBool:
      return "bool";
    case FieldType::kInt:
      return "int";
    case FieldType::kEnum:
      return "enum";
  }
  return "string";
}

inline const char* KindName(SubResourceKind k) {
  switch (k) {
    case SubResourceKind::kCollection:
      return "collection";
    case SubResourceKind::kSingleton:
      return "singleton";
    case SubResourceKind::kAttachments:
      return "attachments";
  }
  return "collection";
}

inline void PackField(Packer& pk, const FieldSpec& f) {
  pk.pack_map(9 + (f.default_value ? 1 : 0) + (f.min ? 1 : 0) + (f.max ? 1 : 0));
  pk.pack("name");
  pk.pack(f.name);
  pk.pack("type");
  pk.pack(TypeName(f.type));
  pk.pack("required_on_create");
  pk.pack(f.required_on_create);
  pk.pack("read_only");
  pk.pack(f.read_only);
  pk.pack("unique_per_account");
  pk.pack(f.unique_per_account);
  if (f.default_value) {
    pk.pack("default");
    pk.pack(*f.default_value);
  }
  pk.pack("max_length");
  pk.pack(f.max_length);
  pk.pack("pattern");
  pk.pack(f.pattern);
  pk.pack("pattern_rule");
  pk.pack(f.pattern_rule);
  pk.pack("values");
  pk.pack(f.values);
  if (f.min) {
    pk.pack("min");
    pk.pack(*f.min);
  }
  if (f.max) {
    pk.pack("max");
    pk.pack(*f.max);
  }
}

inline void PackFields(Packer& pk, const std::vector<FieldSpec>& fields) {
  pk.pack_array(static_cast<uint32_t>(fields.size()));
  for (const FieldSpec& f : fields) PackField(pk, f);
}

[[noreturn]] inline void Malformed(const std::string& what) {
  throw std::runtime_error("malformed " + what);
}

// Map lookups with type checks.
inline const msgpack::object* Find(const msgpack::object& map, std::string_view key) {
  if (map.type != msgpack::type::MAP) Malformed("value: expected a map");
  for (uint32_t i = 0; i < map.via.map.size; ++i) {
    const msgpack::object_kv& kv = map.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR &&
        std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == key) {
      return &kv.val;
    }
  }
  return nullptr;
}

template <typename T>
T Get(const msgpack::object& map, std::string_view key, T fallback) {
  const msgpack::object* o = Find(map, key);
  if (o == nullptr) return fallback;
  try {
    return o->as<T>();
  } catch (const std::exception&) {
    Malformed("field \"" + std::string(key) + "\"");
  }
}

inline FieldType ParseType(const std::string& s) {
  if (s == "string") return FieldType::kString;
  if (s == "bool") return FieldType::kBool;
  if (s == "int") return FieldType::kInt;
  if (s == "enum") return FieldType::kEnum;
  Malformed("field type \"" + s + "\"");
}

inline SubResourceKind ParseKind(const std::string& s) {
  if (s == "collection") return SubResourceKind::kCollection;
  if (s == "singleton") return SubResourceKind::kSingleton;
  if (s == "attachments") return SubResourceKind::kAttachments;
  Malformed("sub-resource kind \"" + s + "\"");
}

inline FieldSpec UnpackField(const msgpack::object& o) {
  FieldSpec f;
  f.name = Get<std::string>(o, "name", "");
  if (f.name.empty()) Malformed("field: no name");
  f.type = ParseType(Get<std::string>(o, "type", "string"));
  f.required_on_create = Get<bool>(o, "required_on_create", false);
  f.read_only = Get<bool>(o, "read_only", false);
  f.unique_per_account = Get<bool>(o, "unique_per_account", false);
  if (Find(o, "default")) f.default_value = Get<std::string>(o, "default", "");
  f.max_length = Get<uint32_t>(o, "max_length", 0);
  f.pattern = Get<std::string>(o, "pattern", "");
  f.pattern_rule = Get<std::string>(o, "pattern_rule", "");
  f.values = Get<std::vector<std::string>>(o, "values", {});
  if (Find(o, "min")) f.min = Get<int64_t>(o, "min", 0);
  if (Find(o, "max")) f.max = Get<int64_t>(o, "max", 0);
  return f;
}

inline std::vector<FieldSpec> UnpackFields(const msgpack::object& map) {
  std::vector<FieldSpec> out;
  const msgpack::object* list = Find(map, "fields");
  if (list == nullptr) return out;
  if (list->type != msgpack::type::ARRAY) Malformed("\"fields\": expected an array");
  for (uint32_t i = 0; i < list->via.array.size; ++i) {
    out.push_back(UnpackField(list->via.array.ptr[i]));
  }
  return out;
}

// One msgpack value spanning all of `bytes`. No count or length may exceed what the bytes
// could hold (refused before msgpack reserves memory for it), nor nesting exceed kMaxDepth.
inline msgpack::object_handle Unpack(std::string_view bytes) {
  constexpr size_t kMaxDepth = 32;  // the grammar nests 6 deep; room for later additions
  const size_t n = std::min<size_t>(bytes.size(), UINT32_MAX);
  const msgpack::unpack_limit limits(/*array=*/n, /*map=*/n / 2, /*str=*/n, /*bin=*/n,
                                     /*ext=*/n, kMaxDepth);
  size_t offset = 0;
  msgpack::object_handle handle;
  try {
    handle = msgpack::unpack(bytes.data(), bytes.size(), offset, nullptr, nullptr, limits);
  } catch (const msgpack::depth_size_overflow&) {
    Malformed("msgpack: nested deeper than " + std::to_string(kMaxDepth));
  } catch (const msgpack::size_overflow& e) {
    Malformed(std::string("msgpack: a count or length is more than the input holds (") + e.what() +
              ")");
  } catch (const std::exception& e) {
    Malformed(std::string("msgpack: ") + e.what());
  }
  if (offset != bytes.size()) Malformed("msgpack: trailing bytes after the value");
  return handle;
}

// A map of field values: name -> bool, int64 or string.
inline void PackValues(Packer& pk, const std::map<std::string, FieldValue>& values) {
  pk.pack_map(static_cast<uint32_t>(values.size()));
  for (const auto& [name, value] : values) {
    pk.pack(name);
    std::visit([&](const auto& v) { pk.pack(v); }, value);
  }
}

inline std::map<std::string, FieldValue> UnpackValues(const msgpack::object& map,
                                                      std::string_view what) {
  const std::string where = "\"" + std::string(what) + "\"";
  if (map.type != msgpack::type::MAP) Malformed(where + ": expected a map");
  std::map<std::string, FieldValue> out;
  for (uint32_t i = 0; i < map.via.map.size; ++i) {
    const msgpack::object_kv& kv = map.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR) Malformed(where + ": a key is not a string");
    const std::string name(kv.key.via.str.ptr, kv.key.via.str.size);
    const msgpack::object& v = kv.val;
    if (v.type == msgpack::type::BOOLEAN) {
      out[name] = v.via.boolean;
    } else if (v.type == msgpack::type::POSITIVE_INTEGER && v.via.u64 <= INT64_MAX) {
      out[name] = static_cast<int64_t>(v.via.u64);
    } else if (v.type == msgpack::type::NEGATIVE_INTEGER) {
      out[name] = v.via.i64;
    } else if (v.type == msgpack::type::STR) {
      out[name] = std::string(v.via.str.ptr, v.via.str.size);
    } else {
      Malformed(where + ": \"" + name + "\" is not a bool, an int64 or a string");
    }
  }
  return out;
}

}  // namespace codec_internal

inline std::string EncodeSchema(const Schema& schema) {
  using namespace codec_internal;
  std::string out;
  Sink sink{&out};
  Packer pk(sink);
  pk.pack_map(3);
  pk.pack("provider");
  pk.pack(schema.provider);
  pk.pack("fields");
  PackFields(pk, schema.fields);
  pk.pack("sub_resources");
  pk.pack_array(static_cast<uint32_t>(schema.sub_resources.size()));
  for (const SubResourceSpec& s : schema.sub_resources) {
    pk.pack_map(5);
    pk.pack("name");
    pk.pack(s.name);
    pk.pack("kind");
    pk.pack(KindName(s.kind));
    pk.pack("fields");
    PackFields(pk, s.fields);
    pk.pack("id_pattern");
    pk.pack(s.id_pattern);
    pk.pack("id_rule");
    pk.pack(s.id_rule);
  }
  return out;
}

inline Schema DecodeSchema(std::string_view bytes) {
  using namespace codec_internal;
  msgpack::object_handle handle = Unpack(bytes);
  const msgpack::object& o = handle.get();
  Schema schema;
  schema.provider = Get<std::string>(o, "provider", "");
  schema.fields = UnpackFields(o);
  if (const msgpack::object* subs = Find(o, "sub_resources")) {
    if (subs->type != msgpack::type::ARRAY) Malformed("\"sub_resources\": expected an array");
    for (uint32_t i = 0; i < subs->via.array.size; ++i) {
      const msgpack::object& s = subs->via.array.ptr[i];
      SubResourceSpec spec;
      spec.name = Get<std::string>(s, "name", "");
      spec.kind = ParseKind(Get<std::string>(s, "kind", "collection"));
      spec.fields = UnpackFields(s);
      spec.id_pattern = Get<std::string>(s, "id_pattern", "");
      spec.id_rule = Get<std::string>(s, "id_rule", "");
      schema.sub_resources.push_back(std::move(spec));
    }
  }
  return schema;
}

inline std::string EncodeTrunkFacts(const TrunkFacts& trunk) {
  using namespace codec_internal;
  std::string out;
  Sink sink{&out};
  Packer pk(sink);
  pk.pack_map(2);
  pk.pack("fields");
  PackValues(pk, trunk.fields);
  pk.pack("attachments");
  pk.pack(trunk.attachments);
  return out;
}

inline TrunkFacts DecodeTrunkFacts(std::string_view bytes) {
  using namespace codec_internal;
  msgpack::object_handle handle = Unpack(bytes);
  const msgpack::object& o = handle.get();
  TrunkFacts trunk;
  if (const msgpack::object* fields = Find(o, "fields"))
    trunk.fields = UnpackValues(*fields, "fields");
  trunk.attachments = Get<std::map<std::string, std::vector<std::string>>>(o, "attachments", {});
  return trunk;
}

inline std::string EncodeViolations(const std::vector<Violation>& violations) {
  using namespace codec_internal;
  std::string out;
  Sink sink{&out};
  Packer pk(sink);
  pk.pack_array(static_cast<uint32_t>(violations.size()));
  for (const Violation& v : violations) {
    pk.pack_map(2);
    pk.pack("field");
    pk.pack(v.field);
    pk.pack("rule");
    pk.pack(v.rule);
  }
  return out;
}

inline std::vector<Violation> DecodeViolations(std::string_view bytes) {
  using namespace codec_internal;
  msgpack::object_handle handle = Unpack(bytes);
  const msgpack::object& o = handle.get();
  if (o.type != msgpack::type::ARRAY) Malformed("violations: expected an array");
  std::vector<Violation> out;
  for (uint32_t i = 0; i < o.via.array.size; ++i) {
    const msgpack::object& v = o.via.array.ptr[i];
    out.push_back({Get<std::string>(v, "field", ""), Get<std::string>(v, "rule", "")});
  }
  return out;
}

}  // namespace abi_v1
}  // namespace trunkline::plugin_sdk
