// RequestLog: the emulators' record of the requests they answered, shown by the admin API
// (GET /__emulator/requests). Bounded in bytes: when a new entry would pass the limit, the
// oldest entries are dropped (and counted) until it fits; an entry larger than the whole
// limit is dropped at once. Secrets never enter it: targets, headers and bodies are masked
// (secrets.h) before they are stored.
//
// Thread-safety: safe for concurrent use (one mutex).
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "trunkline/http/http.h"

namespace trunkline::emulator {

class RequestLog {
 public:
  // REQUIRES: limit_bytes > 0.
  explicit RequestLog(size_t limit_bytes);

  // Records one request of `provider`, masked. `status` is the answer's status, 0 when no
  // answer went out; `fault` the fault that struck ("" for none).
  void Record(const std::string& provider, const http::Request& request, int status,
              const std::string& fault);

  // {"requests": [{provider, method, target, headers{name: value}, body, status, fault}],
  //  "dropped": entries dropped to stay within the limit, "bytes": what the entries take,
  //  "limit_bytes": the limit}; oldest first.
  boost::json::object ToJson() const;

  // Forgets every entry and the dropped count.
  void Clear();

 private:
  struct Entry {
    std::string provider, method, target;
    std::vector<http::Header> headers;
    std::string body;
    int status = 0;
    std::string fault;
    size_t bytes = 0;  // what it counts against the limit
  };

  const size_t limit_bytes_;
  mutable std::mutex mu_;
  std::deque<Entry> entries_;  // guarded by mu_
  size_t bytes_ = 0;           // guarded by mu_
  uint64_t dropped_ = 0;       // guarded by mu_
};

}  // namespace trunkline::emulator
