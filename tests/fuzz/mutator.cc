#include "mutator.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <msgpack.hpp>
#include <optional>

namespace trunkline::fuzz {

// A msgpack value as the mutator edits it: unlike msgpack::object it owns its bytes and can
// carry a count or length header that lies about what follows.
struct Mutator::Node {
  enum class Kind { kNil, kBool, kUint, kInt, kFloat32, kFloat64, kStr, kBin, kExt, kArray, kMap };
  static constexpr int kKinds = 11;

  Kind kind = Kind::kNil;
  bool b = false;
  uint64_t u = 0;
  int64_t i = 0;
  double f = 0;
  int8_t ext_type = 0;
  std::string bytes;                // str, bin, ext
  std::vector<Node> items;          // array items; map keys and values, alternating
  std::optional<uint32_t> claimed;  // a count or length that is not the real one

  bool container() const { return kind == Kind::kArray || kind == Kind::kMap; }
};

namespace {

using Node = Mutator::Node;
using Kind = Node::Kind;

struct Sink {
  std::string* out;
  void write(const char* data, size_t size) { out->append(data, size); }
};
using Packer = msgpack::packer<Sink>;

// Keys the decoders know, so that mutations confuse one key's value with another's.
constexpr const char* kKnownKeys[] = {"provider",
                                      "account",
                                      "sub",
                                      "item",
                                      "id",
                                      "fields",
                                      "set",
                                      "unset",
                                      "singletons",
                                      "name",
                                      "type",
                                      "kind",
                                      "sub_resources",
                                      "values",
                                      "default",
                                      "min",
                                      "max",
                                      "max_length",
                                      "pattern",
                                      "attachments",
                                      "field",
                                      "rule",
                                      "required_on_create",
                                      "read_only",
                                      "id_pattern"};

// msgpack type bytes: each starts a value of a different type, or claims a length.
constexpr uint8_t kTypeBytes[] = {0xc0, 0xc1, 0xc2, 0xc3, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2,
                                  0xd3, 0xca, 0xcb, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xd4, 0xd5,
                                  0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0x80,
                                  0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xe0, 0xff, 0x7f, 0x00, 0x01};

// Headers that claim far more than any input holds.
const std::string kHugeHeaders[] = {std::string("\xdd\xff\xff\xff\xff", 5),
                                    std::string("\xdf\xff\xff\xff\xff", 5),
                                    std::string("\xdb\xff\xff\xff\xff", 5),
                                    std::string("\xc6\xff\xff\xff\xff", 5),
                                    std::string("\xc9\xff\xff\xff\xff\x01", 6),
                                    std::string("\xdd\x7f\xff\xff\xff", 5),
                                    std::string("\xdf\x00\x01\x00\x00", 5),
                                    std::string("\xdc\xff\xff", 3),
                                    std::string("\xde\xff\xff", 3),
                                    std::string("\xda\xff\xff", 3)};

constexpr uint64_t kExtremeUints[] = {0,          1,      0x7f,       0x80,
                                      0xff,       0xffff, 0xffffffff, 0x100000000,
                                      1ull << 63, ~0ull,  ~0ull >> 1, (1ull << 63) + 1};
constexpr int64_t kExtremeInts[] = {-1, -32, -33, -128, -129, -32768, INT64_MIN, INT32_MIN};
constexpr uint32_t kLyingCounts[] = {0, 1, 0xffff, 0x10000, 0x7fffffff, 0xffffffff};

// A float as msgpack's float 32 or 64, always: msgpack-c's packer writes an integral value as an
// integer, and for one just below 2^64 converts it out of range (undefined behaviour).
template <typename Float>
void PackFloat(Float f, char tag, Sink& raw) {
  char bytes[1 + sizeof f];
  bytes[0] = tag;
  std::memcpy(bytes + 1, &f, sizeof f);
  static_assert(std::endian::native == std::endian::little);
  std::reverse(bytes + 1, bytes + 1 + sizeof f);  // big-endian
  raw.write(bytes, sizeof bytes);
}

void Pack(const Node& n, Sink& raw, Packer& pk) {
  switch (n.kind) {
    case Kind::kNil:
      pk.pack_nil();
      return;
    case Kind::kBool:
      pk.pack(n.b);
      return;
    case Kind::kUint:
      pk.pack(n.u);
      return;
    case Kind::kInt:
      pk.pack(n.i);
      return;
    case Kind::kFloat32:
      return PackFloat(static_cast<float>(n.f), '\xca', raw);
    case Kind::kFloat64:
      return PackFloat(n.f, '\xcb', raw);
    case Kind::kStr:
      pk.pack_str(n.claimed.value_or(static_cast<uint32_t>(n.bytes.size())));
      pk.pack_str_body(n.bytes.data(), static_cast<uint32_t>(n.bytes.size()));
      return;
    case Kind::kBin:
      pk.pack_bin(n.claimed.value_or(static_cast<uint32_t>(n.bytes.size())));
      pk.pack_bin_body(n.bytes.data(), static_cast<uint32_t>(n.bytes.size()));
      return;
    case Kind::kExt:
      pk.pack_ext(n.claimed.value_or(static_cast<uint32_t>(n.bytes.size())), n.ext_type);
      pk.pack_ext_body(n.bytes.data(), static_cast<uint32_t>(n.bytes.size()));
      return;
    case Kind::kArray:
      pk.pack_array(n.claimed.value_or(static_cast<uint32_t>(n.items.size())));
      break;
    case Kind::kMap:
      pk.pack_map(n.claimed.value_or(static_cast<uint32_t>(n.items.size() / 2)));
      break;
  }
  for (const Node& item : n.items) Pack(item, raw, pk);
}

std::string Packed(const Node& n) {
  std::string out;
  Sink sink{&out};
  Packer pk(sink);
  Pack(n, sink, pk);
  return out;
}

Node FromObject(const msgpack::object& o) {
  Node n;
  switch (o.type) {
    case msgpack::type::NIL:
      break;
    case msgpack::type::BOOLEAN:
      n.kind = Kind::kBool;
      n.b = o.via.boolean;
      break;
    case msgpack::type::POSITIVE_INTEGER:
      n.kind = Kind::kUint;
      n.u = o.via.u64;
      break;
    case msgpack::type::NEGATIVE_INTEGER:
      n.kind = Kind::kInt;
      n.i = o.via.i64;
      break;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      n.kind = o.type == msgpack::type::FLOAT32 ? Kind::kFloat32 : Kind::kFloat64;
      n.f = o.via.f64;
      break;
    case msgpack::type::STR:
      n.kind = Kind::kStr;
      n.bytes.assign(o.via.str.ptr, o.via.str.size);
      break;
    case msgpack::type::BIN:
      n.kind = Kind::kBin;
      n.bytes.assign(o.via.bin.ptr, o.via.bin.size);
      break;
    case msgpack::type::EXT:
      n.kind = Kind::kExt;
      n.ext_type = o.via.ext.type();
      n.bytes.assign(o.via.ext.data(), o.via.ext.size);
      break;
    case msgpack::type::ARRAY:
      n.kind = Kind::kArray;
      for (uint32_t i = 0; i < o.via.array.size; ++i)
        n.items.push_back(FromObject(o.via.array.ptr[i]));
      break;
    case msgpack::type::MAP:
      n.kind = Kind::kMap;
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        n.items.push_back(FromObject(o.via.map.ptr[i].key));
        n.items.push_back(FromObject(o.via.map.ptr[i].val));
      }
      break;
  }
  return n;
}

// The whole of `bytes` as one msgpack value; nothing when it is not one (or too deep).
std::optional<Node> Parse(std::string_view bytes) {
  if (bytes.empty()) return std::nullopt;
  try {
    size_t offset = 0;
    const size_t n = std::min<size_t>(bytes.size(), UINT32_MAX);
    msgpack::object_handle h = msgpack::unpack(bytes.data(), bytes.size(), offset, nullptr, nullptr,
                                               msgpack::unpack_limit(n, n, n, n, n, 64));
    if (offset != bytes.size()) return std::nullopt;
    return FromObject(h.get());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void Collect(Node& n, bool maps_only, std::vector<Node*>& out) {
  if (!maps_only || n.kind == Kind::kMap) out.push_back(&n);
  for (Node& item : n.items) Collect(item, maps_only, out);
}

}  // namespace

Node* Mutator::PickNode(Node& root, bool maps_only) {
  std::vector<Node*> nodes;
  Collect(root, maps_only, nodes);
  return nodes.empty() ? nullptr : nodes[Below(nodes.size())];
}

Node Mutator::RandomValue(int depth) {
  Node n;
  n.kind = static_cast<Kind>(Below(Node::kKinds));
  if (depth >= 3 && n.container()) n.kind = Kind::kStr;
  switch (n.kind) {
    case Kind::kNil:
      break;
    case Kind::kBool:
      n.b = OneIn(2);
      break;
    case Kind::kUint:
      n.u = OneIn(2) ? kExtremeUints[Below(std::size(kExtremeUints))] : Below(1000);
      break;
    case Kind::kInt:
      n.i = kExtremeInts[Below(std::size(kExtremeInts))];
      break;
    case Kind::kFloat32:
    case Kind::kFloat64: {
      const double floats[] = {0.0, -1.5, 1e300, std::numeric_limits<double>::infinity(),
                               std::numeric_limits<double>::quiet_NaN()};
      n.f = floats[Below(std::size(floats))];
      break;
    }
    case Kind::kStr:
      if (OneIn(2)) {
        n.bytes = kKnownKeys[Below(std::size(kKnownKeys))];
        break;
      }
      [[fallthrough]];
    case Kind::kBin:
    case Kind::kExt: {
      const size_t size = OneIn(8) ? 300 : Below(9);
      for (size_t i = 0; i < size; ++i) n.bytes.push_back(static_cast<char>(Below(256)));
      n.ext_type = static_cast<int8_t>(Below(256));
      break;
    }
    case Kind::kArray:
    case Kind::kMap: {
      const uint64_t count = Below(4);
      for (uint64_t i = 0; i < count; ++i) {
        if (n.kind == Kind::kMap) {
          Node key;
          key.kind = Kind::kStr;
          key.bytes = kKnownKeys[Below(std::size(kKnownKeys))];
          n.items.push_back(OneIn(4) ? RandomValue(depth + 1) : key);
        }
        n.items.push_back(RandomValue(depth + 1));
      }
      break;
    }
  }
  return n;
}

Node Mutator::NonStringKey() {
  Node key = RandomValue(1);
  if (key.kind == Kind::kStr) key.kind = Kind::kBin;
  return key;
}

// Wraps `n` in arrays, in maps as a value, or in maps as a key, many levels deep.
void Mutator::Nest(Node& n) {
  const uint64_t levels[] = {2, 8, 33, 100, 1000};
  const uint64_t depth = levels[Below(std::size(levels))];
  const uint64_t how = Below(3);
  last_ += "nest a value " + std::to_string(depth) + " deep; ";
  for (uint64_t i = 0; i < depth; ++i) {
    Node outer;
    outer.kind = how == 0 ? Kind::kArray : Kind::kMap;
    if (how == 1) {
      Node key;
      key.kind = Kind::kStr;
      key.bytes = kKnownKeys[Below(std::size(kKnownKeys))];
      outer.items.push_back(key);
    }
    outer.items.push_back(std::move(n));
    if (how == 2) outer.items.push_back(Node{});  // the nest is a map *key*
    n = std::move(outer);
  }
}

// Gives `n` another msgpack type, keeping what it holds where the new type can.
void Mutator::SwapType(Node& n) {
  switch (n.kind) {
    case Kind::kStr:
      n.kind = OneIn(2) ? Kind::kBin : Kind::kExt;
      return;
    case Kind::kBin:
    case Kind::kExt:
      n.kind = Kind::kStr;
      return;
    case Kind::kBool:
      n.u = n.b;
      [[fallthrough]];
    case Kind::kUint:
      n.bytes = std::to_string(n.u);
      n.kind = Kind::kStr;
      return;
    case Kind::kInt:
      n.u = static_cast<uint64_t>(n.i);
      n.kind = Kind::kUint;
      return;
    case Kind::kMap:
      n.kind = Kind::kArray;
      return;
    case Kind::kArray:
      if (n.items.size() % 2 != 0) n.items.pop_back();
      n.kind = Kind::kMap;
      return;
    default:
      n.kind = Kind::kBool;
      return;
  }
}

void Mutator::MutateTree(Node& root) {
  Node* n = PickNode(root, /*maps_only=*/false);
  switch (Below(9)) {
    case 0:
      last_ += "replace a value with a random one; ";
      *n = RandomValue(1);
      return;
    case 1: {
      Node* map = PickNode(root, /*maps_only=*/true);
      if (map == nullptr) break;
      // Every msgpack type in turn, under a key nothing reads (or one that means something
      // elsewhere).
      Node key;
      key.kind = Kind::kStr;
      key.bytes = OneIn(2) ? "later_" + std::to_string(Below(100))
                           : kKnownKeys[Below(std::size(kKnownKeys))];
      Node value = RandomValue(1);
      last_ += "add key \"" + key.bytes + "\"; ";
      map->items.insert(
          map->items.begin() + static_cast<long>(2 * Below(map->items.size() / 2 + 1)),
          {key, value});
      return;
    }
    case 2: {
      Node* map = PickNode(root, /*maps_only=*/true);
      if (map == nullptr || map->items.empty()) break;
      last_ += "make a map key not a string; ";
      map->items[2 * Below(map->items.size() / 2)] = NonStringKey();
      return;
    }
    case 3:
      Nest(*n);
      return;
    case 4:
    case 5: {
      if (!n->container() || n->items.empty()) break;
      const size_t width = n->kind == Kind::kMap ? 2 : 1;
      const size_t at = width * Below(n->items.size() / width);
      const auto first = n->items.begin() + static_cast<long>(at);
      if (OneIn(2)) {
        last_ += "remove an entry; ";
        n->items.erase(first, first + static_cast<long>(width));
      } else {
        last_ += "repeat an entry; ";
        std::vector<Node> copy(first, first + static_cast<long>(width));
        n->items.insert(n->items.end(), copy.begin(), copy.end());
      }
      return;
    }
    case 6:
      last_ += "change a value's type; ";
      SwapType(*n);
      return;
    case 7:
      if (n->kind == Kind::kNil || n->kind == Kind::kBool || n->kind == Kind::kUint ||
          n->kind == Kind::kInt || n->kind == Kind::kFloat32 || n->kind == Kind::kFloat64) {
        break;
      }
      n->claimed = kLyingCounts[Below(std::size(kLyingCounts))];
      if (OneIn(3)) {
        const size_t real = n->container() ? n->items.size() : n->bytes.size();
        n->claimed = static_cast<uint32_t>(real + 1 + Below(3));
      }
      last_ += "claim " + std::to_string(*n->claimed) + " entries or bytes; ";
      return;
    default:
      last_ += "replace a value with an extreme integer; ";
      if (OneIn(2)) {
        n->kind = Kind::kUint;
        n->u = kExtremeUints[Below(std::size(kExtremeUints))];
      } else {
        n->kind = Kind::kInt;
        n->i = kExtremeInts[Below(std::size(kExtremeInts))];
      }
      n->items.clear();
      return;
  }
  last_ += "replace a value with a random one; ";
  *n = RandomValue(1);
}

std::string Mutator::MutateBytes(std::string bytes, const std::vector<std::string>& others) {
  const uint64_t ops = 1 + Below(3);
  for (uint64_t op = 0; op < ops; ++op) {
    const size_t at = Below(bytes.size() + 1);
    switch (Below(11)) {
      case 0:
        if (at == bytes.size()) break;
        bytes[at] = static_cast<char>(bytes[at] ^ (1 << Below(8)));
        last_ += "flip a bit of byte " + std::to_string(at) + "; ";
        continue;
      case 1:
        if (at == bytes.size()) break;
        bytes[at] = static_cast<char>(Below(256));
        last_ += "set byte " + std::to_string(at) + "; ";
        continue;
      case 2:
        if (at == bytes.size()) break;
        bytes[at] = static_cast<char>(kTypeBytes[Below(std::size(kTypeBytes))]);
        last_ += "swap the type byte at " + std::to_string(at) + "; ";
        continue;
      case 3: {
        const uint64_t n = 1 + Below(8);
        for (uint64_t i = 0; i < n; ++i) bytes.insert(at, 1, static_cast<char>(Below(256)));
        last_ += "insert " + std::to_string(n) + " bytes at " + std::to_string(at) + "; ";
        continue;
      }
      case 4:
        bytes.erase(at, 1 + Below(8));
        last_ += "delete bytes at " + std::to_string(at) + "; ";
        continue;
      case 5:
        bytes.resize(at);
        last_ += "truncate to " + std::to_string(at) + "; ";
        continue;
      case 6:
        bytes.insert(at, kHugeHeaders[Below(std::size(kHugeHeaders))]);
        last_ += "insert a huge header at " + std::to_string(at) + "; ";
        continue;
      case 7: {
        if (others.empty()) break;
        const std::string& other = others[Below(others.size())];
        bytes = bytes.substr(0, at) + other.substr(Below(other.size() + 1));
        last_ += "splice at " + std::to_string(at) + "; ";
        continue;
      }
      case 8: {
        const std::string copy = bytes.substr(at, 1 + Below(16));
        bytes.insert(Below(bytes.size() + 1), copy);
        last_ += "repeat bytes from " + std::to_string(at) + "; ";
        continue;
      }
      case 9: {
        // An extreme integer over 1, 2, 4 or 8 bytes: sizes and counts in raw framing.
        const size_t width = size_t{1} << Below(4);
        const uint64_t v = kExtremeUints[Below(std::size(kExtremeUints))];
        for (size_t i = 0; i < width && at + i < bytes.size(); ++i) {
          bytes[at + i] = static_cast<char>(v >> (8 * (OneIn(2) ? i : width - 1 - i)));
        }
        last_ += "write an extreme integer at " + std::to_string(at) + "; ";
        continue;
      }
      default:
        break;
    }
    bytes.push_back(static_cast<char>(kTypeBytes[Below(std::size(kTypeBytes))]));
    last_ += "append a byte; ";
  }
  return bytes;
}

std::string Mutator::Mutate(const Decoder& decoder, const std::string& input,
                            const std::vector<std::string>& others) {
  last_.clear();
  const size_t framing = decoder.prefix + decoder.suffix;
  if (decoder.msgpack && input.size() > framing && Below(3) != 0) {
    std::optional<Node> root =
        Parse(std::string_view(input).substr(decoder.prefix, input.size() - framing));
    if (root) {
      const uint64_t ops = 1 + Below(3);
      for (uint64_t i = 0; i < ops; ++i) MutateTree(*root);
      std::string out = input.substr(0, decoder.prefix) + Packed(*root) +
                        input.substr(input.size() - decoder.suffix);
      return OneIn(4) ? MutateBytes(std::move(out), others) : out;
    }
  }
  return MutateBytes(input, others);
}

std::string Hex(std::string_view bytes, size_t max) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  if (bytes.size() > max) out += "...";
  return out;
}

}  // namespace trunkline::fuzz
