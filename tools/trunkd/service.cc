#include "service.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "api.h"
#include "auth.h"
#include "emulator.h"
#include "metrics.h"
#include "trunkline/http/http.h"
#include "trunkline/plugin_host/plugin_host.h"
#include "trunkline/registry/registry.h"
#include "trunkline/sync/http_transport.h"
#include "trunkline/sync/sync_worker.h"

namespace trunkline::trunkd {
namespace {

// Counts the worker's provider requests by provider and status for /metrics.
class CountingTransport : public sync::Transport {
 public:
  CountingTransport(std::unique_ptr<sync::Transport> inner, Metrics& metrics)
      : inner_(std::move(inner)), metrics_(metrics) {}

  void Note(const std::string& base_url, const std::string& provider) {
    std::lock_guard lock(mu_);
    providers_[base_url] = provider;
  }

  void AsyncSend(const std::string& base_url, http::Request request,
                 std::function<void(Result<http::Response>)> done) override {
    std::string provider;
    {
      std::lock_guard lock(mu_);
      auto it = providers_.find(base_url);
      provider = it == providers_.end() ? "unknown" : it->second;
    }
    inner_->AsyncSend(base_url, std::move(request),
                      [this, provider, done = std::move(done)](Result<http::Response> r) {
                        metrics_.ProviderRequest(provider,
                                                 r.ok() ? std::to_string(r->status) : "error");
                        done(std::move(r));
                      });
  }

