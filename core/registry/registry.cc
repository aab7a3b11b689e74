#include "trunkline/registry/registry.h"

#include <condition_variable>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "trunkline/domain/event_codec.h"
#include "trunkline/domain/input_rules.h"
#include "trunkline/journal/rocksdb_journal.h"
#include "trunkline/plugin_host/plugin_host.h"
#include "trunkline/projection/current_state.h"

namespace trunkline::registry {
namespace {

using domain::TrunkState;
using projection::FoldRecord;
using projection::StreamOf;

// A provider's rules, answered by its plugin.
class PluginRules : public domain::ProviderRules {
 public:
  PluginRules(const plugin_host::LoadedPlugin& plugin, domain::Schema schema)
      : plugin_(plugin), schema_(std::move(schema)) {}
  const domain::Schema& schema() const override { return schema_; }
  Result<std::vector<domain::Violation>> Check(const domain::TrunkFacts& trunk) const override {
    TRUNKLINE_ASSIGN_OR_RETURN(std::string answer,
                               plugin_.CheckRules(domain::EncodeTrunkFactsBytes(trunk)));
    return domain::DecodeViolationBytes(answer);
  }

 private:
  const plugin_host::LoadedPlugin& plugin_;
  domain::Schema schema_;
};

// The key of a unique value among a provider account's trunks (the text of the value: two
// values of different types may share a key, and each holder found is checked with Holds).
std::string UniqueKey(const std::string& provider, const std::string& account,
                      const domain::UniqueValue& value) {
  std::string key = provider;
  for (const std::string* part : {&account, &value.sub_resource, &value.field}) {
    key += '\x1f';
    key += *part;
  }
  key += '\x1f';
  key += domain::FieldValueToString(value.value);
  return key;
}

// Whether `trunk` holds the value `wanted` (a unique field value or attachment id).
bool Holds(const TrunkState& trunk, const domain::UniqueValue& wanted) {
  if (wanted.sub_resource.empty()) {
    auto it = trunk.fields.find(wanted.field);
    return it != trunk.fields.end() && it->second == wanted.value;
  }
  auto ids = trunk.attachments.find(wanted.sub_resource);
  const auto* id = std::get_if<std::string>(&wanted.value);
  return id != nullptr && ids != trunk.attachments.end() && ids->second.count(*id) > 0;
}

// Command metadata is text that enters the journal (domain/input_rules.h).
Status CheckMeta(const CommandMeta& meta) {
  TRUNKLINE_RETURN_IF_ERROR(domain::CheckText("actor", meta.actor));
  TRUNKLINE_RETURN_IF_ERROR(domain::CheckText("reason", meta.reason));
  TRUNKLINE_RETURN_IF_ERROR(domain::CheckText("command_id", meta.command_id));
  return domain::CheckText("correlation_id", meta.correlation_id);
}

ChangeValue Typed(const domain::FieldValue& value) {
  return std::visit([](const auto& v) { return ChangeValue(v); }, value);
}

void Flatten(const domain::FieldValues& values, const std::string& prefix,
             std::map<std::string, ChangeValue>& out) {
  for (const auto& [name, value] : values) out[prefix + name] = Typed(value);
}

std::map<std::string, ChangeValue> Flat(const TrunkState& s) {
  std::map<std::string, ChangeValue> out;
  if (!s.exists()) return out;
  out["provider"] = s.provider;
  out["account"] = s.account;
  if (s.deleted) out["deleted"] = true;
  Flatten(s.fields, "fields.", out);
  for (const auto& [sub, values] : s.singletons) Flatten(values, sub + ".", out);
  for (const auto& [sub, items] : s.collections) {
    for (const auto& [id, values] : items) Flatten(values, sub + "." + id + ".", out);
  }
  for (const auto& [sub, ids] : s.attachments) {
    out[sub] = std::vector<std::string>(ids.begin(), ids.end());
  }
  return out;
}

FieldChange Change(const std::string& path, const ChangeValue* before, const ChangeValue* after) {
  FieldChange c{path, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  if (before != nullptr) {
    c.before = ChangeValueToString(*before);
    c.before_value = *before;
  }
  if (after != nullptr) {
    c.after = ChangeValueToString(*after);
    c.after_value = *after;
  }
  return c;
}

}  // namespace

std::string ChangeValueToString(const ChangeValue& value) {
  if (const auto* ids = std::get_if<std::vector<std::string>>(&value)) {
    std::string joined;
    for (const std::string& id : *ids) joined += (joined.empty() ? "" : ",") + id;
    return joined;
  }
  if (const bool* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const int64_t* n = std::get_if<int64_t>(&value)) return std::to_string(*n);
  return std::get<std::string>(value);
}

std::vector<FieldChange> Compare(const TrunkState& before, const TrunkState& after) {
  const auto a = Flat(before);
  const auto b = Flat(after);
  std::vector<FieldChange> changes;
  for (const auto& [path, value] : a) {
    auto it = b.find(path);
    if (it == b.end()) {
      changes.push_back(Change(path, &value, nullptr));
    } else if (it->second != value) {
      changes.push_back(Change(path, &value, &it->second));
    }
  }
  for (const auto& [path, value] : b) {
    if (!a.count(path)) changes.push_back(Change(path, nullptr, &value));
  }
  std::sort(changes.begin(), changes.end(),
            [](const FieldChange& x, const FieldChange& y) { return x.path < y.path; });
  return changes;
}

struct Registry::Impl {
  std::unique_ptr<journal::RocksDbJournal> journal;
  plugin_host::PluginHost host;
  std::map<std::string, std::unique_ptr<PluginRules>> rules;  // by provider id
  std::vector<Status> unreadable_schemas;                     // plugins left out, by file
  std::unique_ptr<projection::CurrentState> current;
  std::unique_ptr<projection::TrunkSnapshots> trunk_snapshots;  // fed by `current`'s folds
  // False when the projection files did not match the journal and a read-only registry
  // cannot rewrite them: as-of reads then fold from each trunk's first event.
  bool use_trunk_snapshots = true;
  bool read_only = false;
  std::vector<std::string> notices;  // see Registry::Notices
  // One command decided at a time keeps uniqueness checks exact, and its append is queued
  // before the next is decided (so the journal commits them in the order they were decided);
  // also guards `current`.
  mutable std::mutex mu;
  // Guards what the journal's completions change: `pending`, `joining`, `async_in_flight`.
  // Taken after `mu`, never before; a completion takes only this one (it may run on the
  // thread that queued it, which holds `mu`).
  mutable std::mutex pending_mu;

