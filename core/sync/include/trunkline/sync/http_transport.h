// The sync worker's Transport over real HTTP (core/http).
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "trunkline/sync/sync_worker.h"

namespace trunkline::sync {

struct HttpTransportOptions {
  std::chrono::milliseconds timeout{10'000};  // per request
  uint32_t max_connections_per_host = 16;
  std::string ca_file;  // empty: the system's CA store
};

std::unique_ptr<Transport> MakeHttpTransport(const HttpTransportOptions& options);

}  // namespace trunkline::sync