 private:
  std::unique_ptr<sync::Transport> inner_;
  Metrics& metrics_;
  std::mutex mu_;
  std::map<std::string, std::string> providers_;  // base URL -> provider
};

std::string Hex(size_t n, bool upper) {
  std::string t = RandomToken().substr(0, n);
  if (upper) {
    for (char& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return t;
}

bool HasProviderCredentials(const sync::Environment& env) {
  for (const char* name :
       {"TWILIO_ACCOUNT_SID", "TWILIO_API_KEY", "PLIVO_AUTH_ID", "TELNYX_API_KEY"}) {
    if (auto v = env(name); v && !v->empty()) return true;
  }
  return false;
}

}  // namespace

struct Service::Impl {
  ServiceOptions options;
  Log* log = nullptr;
  std::string token_file;
  Tokens tokens;
  Metrics metrics;
  std::unique_ptr<emulator::Emulator> emulator;
  std::unique_ptr<registry::Registry> registry;
  std::unique_ptr<CountingTransport> transport;
  std::unique_ptr<sync::SyncWorker> worker;
  std::unique_ptr<sync::SyncWorker> planner;
  std::thread worker_thread;
  std::unique_ptr<Api> api;
  std::unique_ptr<http::Server> server;
  std::once_flag shut;

  // The emulators, and an environment that points the accounts at them; the credentials also
  // go to <data-dir>/sandbox.env (0600) for the demo and for a user's own requests.
  Result<sync::Environment> StartSandbox() {
    const std::string twilio_sid = "AC" + Hex(32, false);
    const std::string twilio_token = Hex(32, false);
    const std::string plivo_id = "MA" + Hex(18, true);
    const std::string plivo_token = Hex(40, false);
    const std::string telnyx_key = "KEY" + Hex(32, true) + "_" + Hex(22, false);
    emulator::EmulatorOptions eo;
    eo.twilio.accounts = {{twilio_sid, twilio_token}};
    eo.plivo.accounts = {{plivo_id, plivo_token}};
    eo.telnyx.accounts = {{telnyx_key, {}}};
    TRUNKLINE_ASSIGN_OR_RETURN(emulator, emulator::Emulator::Start(eo));
    const auto url = [](uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); };
    const std::string twilio_url = url(emulator->twilio_port());
    const std::string plivo_url = url(emulator->plivo_port());
    const std::string telnyx_url = url(emulator->telnyx_port());
    // Telnyx is served for a Telnyx plugin, which is built out of tree (plugins/telnyx).
    std::map<std::string, std::string> vars = {
        {"TWILIO_ACCOUNT_SID", twilio_sid}, {"TWILIO_AUTH_TOKEN", twilio_token},
        {"TWILIO_BASE_URL", twilio_url},    {"PLIVO_AUTH_ID", plivo_id},
        {"PLIVO_AUTH_TOKEN", plivo_token},  {"PLIVO_BASE_URL", plivo_url},
        {"TELNYX_API_KEY", telnyx_key},     {"TELNYX_BASE_URL", telnyx_url}};
    const std::string path = (std::filesystem::path(options.data_dir) / "sandbox.env").string();
    {
      std::ofstream out(path, std::ios::trunc);
      for (const auto& [k, v] : vars) out << k << "=" << v << "\n";
      if (!out) return UnavailableError("writing " + path);
    }
    ::chmod(path.c_str(), 0600);
    log->Warn(
        "SANDBOX MODE: no provider credentials are configured, so trunks sync to the "
        "provider emulators started inside trunkd, not to Twilio, Plivo or Telnyx",
        {{"twilio_emulator", twilio_url},
         {"plivo_emulator", plivo_url},
         {"telnyx_emulator", telnyx_url},
         {"credentials_file", path}});
    return sync::MapEnvironment(std::move(vars));
  }

  Status LoadTokens(const sync::Environment& env) {
    if (!options.tokens_file.empty()) {
      TRUNKLINE_ASSIGN_OR_RETURN(tokens, Tokens::Load(options.tokens_file));
      log->Info("tokens from file",
                {{"file", options.tokens_file}, {"tokens", uint64_t(tokens.size())}});
      return OkStatus();
    }
    if (auto token = env("TRUNKLINE_TOKEN"); token && !token->empty()) {
      tokens = Tokens::Single("env", *token);
      log->Info("one write token from TRUNKLINE_TOKEN, named env");
      return OkStatus();
    }
    const std::string path = (std::filesystem::path(options.data_dir) / "api-token").string();
    TRUNKLINE_ASSIGN_OR_RETURN(auto made, Tokens::Generate(path));
    tokens = std::move(made.first);
    token_file = made.second;
    log->Info("made a write token, named local", {{"token_file", token_file}});
    return OkStatus();
  }
};

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Service::~Service() { Shutdown(std::chrono::milliseconds(0)); }

Result<std::unique_ptr<Service>> Service::Start(ServiceOptions options, Log& log) {
  auto impl = std::make_unique<Impl>();
  impl->log = &log;
  if (!options.environment) options.environment = sync::ProcessEnvironment();
  if (options.plugin_dir.empty()) options.plugin_dir = plugin_host::DefaultPluginDir();
  impl->options = options;
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec)
    return UnavailableError("creating the data dir " + options.data_dir + ": " + ec.message());

  registry::RegistryOptions ro;
  ro.data_dir = options.data_dir;
  ro.plugin_dir = options.plugin_dir;
  ro.lock_wait = options.lock_wait;
  TRUNKLINE_ASSIGN_OR_RETURN(impl->registry, registry::Registry::Open(ro));
  for (const std::string& notice : impl->registry->Notices()) log.Warn(notice);
  for (const Status& refused : impl->registry->RefusedPlugins()) {
    log.Warn("plugin refused", {{"why", refused.message()}});
  }
  TRUNKLINE_RETURN_IF_ERROR(impl->LoadTokens(options.environment));