  // Trunks with appends in flight (ExecuteAsync): their state after those appends, which
  // the next command on them is decided against. `generation` tells a completion whether
  // the entry is still the one its append counted in (a failure drops the entry, and the
  // appends decided on it then fail their expected-version check).
  struct Pending {
    TrunkState state;
    uint32_t appends = 0;
    uint64_t generation = 0;
  };
  std::map<std::string, Pending> pending;
  uint64_t next_generation = 1;
  // Commands in flight by command id, with the callbacks of retries that joined them.
  std::map<std::string, std::vector<ExecuteCallback>> joining;
  // The trunks that have held each unique value now or before (UniqueKey), fed by every fold
  // of the current-state projection: a uniqueness check looks only at those (and at the
  // trunks in flight), not at every trunk. Entries are never removed; a trunk that no longer
  // holds the value fails the Holds check. Written holding `mu` and `holders_mu` (taken after
  // `mu`); read holding either (HoldersEver takes only `holders_mu`, so that the sync worker
  // does not queue behind commands).
  std::unordered_map<std::string, std::set<std::string>> unique_holders;
  mutable std::mutex holders_mu;

  // Async commands not yet called back; the destructor waits for none.
  uint64_t async_in_flight = 0;
  std::condition_variable async_done;

  Result<const PluginRules*> RulesFor(const std::string& provider) const {
    auto it = rules.find(provider);
    if (it == rules.end()) {
      std::string known;
      for (const auto& [id, r] : rules) known += (known.empty() ? "" : ", ") + id;
      return NotFoundError("provider: no plugin provides \"" + provider +
                           "\"; loaded: " + (known.empty() ? std::string("none") : known));
    }
    return it->second.get();
  }

