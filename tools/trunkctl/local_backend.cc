// The embedded backend: the registry in the data dir, opened for each call (read-only for
// reads, so they work beside a process that writes), its answers built into core/api's JSON
// shapes, as trunkd builds its own.
#include <iostream>

#include "backend.h"
#include "sync_commands.h"
#include "trunkline/api/json.h"
#include "trunkline/api/text.h"
#include "trunkline/plugin_host/plugin_host.h"
#include "trunkline/sync/sync_ledger.h"
#include "trunkline/sync/sync_worker.h"

namespace trunkline::trunkctl {
namespace {

namespace json = boost::json;

class LocalBackend : public Backend {
 public:
  LocalBackend(const Cli& cli, const Options& o) : cli_(cli), o_(o) {}

  Result<json::object> Execute(const std::string& id, const domain::Command& command,
                               const registry::CommandMeta& meta) override {
    TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli_.Open(false));
    TRUNKLINE_ASSIGN_OR_RETURN(registry::CommandOutcome outcome, reg->Execute(id, command, meta));
    json::object out = api::TrunkJson(outcome.state);
    out["changed"] = outcome.changed;
    out["replayed"] = outcome.receipt.replayed;
    out["position"] = outcome.receipt.last_position;
    return out;
  }

  Result<json::object> Get(const std::string& id, const registry::AsOf& as_of) override {
    TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli_.Open(true));
    TRUNKLINE_ASSIGN_OR_RETURN(domain::TrunkState trunk, reg->Get(id, as_of));
    json::object out = api::TrunkJson(trunk);
    if (!as_of.position && !as_of.time_us) {
      TRUNKLINE_ASSIGN_OR_RETURN(sync::TrunkSync synced, sync::ReadTrunkSync(reg->journal(), id));
      out["sync"] = api::SyncStatusJson(synced.status);
    }
    return out;
  }

