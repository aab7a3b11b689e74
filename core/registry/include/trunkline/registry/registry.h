// Registry: the trunk registry as a service. Commands are decided against the provider's
// plugin-declared schema and rules and appended to the journal; reads fold the journal into
// trunk state, now or as of any past moment, and into history and diffs.
//
// Each trunk is the journal stream "trunk-<id>". Current state comes from the persisted
// current-state projection (caught up on open and after each command; saved on close by a
// writer); past states, history and diffs fold a trunk's own stream on demand. Commands carry who,
// why and a command id; a retried command id returns the original outcome and writes nothing.
//
// Thread-safety: safe for concurrent use. Ownership: owns its journal and plugin host.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "trunkline/base/clock.h"
#include "trunkline/base/status.h"
#include "trunkline/domain/trunk.h"
#include "trunkline/journal/journal.h"
#include "trunkline/projection/current_state.h"

namespace trunkline::plugin_host {
class PluginHost;
}

namespace trunkline::registry {

struct RegistryOptions {
  // The journal lives in <data_dir>/journal, the current-state projection's snapshot in
  // <data_dir>/projections/current-state.
  std::string data_dir;
  std::string plugin_dir;        // where provider plugins are loaded from
  bool read_only = false;        // open beside a writing process; commands are refused
  const Clock* clock = nullptr;  // nullptr = SystemClock()
  // How long a writer waits for the data dir held by another process (see
  // journal::RocksDbJournalOptions::lock_wait).
  std::chrono::milliseconds lock_wait{0};
};

// Who asks for a change, and why.
struct CommandMeta {
  std::string actor;
  std::string reason;
  std::string command_id;
  std::string correlation_id;
  std::optional<uint64_t> expected_version;
};

struct CommandOutcome {
  domain::TrunkState state;  // after the command
  journal::AppendReceipt receipt;
  bool changed = true;  // false: the command changed nothing and nothing was written
};

// A point in the past: at a global position, or at a time (the last event at or before it).
// Neither set means now.
struct AsOf {
  std::optional<uint64_t> position;
  std::optional<int64_t> time_us;
};

// A value as history and diffs show it, with its type: a field's bool, whole number or text
// as the schema types it ("provider", "account" are text, "deleted" is true), or the ids an
// attachments sub-resource holds, in order.
using ChangeValue = std::variant<bool, int64_t, std::string, std::vector<std::string>>;

// "true", "42", "text", or the ids joined with ',' ("PN1,PN2").
std::string ChangeValueToString(const ChangeValue& value);

// One changed value: "fields.friendly_name", "origination_urls.OU1.weight",
// "recording.mode", "phone_numbers". An absent side is std::nullopt. `before` and `after`
// are the text forms (ChangeValueToString) of `before_value` and `after_value`, which keep
// the type (for JSON: true, not "true"; 42, not "42"; a list of ids).
struct FieldChange {
  std::string path;
  std::optional<std::string> before;
  std::optional<std::string> after;
  std::optional<ChangeValue> before_value;
  std::optional<ChangeValue> after_value;
};

struct HistoryEntry {
  uint64_t position = 0;
  uint64_t version = 0;
  int64_t time_us = 0;
  std::string type;
  journal::Metadata metadata;
  std::vector<FieldChange> changes;
};

class Registry {
 public:
  // kUnavailable when another process holds the data dir for writing (names it); kNotFound
  // when the plugin directory does not exist. A plugin that cannot be used is left out and
  // listed by RefusedPlugins().
  static Result<std::unique_ptr<Registry>> Open(const RegistryOptions& options);
  ~Registry();

  // Decides `command` for trunk `trunk_id` and appends its events. Errors: those of
  // domain::Decide and journal::Journal::Append; kNotFound for an unknown provider;
  // kInvalidArgument when a text of `meta` (actor, reason, command_id, correlation_id) is
  // not valid UTF-8 or holds a control character (domain/input_rules.h), naming it.
  // Nothing is written on any error.
  Result<CommandOutcome> Execute(const std::string& trunk_id, const domain::Command& command,
                                 const CommandMeta& meta);

