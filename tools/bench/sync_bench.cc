#include "sync_bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "emulator.h"
#include "trunkline/base/base64.h"
#include "trunkline/http/http.h"
#include "trunkline/plugin_host/plugin_host.h"
#include "trunkline/registry/registry.h"
#include "trunkline/sync/http_transport.h"
#include "trunkline/sync/sync_worker.h"

namespace trunkline::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kTwilioSid[] = "AC0123456789abcdef0123456789abcdef";
constexpr char kTwilioToken[] = "bench-twilio-token";
constexpr char kPlivoAuthId[] = "MABENCHMARK0000000001";
constexpr char kPlivoToken[] = "bench-plivo-token";
constexpr char kTelnyxKey[] = "KEY0BENCH00000000000000000000001_bench";

constexpr auto& Basic = BasicAuthorization;

bool Wanted(const SyncBenchOptions& o, const std::vector<std::string>& names) {
  if (o.only.empty()) return true;
  for (const std::string& name : names) {
    if (std::find(o.only.begin(), o.only.end(), name) != o.only.end()) return true;
  }
  return false;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

Result<std::unique_ptr<emulator::Emulator>> StartEmulator(const std::string& faults) {
  emulator::EmulatorOptions options;
  options.twilio.accounts = {{kTwilioSid, kTwilioToken}};
  options.plivo.accounts = {{kPlivoAuthId, kPlivoToken}};
  options.telnyx.accounts = {{kTelnyxKey, {}}};
  options.threads = 2;
  TRUNKLINE_ASSIGN_OR_RETURN(options.faults, emulator::ParseFaults(faults));
  return emulator::Emulator::Start(options);
}

Result<std::unique_ptr<registry::Registry>> OpenRegistry(const std::filesystem::path& dir) {
  registry::RegistryOptions options;
  options.data_dir = dir.string();
  options.plugin_dir = plugin_host::DefaultPluginDir();
  return registry::Registry::Open(options);
}

registry::CommandMeta Meta(const std::string& id) {
  registry::CommandMeta meta;
  meta.actor = "bench";
  meta.reason = "sync bench";
  meta.command_id = id;
  return meta;
}

sync::AccountResolver Resolver(const emulator::Emulator& emu, double plivo_rate) {
  const std::string twilio = "http://127.0.0.1:" + std::to_string(emu.twilio_port());
  const std::string plivo = "http://127.0.0.1:" + std::to_string(emu.plivo_port());
  const std::string telnyx = "http://127.0.0.1:" + std::to_string(emu.telnyx_port());
  return [=](const std::string& provider, const std::string&) -> Result<sync::AccountAccess> {
    if (provider == "twilio") {
      return sync::AccountAccess{twilio, kTwilioSid, Basic(kTwilioSid, kTwilioToken), 0, 1, 0};
    }
    if (provider == "telnyx") {
      return sync::AccountAccess{telnyx, "", std::string("Bearer ") + kTelnyxKey, 0, 1, 0};
    }
    return sync::AccountAccess{plivo,
                               kPlivoAuthId,
                               Basic(kPlivoAuthId, kPlivoToken),
                               plivo_rate,
                               static_cast<uint32_t>(plivo_rate),
                               0};
  };
}

// Runs one pass of the worker; the seconds it took and the requests it sent.
struct Pass {
  double seconds = 0;
  uint64_t requests = 0;
  uint64_t responses_429 = 0;
};
Result<Pass> SyncOnce(registry::Registry& reg, sync::AccountResolver accounts,
                      uint32_t concurrency) {
  TRUNKLINE_ASSIGN_OR_RETURN(
      std::unique_ptr<sync::Transport> transport,
      sync::MakeHttpTransport({std::chrono::milliseconds(10'000), concurrency, ""}));
  sync::SyncOptions options;
  options.concurrency = concurrency;
  sync::SyncWorker worker(reg, *transport, std::move(accounts), options);
  const auto start = Clock::now();
  TRUNKLINE_RETURN_IF_ERROR(worker.RunOnce().WithContext("the sync did not converge"));
  const sync::SyncProgress p = worker.progress();
  return Pass{std::chrono::duration<double>(Clock::now() - start).count(), p.requests,
              p.responses_429};
}

Status MeasureTwilio(const SyncBenchOptions& o, const std::filesystem::path& root,
                     std::vector<Figure>& figures) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto emu, StartEmulator("latency=20"));
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, OpenRegistry(root / "twilio"));
  for (uint64_t i = 0; i < o.twilio_trunks; ++i) {
    const std::string id = "tw" + std::to_string(i);
    domain::CreateTrunk create{"twilio", "default", {}};
    create.fields.set = {{"friendly_name", "bench " + std::to_string(i)},
                         {"domain_name", "bench-" + std::to_string(i) + ".pstn.twilio.com"}};
    TRUNKLINE_RETURN_IF_ERROR(reg->Execute(id, create, Meta(id + "-create")).status());
    domain::AddItem url{"origination_urls", "main", {}};
    url.fields.set = {{"friendly_name", "primary"},
                      {"sip_url", "sip:pbx-" + std::to_string(i) + ".example.com"},
                      {"priority", "10"},
                      {"weight", "10"},
                      {"enabled", "true"}};
    TRUNKLINE_RETURN_IF_ERROR(reg->Execute(id, url, Meta(id + "-url")).status());
  }
  TRUNKLINE_ASSIGN_OR_RETURN(Pass pass, SyncOnce(*reg, Resolver(*emu, 0), o.concurrency));
  const double floor = pass.requests * 0.020 / o.concurrency;
  figures.push_back(
      {"sync_" + std::to_string(o.twilio_trunks) + "_latency20ms_s", pass.seconds, "s"});
  figures.push_back({"sync_requests", static_cast<double>(pass.requests), "requests"});
  figures.push_back({"sync_floor_s", floor, "s"});
  figures.push_back({"sync_ratio", pass.seconds / floor, "x"});

  if (Wanted(o, {"sync_idle_cpu_pct"})) {
    TRUNKLINE_ASSIGN_OR_RETURN(std::unique_ptr<sync::Transport> transport,
                               sync::MakeHttpTransport({}));
    sync::SyncWorker worker(*reg, *transport, Resolver(*emu, 0), sync::SyncOptions{});
    std::thread runner([&] { worker.Run().IgnoreError(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the start-up fold
    const double cpu = CpuSeconds();
    const auto start = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(o.idle_seconds));
    const double used = CpuSeconds() - cpu;
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    worker.Stop();
    runner.join();
    figures.push_back({"sync_idle_cpu_pct", 100 * used / wall, "%"});
  }
  return OkStatus();
}

// The IP ACL every outbound Plivo trunk of the bench references, made as a user would.
Result<std::string> MakeIpAcl(const emulator::Emulator& emu) {
  http::Client client(http::ClientOptions{"127.0.0.1", emu.plivo_port()});
  http::Request request{
      "POST",
      std::string("/v1/Account/") + kPlivoAuthId + "/Zentrunk/IPAccessControlList/",
      {{"Authorization", Basic(kPlivoAuthId, kPlivoToken)}, {"Content-Type", "application/json"}},
      R"({"name":"bench","ip_addresses":["203.0.113.10"]})"};
  TRUNKLINE_ASSIGN_OR_RETURN(http::Response response, client.Send(request));
  boost::system::error_code ec;
  boost::json::value answer = boost::json::parse(response.body, ec);
  const boost::json::value* uuid =
      ec || !answer.is_object() ? nullptr : answer.as_object().if_contains("ipacl_uuid");
  if (response.status / 100 != 2 || uuid == nullptr || !uuid->is_string()) {
    return InternalError("the emulator made no IP ACL: " + std::to_string(response.status) + " " +
                         response.body);
  }
  return std::string(uuid->as_string());
}

Status MeasurePlivo(const SyncBenchOptions& o, const std::filesystem::path& root,
                    std::vector<Figure>& figures) {
  constexpr double kRate = 60;
  TRUNKLINE_ASSIGN_OR_RETURN(auto emu, StartEmulator("rate=60,burst=60"));
  TRUNKLINE_ASSIGN_OR_RETURN(std::string acl, MakeIpAcl(*emu));
  // That request took a token from the emulator's bucket: let it refill before the worker,
  // whose own bucket starts full, sends its first burst.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, OpenRegistry(root / "plivo"));
  for (uint64_t i = 0; i < o.plivo_trunks; ++i) {
    const std::string id = "pl" + std::to_string(i);
    domain::CreateTrunk create{"plivo", "default", {}};
    create.fields.set = {{"name", "bench-" + std::to_string(i)},
                         {"trunk_direction", "outbound"},
                         {"ipacl_uuid", acl}};
    TRUNKLINE_RETURN_IF_ERROR(reg->Execute(id, create, Meta(id + "-create")).status());
  }
  // The worker keeps a little under the provider's limit: two buckets of the same rate drift
  // apart by the network's jitter, and the provider's would then refuse the odd request.
  TRUNKLINE_ASSIGN_OR_RETURN(Pass pass,
                             SyncOnce(*reg, Resolver(*emu, kRate * 0.97), o.concurrency));
  const double floor = static_cast<double>(pass.requests) / kRate;
  figures.push_back({"sync_plivo_ratelimited_s", pass.seconds, "s"});
  figures.push_back({"plivo_requests", static_cast<double>(pass.requests), "requests"});
  figures.push_back({"plivo_floor_s", floor, "s"});
  figures.push_back({"plivo_ratio", floor > 0 ? pass.seconds / floor : 0, "x"});
  figures.push_back({"plivo_429_count", static_cast<double>(pass.responses_429), "responses"});
  return OkStatus();
}

Status MeasureTelnyx(const SyncBenchOptions& o, const std::filesystem::path& root,
                     std::vector<Figure>& figures) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto emu, StartEmulator("latency=20"));
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, OpenRegistry(root / "telnyx"));
  for (uint64_t i = 0; i < o.telnyx_trunks; ++i) {
    const std::string id = "tx" + std::to_string(i);
    domain::CreateTrunk create{"telnyx", "default", {}};
    create.fields.set = {{"connection_name", "bench-" + std::to_string(i)}};
    TRUNKLINE_RETURN_IF_ERROR(reg->Execute(id, create, Meta(id + "-create")).status());
    domain::AddItem fqdn{"fqdns", "main", {}};
    fqdn.fields.set = {{"fqdn", "sbc-" + std::to_string(i) + ".example.com"}};
    TRUNKLINE_RETURN_IF_ERROR(reg->Execute(id, fqdn, Meta(id + "-fqdn")).status());
  }
  TRUNKLINE_ASSIGN_OR_RETURN(Pass pass, SyncOnce(*reg, Resolver(*emu, 0), o.concurrency));
  const double floor = pass.requests * 0.020 / o.concurrency;
  figures.push_back({"sync_telnyx_latency20ms_s", pass.seconds, "s"});
  figures.push_back({"telnyx_requests", static_cast<double>(pass.requests), "requests"});
  figures.push_back({"telnyx_floor_s", floor, "s"});
  figures.push_back({"telnyx_ratio", pass.seconds / floor, "x"});
  return OkStatus();
}

}  // namespace

Result<std::vector<Figure>> RunSyncBench(const SyncBenchOptions& options) {
  return MeasureInScratchDir(
      options.dir, "sync", [&](const std::filesystem::path& root, std::vector<Figure>& figures) {
        if (Wanted(options, {"sync_" + std::to_string(options.twilio_trunks) + "_latency20ms_s",
                             "sync_floor_s", "sync_ratio", "sync_idle_cpu_pct"})) {
          TRUNKLINE_RETURN_IF_ERROR(MeasureTwilio(options, root, figures));
        }
        if (Wanted(options, {"sync_plivo_ratelimited_s", "plivo_floor_s", "plivo_ratio",
                             "plivo_429_count"})) {
          TRUNKLINE_RETURN_IF_ERROR(MeasurePlivo(options, root, figures));
        }
        if (Wanted(options, {"sync_telnyx_latency20ms_s", "telnyx_floor_s", "telnyx_ratio"})) {
          TRUNKLINE_RETURN_IF_ERROR(MeasureTelnyx(options, root, figures));
        }
        return OkStatus();
      });
}

}  // namespace trunkline::bench