  Result<json::array> List(const std::string& provider, const registry::AsOf& as_of) override {
    TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli_.Open(true));
    TRUNKLINE_ASSIGN_OR_RETURN(auto trunks, reg->List(provider, as_of));
    json::array out;
    for (const auto& t : trunks) out.push_back(api::TrunkJson(t));
    return out;
  }

  Result<json::array> History(const std::string& id) override {
    TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli_.Open(true));
    TRUNKLINE_ASSIGN_OR_RETURN(auto history, reg->History(id));
    TRUNKLINE_ASSIGN_OR_RETURN(sync::TrunkSync synced, sync::ReadTrunkSync(reg->journal(), id));
    return api::TrunkHistoryJson(history, synced);
  }

  Result<json::array> Diff(const std::string& id, const registry::AsOf& from,
                           const registry::AsOf& to) override {
    TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli_.Open(true));
    TRUNKLINE_ASSIGN_OR_RETURN(auto changes, reg->Diff(id, from, to));
    json::array out;
    for (const auto& c : changes) out.push_back(api::ChangeJson(c));
    return out;
  }

  Result<json::object> Verify() override {
    TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli_.Open(true));
    TRUNKLINE_ASSIGN_OR_RETURN(journal::VerifyReport report, reg->journal().Verify());
    return json::object{{"ok", true},
                        {"records", report.records},
                        {"last_position", report.last_position},
                        {"chain_head", ToHex(report.last_hash)}};
  }

  Status Export(uint64_t first, uint64_t last,
                const std::function<bool(const std::string&)>& line) override {
    TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli_.Open(true));
    for (uint64_t next = first; next <= last;) {
      TRUNKLINE_ASSIGN_OR_RETURN(auto batch, reg->journal().ReadAll(next, 1024));
      if (batch.empty()) break;
      for (const journal::Record& r : batch) {
        if (r.position > last || !line(api::SerializeJson(api::RecordJson(r)))) return OkStatus();
      }
      if (batch.back().position == UINT64_MAX) break;
      next = batch.back().position + 1;
    }
    return OkStatus();
  }

  Result<json::array> Plugins(std::vector<std::string>* refused) override {
    plugin_host::PluginHost host;
    TRUNKLINE_RETURN_IF_ERROR(Load(host, refused));
    json::array out;
    for (const auto* p : host.plugins()) {
      out.push_back(json::object{{"provider", p->provider_id()},
                                 {"version", p->version()},
                                 {"abi", p->abi_version()},
                                 {"path", p->path()}});
    }
    return out;
  }

  Result<json::object> Schema(const std::string& provider,
                              std::vector<std::string>* refused) override {
    plugin_host::PluginHost host;
    TRUNKLINE_RETURN_IF_ERROR(Load(host, refused));
    const plugin_host::LoadedPlugin* plugin = host.Find(provider);
    if (plugin == nullptr) {
      return NotFoundError("provider: no plugin provides \"" + provider + "\"");
    }
    TRUNKLINE_ASSIGN_OR_RETURN(std::string bytes, plugin->DescribeSchema());
    TRUNKLINE_ASSIGN_OR_RETURN(domain::Schema schema, domain::DecodeSchemaBytes(bytes));
    return api::SchemaJson(schema);
  }

  Result<json::array> SyncStatus(const std::string& id, const std::string& states) override {
    TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli_.Open(true));
    json::array out;
    const std::vector<sync::SyncState> wanted = SyncStatesOf(states);
    const auto add = [&](const sync::TrunkSyncStatus& t) {
      if (InSyncStates(sync::SyncStateName(t.state()), wanted)) {
        out.push_back(api::SyncStatusJson(t));
      }
    };
    if (!id.empty()) {
      TRUNKLINE_ASSIGN_OR_RETURN(sync::TrunkSync one, sync::ReadTrunkSync(reg->journal(), id));
      add(one.status);
      return out;
    }
    sync::SyncLedger ledger;
    TRUNKLINE_RETURN_IF_ERROR(ledger.CatchUp(reg->journal()));
    for (const auto& [trunk, t] : ledger.trunks()) {
      if (!t.provider.empty()) add(t);
    }
    return out;
  }

  Result<json::array> Plan(const std::string& id) override {
    TRUNKLINE_ASSIGN_OR_RETURN(sync::SyncOptions options, WorkerOptions(o_));
    TRUNKLINE_ASSIGN_OR_RETURN(sync::AccountResolver accounts, Accounts(o_));
    TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli_.Open(true));
    TRUNKLINE_ASSIGN_OR_RETURN(std::unique_ptr<sync::Transport> transport, Transport(o_));
    sync::SyncWorker worker(*reg, *transport, std::move(accounts), options);
    TRUNKLINE_ASSIGN_OR_RETURN(std::vector<sync::TrunkPlan> plans, worker.Plan(id));
    return api::PlansJson(plans);
  }

  Status Retry(const std::string& id, const std::string& actor) override {
    TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli_.Open(false));
    return sync::RequestRetry(*reg, id, actor);
  }

  Status Policy(const std::string& id, sync::DriftPolicy policy,
                const std::string& actor) override {
    TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli_.Open(false));
    return sync::SetDriftPolicy(*reg, id, policy, actor);
  }

  Result<json::object> Import(const std::string& provider, const std::string& account,
                              const std::string& actor) override {
    TRUNKLINE_ASSIGN_OR_RETURN(sync::SyncOptions options, WorkerOptions(o_));
    options.actor = actor;
    TRUNKLINE_ASSIGN_OR_RETURN(sync::AccountResolver accounts, Accounts(o_));
    TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli_.Open(false));
    TRUNKLINE_ASSIGN_OR_RETURN(std::unique_ptr<sync::Transport> transport, Transport(o_));
    sync::SyncWorker worker(*reg, *transport, std::move(accounts), options);
    TRUNKLINE_ASSIGN_OR_RETURN(sync::SyncWorker::ImportReport report,
                               worker.Import(provider, account));
    return api::ImportJson(report);
  }

 private:
  // The plugins in --plugin-dir; those refused, each why, in `refused`.
  Status Load(plugin_host::PluginHost& host, std::vector<std::string>* refused) {
    TRUNKLINE_ASSIGN_OR_RETURN(plugin_host::LoadReport report, host.LoadDirectory(o_.plugin_dir));
    for (const Status& s : report.refused) refused->push_back(s.message());
    return OkStatus();
  }

  const Cli& cli_;
  const Options& o_;
};

}  // namespace

std::unique_ptr<Backend> MakeLocalBackend(const Cli& cli, const Options& o) {
  return std::make_unique<LocalBackend>(cli, o);
}

}  // namespace trunkline::trunkctl
