// Mutations edit a msgpack::object tree in place, inside the zone it was unpacked into:
// nodes are replaced by values made in the same zone, maps and arrays grown by copying
// their members into a larger block of it.
#include "mutate.h"

#include <algorithm>
#include <limits>
#include <msgpack.hpp>

namespace trunkline::plugin_check {
namespace {

uint64_t Below(Rng& rng, uint64_t n) { return n == 0 ? 0 : rng() % n; }

struct Node {
  std::string path;
  msgpack::object* object;
};

void Collect(msgpack::object& o, const std::string& path, std::vector<Node>& out) {
  out.push_back({path, &o});
  if (o.type == msgpack::type::ARRAY) {
    for (uint32_t i = 0; i < o.via.array.size; ++i) {
      Collect(o.via.array.ptr[i], path + "[" + std::to_string(i) + "]", out);
    }
  } else if (o.type == msgpack::type::MAP) {
    for (uint32_t i = 0; i < o.via.map.size; ++i) {
      msgpack::object_kv& kv = o.via.map.ptr[i];
      const std::string key = kv.key.type == msgpack::type::STR
                                  ? std::string(kv.key.via.str.ptr, kv.key.via.str.size)
                                  : "<key " + std::to_string(i) + ">";
      Collect(kv.val, path + "." + key, out);
    }
  }
}

template <typename T>
T* Block(msgpack::zone& zone, size_t n) {
  return static_cast<T*>(zone.allocate_align(sizeof(T) * std::max<size_t>(n, 1), alignof(T)));
}

msgpack::object Str(msgpack::zone& zone, const std::string& s) { return msgpack::object(s, zone); }

msgpack::object Array(msgpack::zone& zone, std::vector<msgpack::object> items) {
  msgpack::object o;
  o.type = msgpack::type::ARRAY;
  o.via.array.size = static_cast<uint32_t>(items.size());
  o.via.array.ptr = Block<msgpack::object>(zone, items.size());
  std::copy(items.begin(), items.end(), o.via.array.ptr);
  return o;
}

msgpack::object Map(msgpack::zone& zone, const std::vector<msgpack::object_kv>& entries) {
  msgpack::object o;
  o.type = msgpack::type::MAP;
  o.via.map.size = static_cast<uint32_t>(entries.size());
  o.via.map.ptr = Block<msgpack::object_kv>(zone, entries.size());
  std::copy(entries.begin(), entries.end(), o.via.map.ptr);
  return o;
}

msgpack::object Bin(msgpack::zone& zone, const std::string& bytes, bool ext) {
  msgpack::object o;
  char* data = Block<char>(zone, bytes.size() + 1);
  data[0] = 5;  // ext type
  std::copy(bytes.begin(), bytes.end(), data + (ext ? 1 : 0));
  if (ext) {
    o.type = msgpack::type::EXT;
    o.via.ext.ptr = data;
    o.via.ext.size = static_cast<uint32_t>(bytes.size());
  } else {
    o.type = msgpack::type::BIN;
    o.via.bin.ptr = data;
    o.via.bin.size = static_cast<uint32_t>(bytes.size());
  }
  return o;
}

// A value of the type `kind` (0..9); *name says which.
msgpack::object TypedValue(msgpack::zone& zone, int kind, std::string* name) {
  switch (kind) {
    case 0:
      *name = "nil";
      return msgpack::object();
    case 1:
      *name = "true";
      return msgpack::object(true);
    case 2:
      *name = "-1";
      return msgpack::object(int64_t{-1});
    case 3:
      *name = "uint64 max";
      return msgpack::object(std::numeric_limits<uint64_t>::max());
    case 4:
      *name = "float 1.5";
      return msgpack::object(1.5);
    case 5:
      *name = "a string";
      return Str(zone, "x");
    case 6:
      *name = "binary";
      return Bin(zone, "\x01\x02\x03", false);
    case 7:
      *name = "ext";
      return Bin(zone, "\x01\x02", true);
    case 8:
      *name = "an array";
      return Array(zone, {msgpack::object(int64_t{1}), Str(zone, "a")});
    default:
      *name = "a map";
      return Map(zone, {{Str(zone, "k"), msgpack::object(int64_t{1})}});
  }
}
constexpr int kTypedValues = 10;

msgpack::object Nest(msgpack::zone& zone, msgpack::object inner, int levels, bool maps) {
  for (int i = 0; i < levels; ++i) {
    inner = maps ? Map(zone, {{Str(zone, "k"), inner}}) : Array(zone, {inner});
  }
  return inner;
}

std::string Pack(const msgpack::object& o) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, o);
  return std::string(buffer.data(), buffer.size());
}

