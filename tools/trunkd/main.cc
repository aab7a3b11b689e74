// trunkd: the trunk registry as a service. See README.md.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "auth.h"
#include "log.h"
#include "service.h"
#include "trunkline/api/parse.h"
#include "trunkline/base/sha256.h"

namespace {

using trunkline::Result;
using namespace trunkline::trunkd;  // NOLINT(google-build-using-namespace)

std::string EnvOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

// "127.0.0.1:8470", "[::1]:8470", or ":8470" for every IPv4 address (0.0.0.0).
bool SplitListen(const std::string& text, std::string& address, uint16_t& port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  address = text.substr(0, colon);
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  if (address.empty()) address = "0.0.0.0";
  Result<uint64_t> n = trunkline::api::ParseCount(text.substr(colon + 1));
  if (!n.ok() || *n > 65535) return false;
  port = static_cast<uint16_t>(*n);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  ServiceOptions o;
  o.data_dir = EnvOr("TRUNKLINE_DATA_DIR", "trunkline-data");
  o.plugin_dir = EnvOr("TRUNKLINE_PLUGIN_DIR", "");
  o.accounts_file = EnvOr("TRUNKLINE_ACCOUNTS", "");
  std::string listen = EnvOr("TRUNKLINE_LISTEN", "127.0.0.1:8470");
  std::string log_format = "auto";
  bool sandbox = false, no_sandbox = false, no_sync = false;
  double wait_lock = 5, drift_interval = 300, grace = 10;
  size_t max_body = o.max_body_bytes;

  CLI::App app{"trunkd: the trunk registry as a service (HTTP API, sync worker, metrics)"};
  app.set_version_flag("--version", std::string("trunkd ") + TRUNKLINE_VERSION);
  app.add_option("--data-dir", o.data_dir,
                 "Where the journal and projections live ($TRUNKLINE_DATA_DIR, "
                 "default ./trunkline-data)");
  app.add_option("--plugin-dir", o.plugin_dir,
                 "Where provider plugins are loaded from ($TRUNKLINE_PLUGIN_DIR, default the "
                 "built plugins)");
  app.add_option("--listen", listen,
                 "ADDRESS:PORT to serve the API on ($TRUNKLINE_LISTEN, default 127.0.0.1:8470; "
                 "port 0 picks a free one)");
  app.add_option("--tokens", o.tokens_file,
                 "Tokens file: one 'NAME read|write SHA256' per line (trunkd hash-token prints "
                 "a hash). Without it: $TRUNKLINE_TOKEN, else a token made at start-up in "
                 "<data-dir>/api-token");
  app.add_option("--accounts", o.accounts_file,
                 "Provider accounts file ($TRUNKLINE_ACCOUNTS; core/sync/README.md)");
  app.add_option("--ca-file", o.ca_file, "PEM certificate authorities for provider APIs");
  app.add_flag("--sandbox", sandbox,
               "Sync to provider emulators started inside trunkd (the default when no provider "
               "credentials are configured)");
  app.add_flag("--no-sandbox", no_sandbox, "Never start the emulators");
  app.add_flag("--no-sync", no_sync, "Do not run the sync worker");
  app.add_option("--sync-concurrency", o.sync_concurrency, "Trunks synced at once (default 32)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--sync-max-attempts", o.sync_max_attempts,
                 "Failed attempts in a row before a trunk is parked until a retry (default 8)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--drift-interval", drift_interval,
                 "Seconds between drift checks of a synced trunk (default 300; 0: never)")
      ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--threads", o.threads, "HTTP server threads (default 2)")
      ->check(CLI::Range(1, 256));
  app.add_option("--rate", o.rate_per_token,
                 "Requests per second each token may send, in bursts of --burst (default 0: no "
                 "limit); over it: 429 with Retry-After")
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--burst", o.burst, "Token bucket size for --rate (default 200)")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--max-body", max_body, "Largest request body in bytes (default 1 MiB): 413")
      ->check(CLI::Range(1024, 64 * 1024 * 1024));
  app.add_option("--wait-lock", wait_lock,
                 "Seconds to wait for a data dir another process holds (default 5)")
      ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--grace", grace,
                 "Seconds a stop (SIGTERM, SIGINT) waits for requests in flight (default 10)")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--log-format", log_format,
                 "text or json (default: text on a terminal, json otherwise)")
      ->check(CLI::IsMember({"auto", "text", "json"}));
  auto* hash = app.add_subcommand(
      "hash-token", "Reads a token on stdin and prints the SHA-256 a tokens file holds for it");
  CLI11_PARSE(app, argc, argv);

  if (hash->parsed()) {
    std::string token;
    std::getline(std::cin, token);
    if (token.empty()) {
      std::cerr << "trunkd hash-token: no token on stdin\n";
      return 2;
    }
    std::cout << trunkline::ToHex(trunkline::Sha256Of(token)) << "\n";
    return 0;
  }
  if (sandbox && no_sandbox) {
    std::cerr << "trunkd: --sandbox and --no-sandbox: give one\n";
    return 2;
  }
  if (!SplitListen(listen, o.address, o.port)) {
    std::cerr << "trunkd: --listen: must be ADDRESS:PORT, e.g. 127.0.0.1:8470 (got \"" << listen
              << "\")\n";
    return 2;
  }
  o.sandbox = sandbox ? SandboxMode::kOn : no_sandbox ? SandboxMode::kOff : SandboxMode::kAuto;
  o.sync = !no_sync;
  o.max_body_bytes = max_body;
  o.lock_wait = std::chrono::milliseconds(static_cast<int64_t>(wait_lock * 1000));
  o.drift_interval = std::chrono::milliseconds(static_cast<int64_t>(drift_interval * 1000));
  const bool json = log_format == "json" || (log_format == "auto" && !isatty(STDERR_FILENO));
  Log log(json ? LogFormat::kJson : LogFormat::kText);

  // Signals are taken by sigwait below: blocked before any thread starts, so none gets them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Result<std::unique_ptr<Service>> service = Service::Start(o, log);
  if (!service.ok()) {
    log.Error("cannot start", {{"why", service.status().ToString()}});
    return service.status().code() == trunkline::StatusCode::kInvalidArgument ? 2 : 1;
  }
  if (!(*service)->token_file().empty()) {
    std::fprintf(stderr, "trunkd: API token in %s\n", (*service)->token_file().c_str());
  }
  std::fprintf(stderr, "trunkd: serving %s%s\n", (*service)->url().c_str(),
               (*service)->sandbox() ? " (SANDBOX: syncing to built-in emulators)" : "");
  int received = 0;
  sigwait(&stop_signals, &received);
  log.Info("stopping", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*service)->Shutdown(std::chrono::milliseconds(static_cast<int64_t>(grace * 1000)));
  return 0;
}