  // The last position at or before the point `as_of` (timestamps never decrease along
  // positions); UINT64_MAX when unbounded.
  Result<uint64_t> LastPositionWithin(const AsOf& as_of) const {
    uint64_t last = as_of.position.value_or(UINT64_MAX);
    if (as_of.time_us && *as_of.time_us < INT64_MAX) {
      Result<uint64_t> after = journal->FirstPositionAtOrAfter(*as_of.time_us + 1);
      if (after.ok()) {
        last = std::min(last, *after - 1);
      } else if (after.status().code() != StatusCode::kNotFound) {
        return after.status();
      }
    }
    return last;
  }

  // The trunk's state as of a point: its latest snapshot before the point, if any, and the
  // events of its stream after that.
  Result<TrunkState> Load(const std::string& trunk_id, const AsOf& as_of) const {
    TrunkState state;
    state.id = trunk_id;
    TRUNKLINE_ASSIGN_OR_RETURN(const uint64_t last, LastPositionWithin(as_of));
    if (use_trunk_snapshots) {
      TRUNKLINE_ASSIGN_OR_RETURN(auto snapshot, trunk_snapshots->Before(trunk_id, last));
      if (snapshot) state = std::move(snapshot->state);
    }
    Status failed;
    TRUNKLINE_RETURN_IF_ERROR(journal->ScanStream(StreamOf(trunk_id), state.version + 1, last,
                                                  [&](const journal::RecordView& r) {
                                                    failed = FoldRecord(state, r);
                                                    return failed.ok();
                                                  }));
    TRUNKLINE_RETURN_IF_ERROR(failed);
    return state;
  }

  // The trunk as the current-state projection holds it (an empty state when it holds none).
  // REQUIRES: mu held, `current` caught up.
  TrunkState Current(const std::string& trunk_id) const {
    auto it = current->trunks().find(trunk_id);
    if (it != current->trunks().end()) return it->second;
    TrunkState state;
    state.id = trunk_id;
    return state;
  }

  // Notes the unique values `trunk` holds (its provider's unique fields and the ids of its
  // unique attachments) in unique_holders. REQUIRES: mu held, or no other thread about.
  void IndexUnique(const TrunkState& trunk) {
    auto rules_it = rules.find(trunk.provider);
    if (rules_it == rules.end()) return;
    const domain::Schema& schema = rules_it->second->schema();
    std::lock_guard lock(holders_mu);
    const auto note = [&](const domain::UniqueValue& value) {
      unique_holders[UniqueKey(trunk.provider, trunk.account, value)].insert(trunk.id);
    };
    for (const domain::FieldSpec& spec : schema.fields) {
      if (!spec.unique_per_account) continue;
      if (auto it = trunk.fields.find(spec.name); it != trunk.fields.end()) {
        note({"", spec.name, it->second});
      }
    }
    for (const domain::SubResourceSpec& sub : schema.sub_resources) {
      const domain::FieldSpec* id_spec = domain::AttachmentIdSpec(sub);
      if (id_spec == nullptr || !id_spec->unique_per_account) continue;
      auto ids = trunk.attachments.find(sub.name);
      if (ids == trunk.attachments.end()) continue;
      for (const std::string& id : ids->second) note({sub.name, "", id});
    }
  }

  // The events `command` causes on `state`, with uniqueness judged as of `at`.
  // REQUIRES: mu held; for the present (`at` unset), `current` caught up.
  Result<std::vector<domain::Event>> DecideOn(const TrunkState& state,
                                              const domain::Command& command,
                                              const CommandMeta& meta, const AsOf& at) const {
    const auto* create = std::get_if<domain::CreateTrunk>(&command);
    const std::string provider = create ? create->provider : state.provider;
    if (provider.empty()) return NotFoundError("trunk " + state.id + " does not exist");
    TRUNKLINE_ASSIGN_OR_RETURN(const PluginRules* provider_rules, RulesFor(provider));
    const std::string account = create ? create->account : state.account;
    // Now: the projection's trunks (no copy) with those in flight over them; a past point
    // (a retried command): the trunks as they were then.
    const bool now = !at.position && !at.time_us;
    std::map<std::string, TrunkState> past;
    if (!now) {
      TRUNKLINE_ASSIGN_OR_RETURN(past, LoadAll(at));
    }
    const std::map<std::string, TrunkState>& all = now ? current->trunks() : past;
    const auto holder = [&](const TrunkState& other, const domain::UniqueValue& wanted) {
      return !other.deleted && other.provider == provider && other.account == account &&
             Holds(other, wanted);
    };
    const domain::UniqueOwner unique =
        [&](const domain::UniqueValue& wanted) -> std::optional<std::string> {
      if (!now) {
        for (const auto& [id, other] : all) {
          if (holder(other, wanted)) return id;
        }
        return std::nullopt;
      }
      // In flight first (their state is ahead of the projection's), then the projection's
      // trunks that have held the value, in id order.
      for (const auto& [id, p] : pending) {
        if (holder(p.state, wanted)) return id;
      }
      auto ids = unique_holders.find(UniqueKey(provider, account, wanted));
      if (ids == unique_holders.end()) return std::nullopt;
      for (const std::string& id : ids->second) {
        auto other = all.find(id);
        if (!pending.count(id) && other != all.end() && holder(other->second, wanted)) return id;
      }
      return std::nullopt;
    };
    return domain::Decide(state, command, meta.expected_version, *provider_rules, unique);
  }

