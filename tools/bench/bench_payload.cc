// The msgpack border file of trunkline-bench.
#include "bench_payload.h"

#include <msgpack.hpp>

namespace trunkline::bench {
namespace {
struct StringSink {
  std::string* out;
  void write(const char* data, size_t size) { out->append(data, size); }
};
}  // namespace

std::string MakePayload(uint64_t seed, size_t approx_bytes) {
  std::string out;
  StringSink sink{&out};
  msgpack::packer<StringSink> pk(sink);
  const std::string name = "trunk-" + std::to_string(seed % 10000);
  const std::string domain = "t" + std::to_string(seed) + ".pstn.twilio.com";
  const size_t fixed = 120 + name.size() + domain.size();
  const std::string note(approx_bytes > fixed ? approx_bytes - fixed : 8,
                         static_cast<char>('a' + seed % 26));
  pk.pack_map(7);
  pk.pack(std::string("friendly_name"));
  pk.pack(name);
  pk.pack(std::string("domain_name"));
  pk.pack(domain);
  pk.pack(std::string("secure"));
  pk.pack(seed % 2 == 0);
  pk.pack(std::string("transfer_mode"));
  pk.pack(std::string("enable-all"));
  pk.pack(std::string("priority"));
  pk.pack(static_cast<uint32_t>(seed % 65536));
  pk.pack(std::string("weight"));
  pk.pack(static_cast<uint32_t>(1 + seed % 100));
  pk.pack(std::string("note"));
  pk.pack(note);
  return out;
}

int DecodePayload(std::string_view payload) {
  thread_local msgpack::zone zone;  // reused: a fresh zone per event costs an allocation
  zone.clear();
  try {
    size_t offset = 0;
    const msgpack::object o = msgpack::unpack(zone, payload.data(), payload.size(), offset);
    if (o.type != msgpack::type::MAP) return -1;
    return static_cast<int>(o.via.map.size);
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace trunkline::bench
