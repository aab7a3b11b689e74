#include "trunkline/domain/trunk.h"

#include <algorithm>

#include "trunkline/base/overloaded.h"
#include "trunkline/domain/input_rules.h"

namespace trunkline::domain {
namespace {

// What Decide works with for one command.
struct Context {
  const TrunkState& state;
  const ProviderRules& rules;
  const UniqueOwner& unique;

  const Schema& schema() const { return rules.schema(); }

  // The provider's rules over the trunk as it would be.
  Status CheckRules(const TrunkState& next) const {
    TRUNKLINE_ASSIGN_OR_RETURN(std::vector<Violation> violations, rules.Check(next.Facts()));
    return ViolationsToStatus(violations);
  }

  // Unique fields among `changed` must not be held by another live trunk.
  Status CheckUnique(const FieldValues& changed) const {
    for (const FieldSpec& spec : schema().fields) {
      auto it = changed.find(spec.name);
      if (!spec.unique_per_account || it == changed.end() || !unique) continue;
      if (std::optional<std::string> owner = unique(UniqueValue{"", spec.name, it->second});
          owner && *owner != state.id) {
        return InvalidArgumentError(spec.name + ": must be unique in the account; \"" +
                                    FieldValueToString(it->second) + "\" is used by trunk " +
                                    *owner);
      }
    }
    return OkStatus();
  }

  // An id of attachments declared unique must not be attached to another live trunk.
  Status CheckUniqueAttachment(const SubResourceSpec& sub, const std::string& id) const {
    const FieldSpec* id_spec = AttachmentIdSpec(sub);
    if (id_spec == nullptr || !id_spec->unique_per_account || !unique) return OkStatus();
    std::optional<std::string> owner = unique(UniqueValue{sub.name, "", id});
    if (!owner || *owner == state.id) return OkStatus();
    return FailedPreconditionError(sub.name + ": " + id + " is attached to trunk " + *owner +
                                   " of the same account; detach it there first (one trunk " +
                                   "per account may hold it)");
  }