  // A trunk whose stream reads as empty must be unknown to the current-state projection too
  // (folded from the records themselves): if the projection knows it, the stream's index has
  // lost it. kDataLoss then.
  Status CheckStreamMissing(const std::string& trunk_id) const {
    std::lock_guard lock(mu);
    TRUNKLINE_RETURN_IF_ERROR(current->CatchUp(*journal));
    auto it = current->trunks().find(trunk_id);
    if (it == current->trunks().end()) return OkStatus();
    return DataLossError("trunk " + trunk_id + ": the journal holds " +
                         std::to_string(it->second.version) +
                         " events of it, but its stream index yields none (run journal verify)");
  }

  // Opens the current-state projection and the trunk snapshots in `dir`. A snapshot that is
  // damaged, or that was not folded from this journal (another journal's, one ahead of it),
  // is not trusted: the projection starts over from the journal's first event, with a notice.
  Status OpenProjections(const std::filesystem::path& dir) {
    std::error_code ec;
    if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec)) {
      return FailedPreconditionError(dir.string() + " is not a directory: the data dir keeps " +
                                     "its projections there (move the file away)");
    }
    if (!read_only && !std::filesystem::create_directories(dir, ec) && ec) {
      return FileSystemError("creating " + dir.string(), ec);
    }
    const std::string path = (dir / "current-state").string();
    Result<std::unique_ptr<projection::CurrentState>> loaded = projection::CurrentState::Load(path);
    bool trusted = loaded.ok();
    if (loaded.ok()) {
      current = std::move(*loaded);
      Status origin = current->CheckOrigin(*journal);
      if (origin.code() != StatusCode::kFailedPrecondition) TRUNKLINE_RETURN_IF_ERROR(origin);
      if (!origin.ok()) {
        notices.push_back("projection snapshot " + path + " does not match the journal (" +
                          origin.message() + "); rebuilding it from the journal");
        current->Reset();
        trusted = false;
      }
    } else {
      notices.push_back(loaded.status().message() + "; rebuilding it from the journal");
      current = projection::CurrentState::Empty(path);
    }
    TRUNKLINE_ASSIGN_OR_RETURN(trunk_snapshots, projection::TrunkSnapshots::Open(
                                                    (dir / "trunk-snapshots").string(), read_only));
    // A read-only registry folds in memory only: the writing process keeps the files.
    if (read_only) {
      use_trunk_snapshots = trusted;
      return OkStatus();
    }
    if (!trusted) TRUNKLINE_RETURN_IF_ERROR(trunk_snapshots->Clear());
    current->set_trunk_snapshots(trunk_snapshots.get());
    return OkStatus();
  }

  static Status FileSystemError(const std::string& what, const std::error_code& ec) {
    const std::string message = what + ": " + ec.message();
    if (ec == std::errc::permission_denied || ec == std::errc::read_only_file_system) {
      return PermissionDeniedError(message);
    }
    if (ec == std::errc::no_space_on_device) return ResourceExhaustedError(message);
    return UnavailableError(message);
  }

