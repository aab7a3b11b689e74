// The sync worker's dry-run plans and imports, and the two requests an operator journals
// (retry, drift policy).
#include "sync_content.h"
#include "sync_worker_impl.h"

namespace trunkline::sync {

namespace {

PlannedRequest Planned(const Step& step, const AccountAccess& access) {
  return PlannedRequest{plugin_sdk::codec_internal::StepKindName(step.kind), step.target,
                        step.request.method, access.base_url + Target(step, access),
                        step.request.body};
}

bool IsRead(const Step& step) {
  return step.kind == StepKind::kRead || step.kind == StepKind::kLookup;
}

std::string CommandId(const std::string& prefix) {
  static std::mt19937_64 rng(std::random_device{}());
  static std::mutex mu;
  std::lock_guard lock(mu);
  return prefix + ":" + std::to_string(SystemClock().NowMicros()) + ":" + std::to_string(rng());
}

}  // namespace

awaitable<Result<TrunkPlan>> SyncWorker::Impl::PlanTrunk(TrunkSyncStatus t) {
  TrunkPlan plan;
  plan.trunk_id = t.id;
  const plugin_host::LoadedPlugin* plugin = registry.plugins().Find(t.provider);
  if (plugin == nullptr || !plugin->can_sync()) {
    plan.error = FailedPreconditionError("provider " + t.provider + ": not synced");
    co_return plan;
  }
  Result<AccountAccess> access = resolve(t.provider, t.account);
  if (!access.ok()) {
    plan.error = access.status();
    co_return plan;
  }
  Result<domain::TrunkState> state = registry.Get(t.id);
  if (!state.ok()) co_return state.status();
  const plugin_sdk::DesiredTrunk desired = internal::DesiredOf(*state);
  Observation observation;
  observation.remote_id = t.remote_id;
  observation.item_ids = t.item_ids;
  observation.create_pending = t.create_pending;
  for (uint32_t sent = 0; sent < options.max_steps;) {
    Result<std::vector<Step>> steps = PlanSteps(*plugin, desired, observation);
    if (!steps.ok()) co_return steps.status();
    if (steps->empty()) break;
    if (!std::all_of(steps->begin(), steps->end(), IsRead)) {
      for (const Step& step : *steps) plan.writes.push_back(Planned(step, *access));
      break;
    }
    for (const Step& step : *steps) {
      plan.reads.push_back(Planned(step, *access));
      Result<http::Response> response = co_await Send(*access, step);
      ++sent;
      if (!response.ok()) {
        plan.error = response.status();
        co_return plan;
      }
      Result<plugin_sdk::AbsorbResult> absorbed = Absorb(
          *plugin, plugin_sdk::AbsorbInput{desired, observation, step, ResponseOf(*response)});
      if (!absorbed.ok()) co_return absorbed.status();
      if (absorbed->error) {
        plan.error =
            Status(static_cast<StatusCode>(absorbed->error->code), absorbed->error->message);
        co_return plan;
      }
      observation = std::move(*absorbed->observation);
      if (observation.lookup_done) Adopt(t, observation);
    }
  }
  co_return plan;
}

awaitable<Result<Observation>> SyncWorker::Impl::Scan(const plugin_host::LoadedPlugin& plugin,
                                                      const AccountAccess& access) {
  Observation observation;
  for (uint32_t sent = 0; !observation.scan_done;) {
    Result<std::vector<Step>> steps = PlanSteps(plugin, std::nullopt, observation);
    if (!steps.ok()) co_return steps.status();
    if (steps->empty()) break;
    for (const Step& step : *steps) {
      if (!IsRead(step)) {
        co_return InternalError("plugin " + plugin.provider_id() +
                                ": an import scan planned a write (" + step.request.method + " " +
                                step.target + ")");
      }
      if (++sent > options.max_steps) {
        co_return InternalError("the import scan did not end within " +
                                std::to_string(options.max_steps) + " requests");
      }
      Result<http::Response> response = co_await Send(access, step);
      if (!response.ok()) co_return response.status();
      Result<plugin_sdk::AbsorbResult> absorbed = Absorb(
          plugin, plugin_sdk::AbsorbInput{std::nullopt, observation, step, ResponseOf(*response)});
      if (!absorbed.ok()) co_return absorbed.status();
      if (absorbed->error) {
        co_return Status(static_cast<StatusCode>(absorbed->error->code),
                         "import scan: " + absorbed->error->message);
      }
      observation = std::move(*absorbed->observation);
    }
  }
  co_return observation;
}

// Makes the registry trunk for one remote trunk, with commands whose ids derive from the
// remote id: an import interrupted half way and run again replays them instead of doubling.
Result<std::string> SyncWorker::Impl::ImportOne(const TrunkSyncStatus& account,
                                                const Observation& remote) {
  const std::string& id = remote.remote_id;
  const std::string prefix = "import:" + account.provider + ":" + account.account + ":" + id;
  int n = 0;
  registry::CommandOutcome last;
  const auto execute = [&](const domain::Command& command) -> Status {
    registry::CommandMeta meta;
    meta.actor = options.actor;
    meta.reason = "imported from " + account.provider;
    meta.command_id = prefix + ":" + std::to_string(++n);
    TRUNKLINE_ASSIGN_OR_RETURN(registry::CommandOutcome outcome,
                               registry.Execute(id, command, meta));
    if (outcome.changed) last = std::move(outcome);
    return OkStatus();
  };
  const auto texts = [](const plugin_sdk::Fields& fields) {
    domain::FieldChanges changes;
    for (const auto& [name, value] : fields) changes.set[name] = domain::FieldValueToString(value);
    return changes;
  };
  const plugin_sdk::TrunkContent& c = remote.content;
  TRUNKLINE_RETURN_IF_ERROR(
      execute(domain::CreateTrunk{account.provider, account.account, texts(c.fields)}));
  for (const auto& [sub, fields] : c.singletons) {
    TRUNKLINE_RETURN_IF_ERROR(execute(domain::UpdateSingleton{sub, texts(fields)}));
  }
  for (const auto& [sub, items] : c.items) {
    for (const auto& [item, fields] : items) {
      TRUNKLINE_RETURN_IF_ERROR(execute(domain::AddItem{sub, item, texts(fields)}));
    }
  }
  for (const auto& [sub, ids] : c.attachments) {
    for (const std::string& attached : ids) {
      TRUNKLINE_RETURN_IF_ERROR(execute(domain::Attach{sub, attached}));
    }
  }
  TRUNKLINE_ASSIGN_OR_RETURN(domain::TrunkState state, registry.Get(id));
  const uint64_t position = last.receipt.last_position != 0 ? last.receipt.last_position
                                                            : registry.journal().LastPosition();
  EncodedSyncEvent encoded =
      EncodeSyncEvent(TrunkImported{account.provider, account.account, id, remote.item_ids,
                                    remote.read_only, state.version, position});
  registry::CommandMeta meta{options.actor, "imported from " + account.provider, prefix + ":done",
                             "", std::nullopt};
  TRUNKLINE_RETURN_IF_ERROR(
      registry
          .AppendOutcome(SyncStreamOf(id),
                         {{encoded.type, encoded.schema_version, std::move(encoded.payload)}}, meta)
          .status());
  return id;
}

Result<std::vector<TrunkPlan>> SyncWorker::Plan(const std::string& trunk_id) {
  TRUNKLINE_RETURN_IF_ERROR(impl_->CatchUp());
  std::vector<TrunkSyncStatus> trunks;
  if (!trunk_id.empty()) {
    const TrunkSyncStatus* t = impl_->ledger.Find(trunk_id);
    if (t == nullptr || t->provider.empty()) {
      return NotFoundError("trunk " + trunk_id + " does not exist");
    }
    trunks.push_back(*t);
  } else {
    for (const auto& [id, t] : impl_->ledger.trunks()) {
      if (!t.provider.empty() && t.NeedsWork()) trunks.push_back(t);
    }
  }
  std::vector<TrunkPlan> plans;
  for (const TrunkSyncStatus& t : trunks) {
    TRUNKLINE_ASSIGN_OR_RETURN(TrunkPlan plan, impl_->RunToEnd(impl_->PlanTrunk(t)));
    plans.push_back(std::move(plan));
  }
  return plans;
}

Result<SyncWorker::ImportReport> SyncWorker::Import(const std::string& provider,
                                                    const std::string& account) {
  TRUNKLINE_RETURN_IF_ERROR(impl_->CatchUp());
  const plugin_host::LoadedPlugin* plugin = impl_->registry.plugins().Find(provider);
  if (plugin == nullptr) return NotFoundError("no plugin provides " + provider);
  if (!plugin->can_sync()) {
    return FailedPreconditionError("plugin " + provider + " does not sync (ABI " +
                                   plugin->abi_version() + ")");
  }
  TRUNKLINE_ASSIGN_OR_RETURN(AccountAccess access, impl_->resolve(provider, account));
  TRUNKLINE_ASSIGN_OR_RETURN(Observation scan, impl_->RunToEnd(impl_->Scan(*plugin, access)));
  TrunkSyncStatus owner;
  owner.provider = provider;
  owner.account = account;
  ImportReport report;
  for (const Observation& remote : scan.found) {
    if (impl_->ledger.HolderOf(provider, account, remote.remote_id)) {
      report.already_held.push_back(remote.remote_id);
      continue;
    }
    Result<std::string> id = impl_->ImportOne(owner, remote);
    if (id.ok()) {
      report.imported.push_back(*id);
    } else {
      report.refused.push_back(
          id.status().WithContext("remote trunk " + remote.remote_id + " not imported"));
    }
  }
  TRUNKLINE_RETURN_IF_ERROR(impl_->CatchUp());
  return report;
}

Status RequestRetry(registry::Registry& registry, const std::string& trunk_id,
                    const std::string& actor) {
  TRUNKLINE_RETURN_IF_ERROR(registry.Get(trunk_id).status());
  EncodedSyncEvent e = EncodeSyncEvent(SyncRetryRequested{});
  registry::CommandMeta meta{actor, "sync retry", CommandId("retry:" + trunk_id), "", std::nullopt};
  return registry
      .AppendOutcome(SyncStreamOf(trunk_id), {{e.type, e.schema_version, std::move(e.payload)}},
                     meta)
      .status();
}

Status SetDriftPolicy(registry::Registry& registry, const std::string& trunk_id, DriftPolicy policy,
                      const std::string& actor) {
  TRUNKLINE_RETURN_IF_ERROR(registry.Get(trunk_id).status());
  EncodedSyncEvent e = EncodeSyncEvent(SyncPolicySet{policy});
  registry::CommandMeta meta{actor, std::string("drift policy ") + DriftPolicyName(policy),
                             CommandId("policy:" + trunk_id), "", std::nullopt};
  return registry
      .AppendOutcome(SyncStreamOf(trunk_id), {{e.type, e.schema_version, std::move(e.payload)}},
                     meta)
      .status();
}

}  // namespace trunkline::sync