const std::vector<std::string>& OddStrings() {
  static const std::vector<std::string> odd = {"",
                                               "remote:",
                                               "{account_id}",
                                               "../../../etc/passwd",
                                               "a\r\nAuthorization: Basic eA==",
                                               std::string("nul\0byte", 8),
                                               "%00%zz%",
                                               "\xf0\x9f\x99\x82",
                                               "\xff\xfe\xc3",
                                               "?a=b&c=d#e",
                                               std::string(4096, '9')};
  return odd;
}

// One msgpack-level mutation of `root`; false when it found nothing to do.
bool MutateTree(msgpack::object& root, msgpack::zone& zone, Rng& rng, std::string* what) {
  std::vector<Node> nodes;
  Collect(root, "$", nodes);
  Node& n = nodes[Below(rng, nodes.size())];
  msgpack::object& o = *n.object;
  std::string name;
  switch (Below(rng, 8)) {
    case 0:
      o = TypedValue(zone, static_cast<int>(Below(rng, kTypedValues)), &name);
      *what = n.path + " replaced by " + name;
      return true;
    case 1: {
      if (o.type != msgpack::type::MAP || o.via.map.size == 0) return false;
      const uint32_t i = static_cast<uint32_t>(Below(rng, o.via.map.size));
      *what = "member " + std::to_string(i) + " of " + n.path + " removed";
      o.via.map.ptr[i] = o.via.map.ptr[o.via.map.size - 1];
      --o.via.map.size;
      return true;
    }
    case 2: {
      if (o.type != msgpack::type::MAP) return false;
      std::vector<msgpack::object_kv> entries(o.via.map.ptr, o.via.map.ptr + o.via.map.size);
      const bool odd_key = Below(rng, 2) == 0;
      msgpack::object key = odd_key ? TypedValue(zone, static_cast<int>(Below(rng, 5)), &name)
                                    : Str(zone, "zz_unknown");
      if (!odd_key && !entries.empty() && Below(rng, 2) == 0) {
        key = entries[Below(rng, entries.size())].key;  // a duplicate key
        name = "a duplicate key";
      }
      entries.push_back({key, TypedValue(zone, static_cast<int>(Below(rng, kTypedValues)), &name)});
      o = Map(zone, entries);
      *what =
          n.path + " given an extra member (key " + (odd_key ? "not a string" : "a string") + ")";
      return true;
    }
    case 3: {
      const int levels = Below(rng, 10) == 0 ? 1000 : 1 + static_cast<int>(Below(rng, 40));
      const bool maps = Below(rng, 2) == 0;
      o = Nest(zone, o, levels, maps);
      *what = n.path + " nested in " + std::to_string(levels) + (maps ? " maps" : " arrays");
      return true;
    }
    case 4: {
      const size_t size = size_t{1} << (10 + Below(rng, 9));  // 1 KiB .. 256 KiB
      const char fill = Below(rng, 2) == 0 ? 'A' : '\xff';
      o = Str(zone, std::string(size, fill));
      *what = n.path + " replaced by a string of " + std::to_string(size) + " bytes";
      return true;
    }
    case 5: {
      if (o.type != msgpack::type::STR) return false;
      const size_t i = Below(rng, OddStrings().size());
      o = Str(zone, OddStrings()[i]);
      *what = n.path + " replaced by odd string #" + std::to_string(i);
      return true;
    }
    case 6: {
      if (o.type != msgpack::type::POSITIVE_INTEGER && o.type != msgpack::type::NEGATIVE_INTEGER &&
          o.type != msgpack::type::BOOLEAN) {
        return false;
      }
      static const int64_t kInts[] = {std::numeric_limits<int64_t>::min(), -1, 0, 1 << 31,
                                      std::numeric_limits<int64_t>::max()};
      const int64_t v = kInts[Below(rng, 5)];
      o = msgpack::object(v);
      *what = n.path + " replaced by " + std::to_string(v);
      return true;
    }
    default: {
      if (nodes.size() < 2) return false;
      Node& other = nodes[Below(rng, nodes.size())];
      // Not from an ancestor: the tree would contain itself.
      if (n.path.starts_with(other.path)) return false;
      o = *other.object;  // a copy of another node's value (shares its zone memory)
      *what = n.path + " replaced by a copy of " + other.path;
      return true;
    }
  }
}