  // Loads the plugins of `dir` and reads their schemas. A plugin the host refuses, or whose
  // schema cannot be read, serves no provider and is listed; the others serve. Errors: the
  // directory's (kNotFound when it does not exist).
  Status LoadPlugins(const std::string& dir) {
    TRUNKLINE_RETURN_IF_ERROR(host.LoadDirectory(dir).status());
    for (const plugin_host::LoadedPlugin* plugin : host.plugins()) {
      Result<domain::Schema> schema = ReadSchema(*plugin);
      if (!schema.ok()) {
        unreadable_schemas.push_back(Status(
            schema.status().code(), "plugin " + plugin->path() + " serves no provider: its " +
                                        "schema cannot be read: " + schema.status().message()));
        continue;
      }
      rules[plugin->provider_id()] = std::make_unique<PluginRules>(*plugin, std::move(*schema));
    }
    return OkStatus();
  }

  static Result<domain::Schema> ReadSchema(const plugin_host::LoadedPlugin& plugin) {
    TRUNKLINE_ASSIGN_OR_RETURN(std::string bytes, plugin.DescribeSchema());
    return domain::DecodeSchemaBytes(bytes);
  }

  // Every trunk as of a past point, by id, folded from the journal (the present is
  // `current`'s). Reads nothing else, so it needs no lock.
  Result<std::map<std::string, TrunkState>> LoadAll(const AsOf& as_of) const {
    TRUNKLINE_ASSIGN_OR_RETURN(const uint64_t last, LastPositionWithin(as_of));
    std::map<std::string, TrunkState> trunks;
    projection::TrunkFolder folder(trunks);
    Status failed;
    TRUNKLINE_RETURN_IF_ERROR(journal->Scan(1, [&](const journal::RecordView& r) {
      if (r.position > last) return false;
      failed = folder.Fold(r).status();
      return failed.ok();
    }));
    TRUNKLINE_RETURN_IF_ERROR(failed);
    return trunks;
  }
};

Registry::Registry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Registry::~Registry() {
  {
    std::unique_lock lock(impl_->pending_mu);
    impl_->async_done.wait(lock, [&] { return impl_->async_in_flight == 0; });
  }
  // A failed save only costs the next open a longer catch-up.
  if (!impl_->read_only) impl_->current->Save().IgnoreError();
}

Result<std::unique_ptr<Registry>> Registry::Open(const RegistryOptions& options) {
  auto impl = std::make_unique<Impl>();
  journal::RocksDbJournalOptions journal_options;
  journal_options.dir = (std::filesystem::path(options.data_dir) / "journal").string();
  journal_options.read_only = options.read_only;
  journal_options.lock_wait = options.lock_wait;
  journal_options.clock = options.clock;
  TRUNKLINE_ASSIGN_OR_RETURN(impl->journal, journal::RocksDbJournal::Open(journal_options));
  impl->read_only = options.read_only;
  const std::filesystem::path projections = std::filesystem::path(options.data_dir) / "projections";
  TRUNKLINE_RETURN_IF_ERROR(impl->OpenProjections(projections));
  TRUNKLINE_RETURN_IF_ERROR(impl->current->CatchUp(*impl->journal));
  TRUNKLINE_RETURN_IF_ERROR(impl->LoadPlugins(options.plugin_dir));
  // The unique values of the trunks folded so far, then of every trunk folded from now on.
  Impl* i = impl.get();
  for (const auto& [id, trunk] : i->current->trunks()) i->IndexUnique(trunk);
  i->current->set_on_fold([i](const TrunkState& trunk) { i->IndexUnique(trunk); });
  return std::unique_ptr<Registry>(new Registry(std::move(impl)));
}

// What a command decided under `mu` appends. A command id seen before is decided again
// against the world as it was just before its original append; the journal then returns the
// original receipt for the same events and refuses different ones.
struct Registry::Decided {
  TrunkState before;
  std::vector<domain::Event> events;
  journal::AppendRequest request;
  bool retried = false;  // the command id was appended before
};

