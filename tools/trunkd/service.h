// trunkd as one object: the registry (journal, projections, plugins), the sync worker on its
// own thread, the HTTP API, and in sandbox mode the provider emulators it syncs to. main.cc
// parses the options and handles signals; tests start a Service in process.
//
// Thread-safety: Shutdown may be called from any thread, once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "log.h"
#include "trunkline/base/status.h"
#include "trunkline/sync/accounts.h"

namespace trunkline::trunkd {

enum class SandboxMode { kAuto, kOn, kOff };

struct ServiceOptions {
  std::string data_dir = "trunkline-data";
  std::string plugin_dir;  // empty: the built plugins
  std::string address = "127.0.0.1";
  uint16_t port = 8470;  // 0: any free port
  std::string tokens_file;
  std::string accounts_file;
  std::string ca_file;
  // Sandbox: the emulators, started in process, stand in for the providers. kAuto: when no
  // accounts file is given and the environment has no provider credentials.
  SandboxMode sandbox = SandboxMode::kAuto;
  bool sync = true;
  uint32_t sync_concurrency = 32;
  uint32_t sync_max_attempts = 8;
  std::chrono::milliseconds drift_interval{300'000};
  int threads = 2;
  size_t max_body_bytes = 1024 * 1024;
  size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds request_timeout{10'000};
  double rate_per_token = 0;  // requests/s per token; 0: none
  uint32_t burst = 200;
  std::chrono::milliseconds lock_wait{5'000};
  sync::Environment environment;  // TRUNKLINE_TOKEN and provider credentials; empty: process
};

class Service {
 public:
  // kUnavailable when the data dir is held by another process (names it) or the address
  // cannot be bound; kInvalidArgument for a tokens or accounts file that breaks a rule.
  static Result<std::unique_ptr<Service>> Start(ServiceOptions options, Log& log);
  ~Service();  // Shutdown(0) if not done

  uint16_t port() const;
  std::string url() const;
  // Where the generated token was stored; empty when tokens came from a file or TRUNKLINE_TOKEN.
  const std::string& token_file() const;
  bool sandbox() const;
  uint16_t twilio_port() const;  // sandbox only; else 0
  uint16_t plivo_port() const;

  // Stops taking connections, answers the requests in flight (up to `grace`), stops the
  // sync worker after its requests in flight, saves the projections, closes the journal.
  void Shutdown(std::chrono::milliseconds grace);

  struct Impl;

 private:
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trunkline::trunkd