std::string MutateBytes(std::string bytes, Rng& rng, std::string* what) {
  const size_t at = Below(rng, bytes.size() + 1);
  switch (Below(rng, 6)) {
    case 0:
      if (bytes.empty()) return bytes;
      bytes[at % bytes.size()] ^= static_cast<char>(1u << Below(rng, 8));
      *what = "a bit of byte " + std::to_string(at % bytes.size()) + " flipped";
      return bytes;
    case 1:
      *what = "cut to " + std::to_string(at) + " of " + std::to_string(bytes.size()) + " bytes";
      return bytes.substr(0, at);
    case 2: {
      std::string junk;
      for (uint64_t n = 1 + Below(rng, 8); n > 0; --n) junk.push_back(static_cast<char>(rng()));
      *what = std::to_string(junk.size()) + " random bytes inserted at " + std::to_string(at);
      return bytes.insert(at, junk);
    }
    case 3: {
      if (bytes.empty()) return bytes;
      static const unsigned char kHeaders[] = {0xc1, 0xdd, 0xdf, 0xdb, 0xc6, 0xc9, 0xcf, 0xd3};
      const unsigned char h = kHeaders[Below(rng, sizeof kHeaders)];
      bytes[at % bytes.size()] = static_cast<char>(h);
      *what =
          "byte " + std::to_string(at % bytes.size()) + " set to type header " + std::to_string(h);
      return bytes;
    }
    case 4:
      *what = "trailing garbage appended";
      return bytes + "\xc1\x00\xff";
    default: {
      const size_t len = Below(rng, bytes.size() - at + 1);
      *what = std::to_string(len) + " bytes deleted at " + std::to_string(at);
      return bytes.erase(at, len);
    }
  }
}

// A copy of `valid` with every string node transformed by `fn`.
std::string MapStrings(const std::string& valid,
                       const std::function<std::string(std::string)>& fn) {
  msgpack::zone zone;
  size_t offset = 0;
  msgpack::object root = UnpackBounded(zone, valid, offset);
  std::vector<Node> nodes;
  Collect(root, "$", nodes);
  for (Node& n : nodes) {
    if (n.object->type == msgpack::type::STR) {
      *n.object = Str(zone, fn(std::string(n.object->via.str.ptr, n.object->via.str.size)));
    }
  }
  return Pack(root);
}