Result<Registry::Decided> Registry::Decide(const std::string& trunk_id,
                                           const domain::Command& command,
                                           const CommandMeta& meta) const {
  TRUNKLINE_ASSIGN_OR_RETURN(std::optional<journal::AppendReceipt> previous,
                             impl_->journal->FindCommand(meta.command_id));
  Decided d;
  d.retried = previous.has_value();
  AsOf at;
  if (previous) at.position = previous->first_position - 1;
  // The present is the trunk with its appends in flight, else as the projection (in memory)
  // holds it; a retry is decided on the trunk as it was, read from the journal.
  if (previous) {
    TRUNKLINE_ASSIGN_OR_RETURN(d.before, impl_->Load(trunk_id, at));
  } else {
    TRUNKLINE_RETURN_IF_ERROR(impl_->current->CatchUp(*impl_->journal));
    auto it = impl_->pending.find(trunk_id);
    d.before = it != impl_->pending.end() ? it->second.state : impl_->Current(trunk_id);
  }
  Result<std::vector<domain::Event>> decided = impl_->DecideOn(d.before, command, meta, at);
  if (!decided.ok() && previous) {
    return AlreadyExistsError("command id " + meta.command_id +
                              " was already used for another command (stream " + previous->stream +
                              ", positions " + std::to_string(previous->first_position) + ".." +
                              std::to_string(previous->last_position) + ")");
  }
  TRUNKLINE_ASSIGN_OR_RETURN(d.events, std::move(decided));
  if (d.events.empty()) return d;
  d.request.stream = StreamOf(trunk_id);
  d.request.expected = d.before.version == 0 ? journal::ExpectedVersion::NoStream()
                                             : journal::ExpectedVersion::Exactly(d.before.version);
  d.request.metadata = {meta.actor, meta.reason, meta.command_id, meta.correlation_id};
  for (const domain::Event& e : d.events) {
    domain::EncodedEvent encoded = domain::EncodeEvent(e);
    d.request.events.push_back({encoded.type, encoded.schema_version, std::move(encoded.payload)});
  }
  return d;
}

// The same path as ExecuteAsync: holding `mu` through a blocking append would stall the
// journal's commit thread, which takes `mu` to complete the async commands before it.
Result<CommandOutcome> Registry::Execute(const std::string& trunk_id,
                                         const domain::Command& command, const CommandMeta& meta) {
  std::promise<Result<CommandOutcome>> promise;
  std::future<Result<CommandOutcome>> outcome = promise.get_future();
  ExecuteAsync(trunk_id, command, meta,
               [&promise](Result<CommandOutcome> r) { promise.set_value(std::move(r)); });
  return outcome.get();
}

// Decided in turn under `mu` and queued in that order, appended without waiting: the trunk's state
// after the append goes into `pending` at once, so the next command on it is decided against
// it while this one is still being made durable.
void Registry::ExecuteAsync(const std::string& trunk_id, const domain::Command& command,
                            const CommandMeta& meta, ExecuteCallback done) {
  if (Status bad = CheckMeta(meta); !bad.ok()) return done(bad);
  std::unique_lock lock(impl_->mu);
  std::unique_lock pending_lock(impl_->pending_mu);
  if (auto it = impl_->joining.find(meta.command_id); it != impl_->joining.end()) {
    it->second.push_back(std::move(done));  // a retry of a command in flight: its outcome
    return;
  }
  Result<Decided> decided = Decide(trunk_id, command, meta);
  if (!decided.ok() || decided->events.empty()) {
    pending_lock.unlock();
    lock.unlock();
    if (!decided.ok()) return done(decided.status());
    return done(CommandOutcome{decided->before, {}, false});
  }
  auto d = std::make_shared<Decided>(std::move(*decided));
  uint64_t generation = 0;
  if (!d->retried) {
    Impl::Pending& p = impl_->pending[trunk_id];
    if (p.appends == 0) p.generation = impl_->next_generation++;
    generation = p.generation;
    p.state = d->before;
    for (size_t i = 0; i < d->events.size(); ++i) {
      p.state = domain::Evolve(std::move(p.state), d->events[i], d->before.version + i + 1,
                               d->before.updated_us);
    }
    ++p.appends;
  }
  impl_->joining[meta.command_id];
  ++impl_->async_in_flight;
  pending_lock.unlock();
  // Queued while `mu` is held: the next command, decided against this one's outcome, is
  // queued after it.
  impl_->journal->AppendAsync(
      d->request, [this, d, trunk_id, generation, command_id = meta.command_id,
                   done = std::move(done)](Result<journal::AppendReceipt> receipt) {
        Result<CommandOutcome> outcome = receipt.status();
        if (receipt.ok() && !receipt->replayed) {
          CommandOutcome o{d->before, *receipt, true};
          for (size_t i = 0; i < d->events.size(); ++i) {
            o.state = domain::Evolve(std::move(o.state), d->events[i], receipt->first_version + i,
                                     receipt->timestamp_us);
          }
          outcome = std::move(o);
        } else if (receipt.ok()) {
          Result<TrunkState> state = impl_->Load(trunk_id, AsOf{receipt->last_position, {}});
          if (state.ok()) {
            outcome = CommandOutcome{std::move(*state), *receipt, true};
          } else {
            outcome = state.status();
          }
        }
        std::vector<ExecuteCallback> joined;
        {
          std::lock_guard relock(impl_->pending_mu);
          auto it = impl_->pending.find(trunk_id);
          if (generation != 0 && it != impl_->pending.end() &&
              it->second.generation == generation && (--it->second.appends == 0 || !receipt.ok())) {
            impl_->pending.erase(it);
          }
          auto waiting = impl_->joining.find(command_id);
          joined = std::move(waiting->second);
          impl_->joining.erase(waiting);
        }
        done(outcome);
        for (ExecuteCallback& j : joined) {
          Result<CommandOutcome> again = outcome;
          if (again.ok()) again->receipt.replayed = true;
          j(std::move(again));
        }
        std::lock_guard relock(impl_->pending_mu);
        if (--impl_->async_in_flight == 0) impl_->async_done.notify_all();
      });
}