  const bool sandbox = options.sandbox == SandboxMode::kOn ||
                       (options.sandbox == SandboxMode::kAuto && options.accounts_file.empty() &&
                        !HasProviderCredentials(options.environment));
  if (options.sync) {
    sync::Environment env = options.environment;
    if (sandbox) {
      TRUNKLINE_ASSIGN_OR_RETURN(env, impl->StartSandbox());
    }
    std::shared_ptr<const sync::Accounts> accounts;
    if (!options.accounts_file.empty() && !sandbox) {
      Result<std::unique_ptr<sync::Accounts>> loaded =
          sync::Accounts::Load(options.accounts_file, env);
      if (!loaded.ok()) return loaded.status().WithContext("--accounts");
      accounts = std::move(*loaded);
    } else {
      accounts = sync::Accounts::FromEnvironment(env);
    }
    sync::HttpTransportOptions to;
    to.ca_file = options.ca_file;
    Result<std::unique_ptr<sync::Transport>> transport = sync::MakeHttpTransport(to);
    if (!transport.ok()) return transport.status().WithContext("--ca-file");
    impl->transport = std::make_unique<CountingTransport>(std::move(*transport), impl->metrics);
    sync::AccountResolver inner = sync::ResolverOf(accounts);
    CountingTransport* counting = impl->transport.get();
    sync::AccountResolver resolver = [inner, counting](const std::string& provider,
                                                       const std::string& alias) {
      Result<sync::AccountAccess> access = inner(provider, alias);
      if (access.ok()) counting->Note(access->base_url, provider);
      return access;
    };
    sync::SyncOptions so;
    so.concurrency = options.sync_concurrency;
    so.max_attempts = options.sync_max_attempts;
    so.drift_interval = options.drift_interval;
    impl->worker =
        std::make_unique<sync::SyncWorker>(*impl->registry, *impl->transport, resolver, so);
    impl->planner =
        std::make_unique<sync::SyncWorker>(*impl->registry, *impl->transport, resolver, so);
    impl->worker_thread = std::thread([impl = impl.get()] {
      Status s = impl->worker->Run();
      if (!s.ok()) impl->log->Error("sync worker stopped", {{"why", s.ToString()}});
    });
  }

  ApiParts parts{impl->registry.get(), impl->worker.get(), impl->planner.get(),
                 &impl->tokens,        &impl->metrics,     &log};
  ApiOptions ao;
  ao.rate_per_token = options.rate_per_token;
  ao.burst = options.burst;
  ao.sandbox = sandbox && options.sync;
  impl->api = std::make_unique<Api>(parts, ao);
  http::ServerOptions so;
  so.address = options.address;
  so.port = options.port;
  so.threads = options.threads;
  so.max_body_bytes = options.max_body_bytes;
  so.max_header_bytes = options.max_header_bytes;
  so.idle_timeout = options.idle_timeout;
  so.request_timeout = options.request_timeout;
  Api* api = impl->api.get();
  auto server = http::Server::Start(
      so, [api](const http::Request& r, http::Respond respond) { api->Handle(r, respond); });
  auto service = std::unique_ptr<Service>(new Service(std::move(impl)));
  if (!server.ok()) {
    return server.status().WithContext("--listen " + options.address + ":" +
                                       std::to_string(options.port));
  }
  service->impl_->server = std::move(*server);
  log.Info("listening", {{"url", service->url()},
                         {"data_dir", options.data_dir},
                         {"sync", options.sync},
                         {"sandbox", sandbox && options.sync}});
  return service;
}

uint16_t Service::port() const { return impl_->server ? impl_->server->port() : 0; }
std::string Service::url() const {
  return "http://" + impl_->options.address + ":" + std::to_string(port());
}
const std::string& Service::token_file() const { return impl_->token_file; }
bool Service::sandbox() const { return impl_->emulator != nullptr; }
uint16_t Service::twilio_port() const {
  return impl_->emulator ? impl_->emulator->twilio_port() : 0;
}
uint16_t Service::plivo_port() const { return impl_->emulator ? impl_->emulator->plivo_port() : 0; }

void Service::Shutdown(std::chrono::milliseconds grace) {
  std::call_once(impl_->shut, [&] {
    if (impl_->server) impl_->server->Shutdown(grace);
    if (impl_->worker) impl_->worker->Stop();
    if (impl_->worker_thread.joinable()) impl_->worker_thread.join();
    impl_->api.reset();  // its own threads end with their work
    impl_->server.reset();
    impl_->planner.reset();
    impl_->worker.reset();
    impl_->registry.reset();  // saves the projections, closes the journal
    impl_->transport.reset();
    if (impl_->emulator) impl_->emulator->Stop();
    impl_->log->Info("stopped");
  });
}

}  // namespace trunkline::trunkd
