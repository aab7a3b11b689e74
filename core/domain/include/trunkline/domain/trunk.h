// The trunk aggregate: commands, events, state, and the two pure functions that relate them.
//
//   Decide(state, command, rules, unique) -> the events the command causes, or why not;
//   Evolve(state, event, version, time)   -> the state after the event.
//
// No I/O, no clock, no random ids: time and ids come in with the command and the stored
// record. No provider is named: what a trunk may hold comes from the provider's declared
// schema and cross-field rules (ProviderRules), behind which sits the provider's plugin.
//
// Thread-safety: pure functions over values; safe for concurrent use.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "trunkline/base/status.h"
#include "trunkline/domain/provider_schema.h"

namespace trunkline::domain {

// ---- Commands (imperative) ----

struct CreateTrunk {
  std::string provider;  // provider id, e.g. the plugin's "twilio"
  std::string account;   // provider account alias; not a secret
  FieldChanges fields;
};
struct UpdateTrunk {
  FieldChanges fields;
};
struct DeleteTrunk {};
// Collection sub-resources (e.g. origination URLs): items with caller-chosen ids.
struct AddItem {
  std::string sub_resource;
  std::string item_id;
  FieldChanges fields;
};
struct UpdateItem {
  std::string sub_resource;
  std::string item_id;
  FieldChanges fields;
};
struct RemoveItem {
  std::string sub_resource;
  std::string item_id;
};
// Singleton sub-resources (e.g. recording).
struct UpdateSingleton {
  std::string sub_resource;
  FieldChanges fields;
};
// Attachment sub-resources (e.g. phone numbers): references by the provider's id.
struct Attach {
  std::string sub_resource;
  std::string id;
};
struct Detach {
  std::string sub_resource;
  std::string id;
};

using Command = std::variant<CreateTrunk, UpdateTrunk, DeleteTrunk, AddItem, UpdateItem, RemoveItem,
                             UpdateSingleton, Attach, Detach>;

// ---- Events (past tense) ----

struct TrunkCreated {
  std::string provider;
  std::string account;
  FieldValues fields;
  std::map<std::string, FieldValues> singletons;  // their defaults at creation
  friend bool operator==(const TrunkCreated&, const TrunkCreated&) = default;
};
struct TrunkUpdated {
  FieldValues set;
  std::vector<std::string> unset;
  friend bool operator==(const TrunkUpdated&, const TrunkUpdated&) = default;
};
struct TrunkDeleted {
  friend bool operator==(const TrunkDeleted&, const TrunkDeleted&) = default;
};
struct ItemAdded {
  std::string sub_resource;
  std::string item_id;
  FieldValues fields;
  friend bool operator==(const ItemAdded&, const ItemAdded&) = default;
};
struct ItemUpdated {
  std::string sub_resource;
  std::string item_id;
  FieldValues set;
  std::vector<std::string> unset;
  friend bool operator==(const ItemUpdated&, const ItemUpdated&) = default;
};
struct ItemRemoved {
  std::string sub_resource;
  std::string item_id;
  friend bool operator==(const ItemRemoved&, const ItemRemoved&) = default;
};
struct SingletonUpdated {
  std::string sub_resource;
  FieldValues set;
  std::vector<std::string> unset;
  friend bool operator==(const SingletonUpdated&, const SingletonUpdated&) = default;
};
struct Attached {
  std::string sub_resource;
  std::string id;
  friend bool operator==(const Attached&, const Attached&) = default;
};
struct Detached {
  std::string sub_resource;
  std::string id;
  friend bool operator==(const Detached&, const Detached&) = default;
};

using Event = std::variant<TrunkCreated, TrunkUpdated, TrunkDeleted, ItemAdded, ItemUpdated,
                           ItemRemoved, SingletonUpdated, Attached, Detached>;

// ---- State ----

struct TrunkState {
  std::string id;
  std::string provider;
  std::string account;
  uint64_t version = 0;  // of the last event folded in; 0 = never created
  bool deleted = false;
  int64_t created_us = 0;
  int64_t updated_us = 0;
  FieldValues fields;
  std::map<std::string, FieldValues> singletons;
  std::map<std::string, std::map<std::string, FieldValues>> collections;  // sub -> id -> item
  std::map<std::string, std::set<std::string>> attachments;               // sub -> ids

  bool exists() const { return version > 0; }
  // The trunk as the provider's cross-field rules see it.
  TrunkFacts Facts() const;
  friend bool operator==(const TrunkState&, const TrunkState&) = default;
};

// ---- Deciding ----

// What Decide knows of the provider: its schema and its cross-field rules.
class ProviderRules {
 public:
  virtual ~ProviderRules() = default;
  virtual const Schema& schema() const = 0;
  // The rules `trunk` breaks (empty: none). Errors are the plugin's own failures.
  virtual Result<std::vector<Violation>> Check(const TrunkFacts& trunk) const = 0;
};

// A value the provider declares unique per account: a trunk field's value, or an id of an
// attachments sub-resource whose "id" field is unique_per_account (AttachmentIdSpec).
struct UniqueValue {
  std::string sub_resource;  // empty: the trunk field `field`; else the attachments it names
  std::string field;         // the trunk field; empty for an attachment
  FieldValue value;          // the field's value, or the attachment id as text
};

// The id of another live trunk of the same provider and account that holds `value`, if any.
using UniqueOwner = std::function<std::optional<std::string>(const UniqueValue& value)>;

// The events `command` causes on the trunk in `state` (whose id is state.id).
// `expected_version`, when given, must equal state.version. Every id a command brings in
// (trunk id, account, item id, attachment id) and every value is checked against
// input_rules.h before the provider's own limits.
// Errors:
//   kInvalidArgument: an id, a field or a rule is broken (message "<field>: <rule>"; rules
//     joined with "; "), or a unique field's value is taken by another trunk (names it);
//   kAborted: expected_version is stale (names both versions);
//   kNotFound: the trunk, item or attachment does not exist;
//   kAlreadyExists: the trunk, item or attachment exists already;
//   kFailedPrecondition: the trunk was deleted, or a unique attachment id is attached to
//     another live trunk of the account (names the id and that trunk: detach it there first).
Result<std::vector<Event>> Decide(const TrunkState& state, const Command& command,
                                  std::optional<uint64_t> expected_version,
                                  const ProviderRules& rules, const UniqueOwner& unique);

// The state after `event`, which was stored as the trunk's `version` at `timestamp_us`.
// Takes the event by value: a fold that owns its decoded events moves them in.
TrunkState Evolve(TrunkState state, Event event, uint64_t version, int64_t timestamp_us);

// The stable type tag of an event ("TrunkCreated", ...).
const char* EventType(const Event& event);

}  // namespace trunkline::domain