Result<journal::AppendReceipt> Registry::AppendOutcome(const std::string& stream,
                                                       std::vector<journal::NewEvent> events,
                                                       const CommandMeta& meta) {
  TRUNKLINE_RETURN_IF_ERROR(CheckMeta(meta));
  if (impl_->read_only) return FailedPreconditionError("the registry is open read-only");
  if (stream.starts_with(projection::kTrunkStreamPrefix)) {
    return InvalidArgumentError("stream " + stream + ": trunk streams take commands only");
  }
  journal::AppendRequest request;
  request.stream = stream;
  request.metadata = {meta.actor, meta.reason, meta.command_id, meta.correlation_id};
  request.events = std::move(events);
  return impl_->journal->Append(request);
}

// The present is the current-state projection's (a lookup, and a check of the stream index's
// head); a past point is folded from the trunk's latest snapshot before it and the events
// after that.
Result<TrunkState> Registry::Get(const std::string& trunk_id, const AsOf& as_of) const {
  const bool now = !as_of.position && !as_of.time_us;
  TrunkState state;
  if (now) {
    {
      std::lock_guard lock(impl_->mu);
      TRUNKLINE_RETURN_IF_ERROR(impl_->current->CatchUp(*impl_->journal));
      state = impl_->Current(trunk_id);
    }
    // The stream index must reach the version the projection folded from the records (read
    // after it, the index can only be further on): a trunk the index lost is data loss here,
    // as it is in the trunk's history.
    if (state.version > 0) {
      TRUNKLINE_ASSIGN_OR_RETURN(const uint64_t head,
                                 impl_->journal->StreamHead(StreamOf(trunk_id)));
      if (head < state.version) {
        return DataLossError("trunk " + trunk_id + ": the journal holds " +
                             std::to_string(state.version) + " events of it, but its stream " +
                             "index yields " + std::to_string(head) + " (run journal verify)");
      }
    }
  } else {
    TRUNKLINE_ASSIGN_OR_RETURN(state, impl_->Load(trunk_id, as_of));
  }
  if (!state.exists())
    return NotFoundError("trunk " + trunk_id + " does not exist" + (now ? "" : " at that point"));
  return state;
}

std::vector<std::string> Registry::HoldersEver(const std::string& provider,
                                               const std::string& account,
                                               const domain::UniqueValue& value) const {
  std::lock_guard lock(impl_->holders_mu);
  auto ids = impl_->unique_holders.find(UniqueKey(provider, account, value));
  if (ids == impl_->unique_holders.end()) return {};
  return {ids->second.begin(), ids->second.end()};
}

Result<std::string> Registry::ProviderOf(const std::string& trunk_id) const {
  std::lock_guard lock(impl_->mu);
  TRUNKLINE_RETURN_IF_ERROR(impl_->current->CatchUp(*impl_->journal));
  auto it = impl_->current->trunks().find(trunk_id);
  if (it == impl_->current->trunks().end() || !it->second.exists()) {
    return NotFoundError("trunk " + trunk_id + " does not exist");
  }
  return it->second.provider;
}

