#include "request_log.h"

#include "secrets.h"

namespace trunkline::emulator {
namespace json = boost::json;
namespace {

// What an entry costs beyond its text: its fields, the deque's slot.
constexpr size_t kEntryOverhead = 256;

}  // namespace

RequestLog::RequestLog(size_t limit_bytes) : limit_bytes_(limit_bytes) {}

void RequestLog::Record(const std::string& provider, const http::Request& request, int status,
                        const std::string& fault) {
  Entry e{provider,
          request.method,
          MaskTarget(request.target),
          MaskHeaders(request.headers),
          MaskBody(request.body),
          status,
          fault};
  e.bytes = kEntryOverhead + e.provider.size() + e.method.size() + e.target.size() + e.body.size() +
            e.fault.size();
  for (const http::Header& h : e.headers) e.bytes += h.name.size() + h.value.size();
  std::lock_guard lock(mu_);
  if (e.bytes > limit_bytes_) {
    ++dropped_;
    return;
  }
  while (bytes_ + e.bytes > limit_bytes_) {
    bytes_ -= entries_.front().bytes;
    entries_.pop_front();
    ++dropped_;
  }
  bytes_ += e.bytes;
  entries_.push_back(std::move(e));
}

json::object RequestLog::ToJson() const {
  json::array requests;
  std::lock_guard lock(mu_);
  for (const Entry& e : entries_) {
    json::object headers;
    for (const http::Header& h : e.headers) headers[h.name] = h.value;
    requests.push_back(json::object{{"provider", e.provider},
                                    {"method", e.method},
                                    {"target", e.target},
                                    {"headers", std::move(headers)},
                                    {"body", e.body},
                                    {"status", e.status},
                                    {"fault", e.fault}});
  }
  return json::object{{"requests", std::move(requests)},
                      {"dropped", dropped_},
                      {"bytes", bytes_},
                      {"limit_bytes", limit_bytes_}};
}

void RequestLog::Clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
  bytes_ = 0;
  dropped_ = 0;
}

}  // namespace trunkline::emulator
