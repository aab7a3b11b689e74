// The sync worker's Transport over core/http's ProviderClient: HTTPS verified against the
// system's CA store (or `ca_file`), plain http to loopback only, keep-alive connections per
// host, HTTPS_PROXY/NO_PROXY honoured, a timeout per request.
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

// kInvalidArgument: the CA file cannot be loaded, or a proxy setting is malformed.
Result<std::unique_ptr<Transport>> MakeHttpTransport(const HttpTransportOptions& options);

}  // namespace trunkline::sync