Result<std::vector<TrunkState>> Registry::List(const std::string& provider,
                                               const AsOf& as_of) const {
  TRUNKLINE_ASSIGN_OR_RETURN(TrunkPage page, ListPage({provider, "", "", 0}, as_of));
  return std::move(page.trunks);
}

Result<Registry::TrunkPage> Registry::ListPage(const ListQuery& query, const AsOf& as_of) const {
  TrunkPage page;
  const auto take = [&](const std::map<std::string, TrunkState>& all) {
    for (auto it = all.upper_bound(query.after); it != all.end(); ++it) {
      const TrunkState& t = it->second;
      if (t.deleted || (!query.provider.empty() && t.provider != query.provider) ||
          (!query.account.empty() && t.account != query.account)) {
        continue;
      }
      if (query.limit != 0 && page.trunks.size() == query.limit) {
        page.more = true;
        break;
      }
      page.trunks.push_back(t);
    }
  };
  if (!as_of.position && !as_of.time_us) {
    std::lock_guard lock(impl_->mu);
    TRUNKLINE_RETURN_IF_ERROR(impl_->current->CatchUp(*impl_->journal));
    take(impl_->current->trunks());
  } else {
    // A past point folds the journal up to it: no shared state, so commands go on meanwhile.
    TRUNKLINE_ASSIGN_OR_RETURN(auto all, impl_->LoadAll(as_of));
    take(all);
  }
  return page;
}

Result<std::vector<HistoryEntry>> Registry::History(const std::string& trunk_id) const {
  std::vector<HistoryEntry> history;
  TrunkState state;
  state.id = trunk_id;
  TRUNKLINE_ASSIGN_OR_RETURN(std::vector<journal::Record> records,
                             impl_->journal->ReadStream(StreamOf(trunk_id), 1, SIZE_MAX));
  for (const journal::Record& r : records) {
    TrunkState before = state;
    TRUNKLINE_RETURN_IF_ERROR(FoldRecord(state, journal::RecordView::Of(r)));
    history.push_back(
        {r.position, r.version, r.timestamp_us, r.type, r.metadata, Compare(before, state)});
  }
  if (history.empty()) {
    TRUNKLINE_RETURN_IF_ERROR(impl_->CheckStreamMissing(trunk_id));
    return NotFoundError("trunk " + trunk_id + " does not exist");
  }
  return history;
}

Result<std::vector<FieldChange>> Registry::Diff(const std::string& trunk_id, const AsOf& from,
                                                const AsOf& to) const {
  TRUNKLINE_ASSIGN_OR_RETURN(TrunkState a, impl_->Load(trunk_id, from));
  TRUNKLINE_ASSIGN_OR_RETURN(TrunkState b, impl_->Load(trunk_id, to));
  if (!a.exists() && !b.exists()) return NotFoundError("trunk " + trunk_id + " does not exist");
  return Compare(a, b);
}

Status Registry::RebuildProjections(const projection::Progress& progress) {
  if (impl_->read_only) return FailedPreconditionError("the registry is open read-only");
  std::lock_guard lock(impl_->mu);
  return impl_->current->RebuildFrom(*impl_->journal, progress);
}

uint64_t Registry::ProjectionCheckpoint() const {
  std::lock_guard lock(impl_->mu);
  return impl_->current->checkpoint();
}

Result<const domain::Schema*> Registry::SchemaOf(const std::string& provider) const {
  TRUNKLINE_ASSIGN_OR_RETURN(const PluginRules* rules, impl_->RulesFor(provider));
  return &rules->schema();
}

const journal::Journal& Registry::journal() const { return *impl_->journal; }
const plugin_host::PluginHost& Registry::plugins() const { return impl_->host; }

std::vector<std::string> Registry::Notices() const { return impl_->notices; }

std::vector<Status> Registry::RefusedPlugins() const {
  std::vector<Status> out;
  for (const plugin_host::PluginRefusal& r : impl_->host.refused()) out.push_back(r.status);
  out.insert(out.end(), impl_->unreadable_schemas.begin(), impl_->unreadable_schemas.end());
  return out;
}

}  // namespace trunkline::registry