  // Applies an event to a copy of the state, to check the rules on the result.
  TrunkState After(const Event& event) const {
    return Evolve(state, event, state.version + 1, state.updated_us);
  }
};

// The difference between two field maps as an update: what is set and what is unset.
void Diff(const FieldValues& before, const FieldValues& after, FieldValues* set,
          std::vector<std::string>* unset) {
  for (const auto& [name, value] : after) {
    auto it = before.find(name);
    if (it == before.end() || it->second != value) (*set)[name] = value;
  }
  for (const auto& [name, value] : before) {
    if (!after.count(name)) unset->push_back(name);
  }
}

Status RequireSomeChange(const FieldChanges& changes, std::string_view what) {
  if (changes.set.empty() && changes.unset.empty()) {
    return InvalidArgumentError(std::string(what) + ": set or unset at least one field");
  }
  return OkStatus();
}

Result<std::vector<Event>> One(Event event) { return std::vector<Event>{std::move(event)}; }

Result<std::vector<Event>> DecideCreate(const Context& c, const CreateTrunk& cmd) {
  if (cmd.provider != c.schema().provider) {
    return InvalidArgumentError("provider: rules given for " + c.schema().provider +
                                ", command is for " + cmd.provider);
  }
  TRUNKLINE_RETURN_IF_ERROR(CheckId("id", c.state.id));
  TRUNKLINE_RETURN_IF_ERROR(CheckId("account", cmd.account));
  TRUNKLINE_ASSIGN_OR_RETURN(FieldValues fields,
                             ApplyFieldChanges(c.schema().fields, {}, cmd.fields, true));
  TrunkCreated created{cmd.provider, cmd.account, std::move(fields), {}};
  for (const SubResourceSpec& sub : c.schema().sub_resources) {
    if (sub.kind != SubResourceKind::kSingleton) continue;
    TRUNKLINE_ASSIGN_OR_RETURN(created.singletons[sub.name],
                               ApplyFieldChanges(sub.fields, {}, {}, true, sub.name + "."));
  }
  TRUNKLINE_RETURN_IF_ERROR(c.CheckUnique(created.fields));
  TRUNKLINE_RETURN_IF_ERROR(c.CheckRules(c.After(created)));
  return One(std::move(created));
}

Result<std::vector<Event>> DecideUpdate(const Context& c, const UpdateTrunk& cmd) {
  TRUNKLINE_RETURN_IF_ERROR(RequireSomeChange(cmd.fields, "fields"));
  TRUNKLINE_ASSIGN_OR_RETURN(
      FieldValues next, ApplyFieldChanges(c.schema().fields, c.state.fields, cmd.fields, false));
  TrunkUpdated updated;
  Diff(c.state.fields, next, &updated.set, &updated.unset);
  if (updated.set.empty() && updated.unset.empty()) return std::vector<Event>{};
  TRUNKLINE_RETURN_IF_ERROR(c.CheckUnique(updated.set));
  TRUNKLINE_RETURN_IF_ERROR(c.CheckRules(c.After(updated)));
  return One(std::move(updated));
}

Result<const FieldValues*> FindItem(const Context& c, const std::string& sub,
                                    const std::string& item_id) {
  auto coll = c.state.collections.find(sub);
  if (coll != c.state.collections.end()) {
    if (auto it = coll->second.find(item_id); it != coll->second.end()) return &it->second;
  }
  return NotFoundError(sub + " item " + item_id + " does not exist on trunk " + c.state.id);
}

Result<std::vector<Event>> DecideAddItem(const Context& c, const AddItem& cmd) {
  TRUNKLINE_ASSIGN_OR_RETURN(
      const SubResourceSpec* sub,
      FindSubResource(c.schema(), cmd.sub_resource, SubResourceKind::kCollection));
  TRUNKLINE_RETURN_IF_ERROR(CheckId(sub->name + ".item_id", cmd.item_id));
  if (FindItem(c, sub->name, cmd.item_id).ok()) {
    return AlreadyExistsError(sub->name + " item " + cmd.item_id + " already exists");
  }
  TRUNKLINE_ASSIGN_OR_RETURN(FieldValues fields,
                             ApplyFieldChanges(sub->fields, {}, cmd.fields, true, sub->name + "."));
  ItemAdded added{sub->name, cmd.item_id, std::move(fields)};
  TRUNKLINE_RETURN_IF_ERROR(c.CheckRules(c.After(added)));
  return One(std::move(added));
}

Result<std::vector<Event>> DecideUpdateItem(const Context& c, const UpdateItem& cmd) {
  TRUNKLINE_ASSIGN_OR_RETURN(
      const SubResourceSpec* sub,
      FindSubResource(c.schema(), cmd.sub_resource, SubResourceKind::kCollection));
  TRUNKLINE_RETURN_IF_ERROR(RequireSomeChange(cmd.fields, sub->name));
  TRUNKLINE_ASSIGN_OR_RETURN(const FieldValues* item, FindItem(c, sub->name, cmd.item_id));
  TRUNKLINE_ASSIGN_OR_RETURN(
      FieldValues next, ApplyFieldChanges(sub->fields, *item, cmd.fields, false, sub->name + "."));
  ItemUpdated updated{sub->name, cmd.item_id, {}, {}};
  Diff(*item, next, &updated.set, &updated.unset);
  if (updated.set.empty() && updated.unset.empty()) return std::vector<Event>{};
  TRUNKLINE_RETURN_IF_ERROR(c.CheckRules(c.After(updated)));
  return One(std::move(updated));
}

Result<std::vector<Event>> DecideRemoveItem(const Context& c, const RemoveItem& cmd) {
  TRUNKLINE_ASSIGN_OR_RETURN(
      const SubResourceSpec* sub,
      FindSubResource(c.schema(), cmd.sub_resource, SubResourceKind::kCollection));
  TRUNKLINE_RETURN_IF_ERROR(FindItem(c, sub->name, cmd.item_id).status());
  ItemRemoved removed{sub->name, cmd.item_id};
  TRUNKLINE_RETURN_IF_ERROR(c.CheckRules(c.After(removed)));
  return One(std::move(removed));
}

Result<std::vector<Event>> DecideSingleton(const Context& c, const UpdateSingleton& cmd) {
  TRUNKLINE_ASSIGN_OR_RETURN(
      const SubResourceSpec* sub,
      FindSubResource(c.schema(), cmd.sub_resource, SubResourceKind::kSingleton));
  TRUNKLINE_RETURN_IF_ERROR(RequireSomeChange(cmd.fields, sub->name));
  const auto current_it = c.state.singletons.find(sub->name);
  const FieldValues current =
      current_it == c.state.singletons.end() ? FieldValues{} : current_it->second;
  TRUNKLINE_ASSIGN_OR_RETURN(FieldValues next, ApplyFieldChanges(sub->fields, current, cmd.fields,
                                                                 false, sub->name + "."));
  SingletonUpdated updated{sub->name, {}, {}};
  Diff(current, next, &updated.set, &updated.unset);
  if (updated.set.empty() && updated.unset.empty()) return std::vector<Event>{};
  TRUNKLINE_RETURN_IF_ERROR(c.CheckRules(c.After(updated)));
  return One(std::move(updated));
}

bool IsAttached(const TrunkState& state, const std::string& sub, const std::string& id) {
  auto it = state.attachments.find(sub);
  return it != state.attachments.end() && it->second.count(id) > 0;
}

Result<std::vector<Event>> DecideAttach(const Context& c, const Attach& cmd) {
  TRUNKLINE_ASSIGN_OR_RETURN(
      const SubResourceSpec* sub,
      FindSubResource(c.schema(), cmd.sub_resource, SubResourceKind::kAttachments));
  TRUNKLINE_RETURN_IF_ERROR(CheckId(sub->name + ".id", cmd.id));
  TRUNKLINE_RETURN_IF_ERROR(CheckAttachmentId(*sub, cmd.id));
  if (IsAttached(c.state, sub->name, cmd.id)) {
    return AlreadyExistsError(sub->name + ": " + cmd.id + " is already attached");
  }
  TRUNKLINE_RETURN_IF_ERROR(c.CheckUniqueAttachment(*sub, cmd.id));
  Attached attached{sub->name, cmd.id};
  TRUNKLINE_RETURN_IF_ERROR(c.CheckRules(c.After(attached)));
  return One(std::move(attached));
}

Result<std::vector<Event>> DecideDetach(const Context& c, const Detach& cmd) {
  TRUNKLINE_ASSIGN_OR_RETURN(
      const SubResourceSpec* sub,
      FindSubResource(c.schema(), cmd.sub_resource, SubResourceKind::kAttachments));
  if (!IsAttached(c.state, sub->name, cmd.id)) {
    return NotFoundError(sub->name + ": " + cmd.id + " is not attached to trunk " + c.state.id);
  }
  return One(Detached{sub->name, cmd.id});
}

void ApplySetUnset(FieldValues& fields, FieldValues& set, const std::vector<std::string>& unset) {
  for (auto& [name, value] : set) fields[name] = std::move(value);
  for (const std::string& name : unset) fields.erase(name);
}

}  // namespace

TrunkFacts TrunkState::Facts() const {
  TrunkFacts facts;
  facts.fields.insert(fields.begin(), fields.end());
  for (const auto& [sub, ids] : attachments) {
    facts.attachments[sub] = std::vector<std::string>(ids.begin(), ids.end());
  }
  return facts;
}

Result<std::vector<Event>> Decide(const TrunkState& state, const Command& command,
                                  std::optional<uint64_t> expected_version,
                                  const ProviderRules& rules, const UniqueOwner& unique) {
  if (expected_version && *expected_version != state.version) {
    return AbortedError("trunk " + state.id + " is at version " + std::to_string(state.version) +
                        ", expected " + std::to_string(*expected_version));
  }
  const Context c{state, rules, unique};
  if (const auto* create = std::get_if<CreateTrunk>(&command)) {
    if (state.exists()) return AlreadyExistsError("trunk " + state.id + " already exists");
    return DecideCreate(c, *create);
  }
  if (!state.exists()) return NotFoundError("trunk " + state.id + " does not exist");
  if (state.deleted) return FailedPreconditionError("trunk " + state.id + " was deleted");
  if (state.provider != rules.schema().provider) {
    return InvalidArgumentError("provider: trunk " + state.id + " is a " + state.provider +
                                " trunk, rules given for " + rules.schema().provider);
  }
  return std::visit(Overloaded{
                        [](const CreateTrunk&) -> Result<std::vector<Event>> {
                          return InternalError("unreachable");
                        },
                        [&](const UpdateTrunk& cmd) { return DecideUpdate(c, cmd); },
                        [&](const DeleteTrunk&) { return One(TrunkDeleted{}); },
                        [&](const AddItem& cmd) { return DecideAddItem(c, cmd); },
                        [&](const UpdateItem& cmd) { return DecideUpdateItem(c, cmd); },
                        [&](const RemoveItem& cmd) { return DecideRemoveItem(c, cmd); },
                        [&](const UpdateSingleton& cmd) { return DecideSingleton(c, cmd); },
                        [&](const Attach& cmd) { return DecideAttach(c, cmd); },
                        [&](const Detach& cmd) { return DecideDetach(c, cmd); },
                    },
                    command);
}

TrunkState Evolve(TrunkState s, Event event, uint64_t version, int64_t timestamp_us) {
  // The event is ours (a copy or moved in): its parts move into the state.
  std::visit(
      Overloaded{
          [&](TrunkCreated& e) {
            s.provider = std::move(e.provider);
            s.account = std::move(e.account);
            s.fields = std::move(e.fields);
            s.singletons = std::move(e.singletons);
            s.created_us = timestamp_us;
          },
          [&](TrunkUpdated& e) { ApplySetUnset(s.fields, e.set, e.unset); },
          [&](const TrunkDeleted&) { s.deleted = true; },
          [&](ItemAdded& e) { s.collections[e.sub_resource][e.item_id] = std::move(e.fields); },
          [&](ItemUpdated& e) {
            ApplySetUnset(s.collections[e.sub_resource][e.item_id], e.set, e.unset);
          },
          [&](const ItemRemoved& e) {
            auto it = s.collections.find(e.sub_resource);
            if (it == s.collections.end()) return;
            it->second.erase(e.item_id);
            if (it->second.empty()) s.collections.erase(it);
          },
          [&](SingletonUpdated& e) { ApplySetUnset(s.singletons[e.sub_resource], e.set, e.unset); },
          [&](Attached& e) { s.attachments[e.sub_resource].insert(std::move(e.id)); },
          [&](const Detached& e) {
            auto it = s.attachments.find(e.sub_resource);
            if (it == s.attachments.end()) return;
            it->second.erase(e.id);
            if (it->second.empty()) s.attachments.erase(it);
          },
      },
      event);
  s.version = version;
  s.updated_us = timestamp_us;
  return s;
}

const char* EventType(const Event& event) {
  static constexpr const char* kTypes[] = {"TrunkCreated",
                                           "TrunkUpdated",
                                           "TrunkDeleted",
                                           "SubResourceItemAdded",
                                           "SubResourceItemUpdated",
                                           "SubResourceItemRemoved",
                                           "SingletonUpdated",
                                           "Attached",
                                           "Detached"};
  static_assert(std::size(kTypes) == std::variant_size_v<Event>);
  return kTypes[event.index()];
}

}  // namespace trunkline::domain