std::vector<Case> NamedCases(const std::string& valid) {
  msgpack::zone zone;
  std::string name;
  std::vector<Case> out = {{"empty input (0 bytes)", ""},
                           {"never-used byte 0xc1", "\xc1"},
                           {"array32 claiming 4294967295 elements", "\xdd\xff\xff\xff\xff"},
                           {"map32 claiming 4294967295 pairs", "\xdf\xff\xff\xff\xff"},
                           {"str32 claiming 4294967295 bytes",
                            "\xdb\xff\xff\xff\xff"
                            "abc"},
                           {"bin32 claiming 4294967295 bytes", "\xc6\xff\xff\xff\xff"},
                           {"100000 nested arrays", std::string(100000, '\x91') + '\xc0'},
                           {"valid input with a trailing byte", valid + '\xc0'},
                           {"valid input twice", valid + valid}};
  std::string maps;
  for (int i = 0; i < 100000; ++i) maps += "\x81\xa1k";
  out.push_back({"100000 nested maps", maps + '\xc0'});
  for (int kind = 0; kind < kTypedValues; ++kind) {
    const std::string bytes = Pack(TypedValue(zone, kind, &name));
    out.push_back({"the whole input is " + name, bytes});
  }
  try {
    out.push_back({"every string 64 KiB long",
                   MapStrings(valid, [](std::string) { return std::string(64 << 10, 'A'); })});
    out.push_back({"every string invalid UTF-8",
                   MapStrings(valid, [](std::string s) { return s + "\xff\xc3("; })});
    out.push_back({"every string with a NUL byte",
                   MapStrings(valid, [](std::string s) { return s + std::string(1, '\0') + s; })});
    size_t offset = 0;
    const msgpack::object root = UnpackBounded(zone, valid, offset);
    if (root.type == msgpack::type::MAP) {
      msgpack::sbuffer buffer;
      msgpack::packer<msgpack::sbuffer> pk(buffer);
      pk.pack_map(root.via.map.size + 200000);
      for (uint32_t i = 0; i < root.via.map.size; ++i) {
        pk.pack(root.via.map.ptr[i].key);
        pk.pack(root.via.map.ptr[i].val);
      }
      for (int i = 0; i < 200000; ++i) {
        pk.pack("k" + std::to_string(i));
        pk.pack_nil();
      }
      out.push_back({"200000 unknown members", std::string(buffer.data(), buffer.size())});
    }
    msgpack::sbuffer nils;
    msgpack::packer<msgpack::sbuffer> pk(nils);
    pk.pack_array(1000000);
    for (int i = 0; i < 1000000; ++i) pk.pack_nil();
    out.push_back({"an array of 1000000 nils", std::string(nils.data(), nils.size())});
    out.push_back({"a 4 MiB string", Pack(Str(zone, std::string(4 << 20, 'x')))});
  } catch (const std::exception&) {
    // `valid` is the checker's own encoding; it always unpacks.
  }
  return out;
}

}  // namespace

std::vector<Case> HostileCases(const std::string& valid, size_t max_cases) {
  std::vector<Case> out = NamedCases(valid);
  std::vector<Case> more;
  for (size_t len = 0; len < valid.size(); ++len) {
    more.push_back({"valid input cut to " + std::to_string(len) + " of " +
                        std::to_string(valid.size()) + " bytes",
                    valid.substr(0, len)});
  }
  msgpack::zone zone;
  size_t offset = 0;
  msgpack::object root = UnpackBounded(zone, valid, offset);
  std::vector<Node> nodes;
  Collect(root, "$", nodes);
  for (Node& n : nodes) {
    const msgpack::object saved = *n.object;
    for (int kind = 0; kind < kTypedValues; ++kind) {
      std::string name;
      *n.object = TypedValue(zone, kind, &name);
      more.push_back({n.path + " replaced by " + name, Pack(root)});
    }
    *n.object = saved;
  }
  const size_t room = max_cases > out.size() ? max_cases - out.size() : 0;
  for (size_t i = 0; i < room && i < more.size(); ++i) {
    out.push_back(std::move(more[more.size() <= room ? i : i * more.size() / room]));
  }
  return out;
}

msgpack::object UnpackBounded(msgpack::zone& zone, std::string_view bytes, size_t& offset) {
  const size_t n = std::min<size_t>(bytes.size(), UINT32_MAX);
  const msgpack::unpack_limit limits(/*array=*/n, /*map=*/n / 2, /*str=*/n, /*bin=*/n,
                                     /*ext=*/n, /*depth=*/1000);
  return msgpack::unpack(zone, bytes.data(), bytes.size(), offset, nullptr, nullptr, limits);
}

std::string Mutate(const std::string& valid, Rng& rng, std::string* what) {
  std::string bytes = valid;
  what->clear();
  for (uint64_t n = 1 + Below(rng, 3); n > 0; --n) {
    std::string did;
    bool done = false;
    if (Below(rng, 3) != 0) {
      try {
        msgpack::zone zone;
        size_t offset = 0;
        msgpack::object root = UnpackBounded(zone, bytes, offset);
        if (offset == bytes.size() && MutateTree(root, zone, rng, &did)) {
          bytes = Pack(root);
          done = true;
        }
      } catch (const std::exception&) {
        // No longer msgpack: mutate its bytes.
      }
    }
    if (!done) bytes = MutateBytes(std::move(bytes), rng, &did);
    *what += (what->empty() ? "" : "; ") + did;
  }
  return bytes;
}

}  // namespace trunkline::plugin_check