  // Execute without waiting for durability: the command is decided now, in turn with every
  // other (so uniqueness and versions stay exact: the next command on the trunk is decided
  // against this one's outcome while it is being made durable), and `done` is called once
  // with what Execute would have returned, after the append is durable or has failed, on a
  // journal thread (it must not block). Commands in flight are committed together. A retry
  // with the command id of a command still in flight gets that command's outcome, marked
  // replayed. Errors as Execute; a decision error calls `done` before this returns.
  using ExecuteCallback = std::function<void(Result<CommandOutcome>)>;
  void ExecuteAsync(const std::string& trunk_id, const domain::Command& command,
                    const CommandMeta& meta, ExecuteCallback done);

  // Appends events about trunks that are not trunk changes (the sync worker's outcomes, on
  // "sync-<id>" streams) after whatever the stream holds. The registry does not decide or
  // read them. kInvalidArgument for a trunk stream or bad metadata (as Execute);
  // kFailedPrecondition if read-only; the journal's append errors.
  Result<journal::AppendReceipt> AppendOutcome(const std::string& stream,
                                               std::vector<journal::NewEvent> events,
                                               const CommandMeta& meta);

  // kNotFound when the trunk did not exist at that point.
  Result<domain::TrunkState> Get(const std::string& trunk_id, const AsOf& as_of = {}) const;
  // The provider of a trunk that exists now, from the current-state projection (in memory):
  // cheaper than Get, which reads the trunk's stream. kNotFound otherwise.
  Result<std::string> ProviderOf(const std::string& trunk_id) const;
  // Every trunk that existed and was not deleted at that point, by id; `provider` filters.
  Result<std::vector<domain::TrunkState>> List(const std::string& provider = "",
                                               const AsOf& as_of = {}) const;
  // One page of List: the trunks of `provider` and `account` (empty: any) whose ids sort
  // after `after`, at most `limit` of them (0: no limit), by id; `more` when another follows.
  // Now, it walks the current-state projection from `after` on and copies only the page.
  struct ListQuery {
    std::string provider;
    std::string account;
    std::string after;
    size_t limit = 0;
  };
  struct TrunkPage {
    std::vector<domain::TrunkState> trunks;
    bool more = false;
  };
  Result<TrunkPage> ListPage(const ListQuery& query, const AsOf& as_of = {}) const;
  Result<std::vector<HistoryEntry>> History(const std::string& trunk_id) const;
  // What changed between two points.
  Result<std::vector<FieldChange>> Diff(const std::string& trunk_id, const AsOf& from,
                                        const AsOf& to) const;

  // Folds the whole journal into the current-state projection again, from the start (or,
  // after an interrupted rebuild, from where it stopped). kFailedPrecondition if read-only.
  Status RebuildProjections(const projection::Progress& progress);
  // The current-state projection's checkpoint.
  uint64_t ProjectionCheckpoint() const;

  // The trunks of `provider` and `account` that hold or once held `value` (a value their
  // provider declares unique per account), in id order, as of the last fold of the current
  // state (a read of the present folds): those that may still hold it at the provider while
  // their sync is to come. Does not wait for commands being decided.
  std::vector<std::string> HoldersEver(const std::string& provider, const std::string& account,
                                       const domain::UniqueValue& value) const;

  // The schema a loaded provider declared (it lives as long as the registry); kNotFound
  // names the loaded ones.
  Result<const domain::Schema*> SchemaOf(const std::string& provider) const;

  const journal::Journal& journal() const;
  const plugin_host::PluginHost& plugins() const;
  // The plugin files that serve no provider, each status naming the file and why: those the
  // host refused (see PluginHost::LoadFile) and those whose schema could not be read. They
  // never stop the registry from opening and serving the providers that did load.
  std::vector<Status> RefusedPlugins() const;

  // What Open had to repair on its way, for the operator: e.g. a projection snapshot that was
  // damaged or did not match the journal, and so is being rebuilt from the journal.
  std::vector<std::string> Notices() const;

 private:
  struct Impl;
  struct Decided;
  // Decides `command` against the trunk's latest state (in flight included); REQUIRES mu and
  // pending_mu.
  Result<Decided> Decide(const std::string& trunk_id, const domain::Command& command,
                         const CommandMeta& meta) const;
  explicit Registry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Flattens a trunk into "path -> value" (see FieldChange) and compares two of them.
std::vector<FieldChange> Compare(const domain::TrunkState& before, const domain::TrunkState& after);

}  // namespace trunkline::registry
