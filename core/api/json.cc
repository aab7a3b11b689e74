// The JSON shapes of trunkline's answers (see json.h).
#include "trunkline/api/json.h"

#include <cstdio>
#include <ctime>

#include "trunkline/base/overloaded.h"
#include "trunkline/domain/event_codec.h"
#include "trunkline/sync/sync_events.h"

namespace trunkline::api {
namespace {

boost::json::value ValueJson(const domain::FieldValue& value) {
  if (const bool* b = std::get_if<bool>(&value)) return *b;
  if (const int64_t* n = std::get_if<int64_t>(&value)) return *n;
  return boost::json::string(std::get<std::string>(value));
}

boost::json::object ValuesJson(const domain::FieldValues& values) {
  boost::json::object out;
  for (const auto& [name, value] : values) out[name] = ValueJson(value);
  return out;
}

boost::json::array NamesJson(const std::vector<std::string>& names) {
  boost::json::array out;
  for (const auto& n : names) out.emplace_back(n);
  return out;
}
boost::json::value SyncValueJson(const sync::FieldValue& v) {
  return std::visit([](const auto& x) -> boost::json::value { return boost::json::value(x); }, v);
}

boost::json::object ErrorJson(const sync::SyncErrorInfo& e) {
  boost::json::object out;
  out["code"] = std::string(StatusCodeName(static_cast<StatusCode>(e.code)));
  out["message"] = e.message;
  if (!e.field.empty()) out["field"] = e.field;
  if (!e.provider_code.empty()) out["provider_code"] = e.provider_code;
  if (!e.provider_message.empty()) out["provider_message"] = e.provider_message;
  return out;
}

}  // namespace

std::string FormatTime(int64_t time_us) {
  // Rounded down, not toward zero: before 1970 the fraction is still what follows the second.
  int64_t micros = time_us % 1'000'000;
  std::time_t seconds = static_cast<std::time_t>(time_us / 1'000'000);
  if (micros < 0) {
    micros += 1'000'000;
    --seconds;
  }
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(micros));
  return buf;
}

boost::json::object TrunkJson(const domain::TrunkState& t) {
  boost::json::object out;
  out["id"] = t.id;
  out["provider"] = t.provider;
  out["account"] = t.account;
  out["version"] = t.version;
  out["deleted"] = t.deleted;
  out["created"] = FormatTime(t.created_us);
  out["updated"] = FormatTime(t.updated_us);
  out["fields"] = ValuesJson(t.fields);
  boost::json::object subs;
  for (const auto& [name, values] : t.singletons) subs[name] = ValuesJson(values);
  for (const auto& [name, items] : t.collections) {
    boost::json::object coll;
    for (const auto& [id, values] : items) coll[id] = ValuesJson(values);
    subs[name] = std::move(coll);
  }
  for (const auto& [name, ids] : t.attachments) {
    boost::json::array list;
    for (const std::string& id : ids) list.emplace_back(id);
    subs[name] = std::move(list);
  }
  out["sub_resources"] = std::move(subs);
  return out;
}

boost::json::object ChangeJson(const registry::FieldChange& c) {
  // Each side keeps its type: true, 42, "text", or a list of ids.
  const auto side = [](const std::optional<registry::ChangeValue>& v) -> boost::json::value {
    if (!v) return nullptr;
    return std::visit([](const auto& x) { return boost::json::value_from(x); }, *v);
  };
  boost::json::object out;
  out["path"] = c.path;
  out["old"] = side(c.before_value);
  out["new"] = side(c.after_value);
  return out;
}

boost::json::object HistoryJson(const registry::HistoryEntry& e) {
  boost::json::object out;
  out["position"] = e.position;
  out["version"] = e.version;
  out["time"] = FormatTime(e.time_us);
  out["type"] = e.type;
  out["actor"] = e.metadata.actor;
  out["reason"] = e.metadata.reason;
  out["command_id"] = e.metadata.command_id;
  boost::json::array changes;
  for (const auto& c : e.changes) changes.push_back(ChangeJson(c));
  out["changes"] = std::move(changes);
  return out;
}

boost::json::object EventJson(const domain::Event& event) {
  using boost::json::object;
  return std::visit(Overloaded{
                        [](const domain::TrunkCreated& e) {
                          object singletons;
                          for (const auto& [name, values] : e.singletons)
                            singletons[name] = ValuesJson(values);
                          return object{{"provider", e.provider},
                                        {"account", e.account},
                                        {"fields", ValuesJson(e.fields)},
                                        {"singletons", singletons}};
                        },
                        [](const domain::TrunkUpdated& e) {
                          return object{{"set", ValuesJson(e.set)}, {"unset", NamesJson(e.unset)}};
                        },
                        [](const domain::TrunkDeleted&) { return object{}; },
                        [](const domain::ItemAdded& e) {
                          return object{{"sub_resource", e.sub_resource},
                                        {"item_id", e.item_id},
                                        {"fields", ValuesJson(e.fields)}};
                        },
                        [](const domain::ItemUpdated& e) {
                          return object{{"sub_resource", e.sub_resource},
                                        {"item_id", e.item_id},
                                        {"set", ValuesJson(e.set)},
                                        {"unset", NamesJson(e.unset)}};
                        },
                        [](const domain::ItemRemoved& e) {
                          return object{{"sub_resource", e.sub_resource}, {"item_id", e.item_id}};
                        },
                        [](const domain::SingletonUpdated& e) {
                          return object{{"sub_resource", e.sub_resource},
                                        {"set", ValuesJson(e.set)},
                                        {"unset", NamesJson(e.unset)}};
                        },
                        [](const domain::Attached& e) {
                          return object{{"sub_resource", e.sub_resource}, {"id", e.id}};
                        },
                        [](const domain::Detached& e) {
                          return object{{"sub_resource", e.sub_resource}, {"id", e.id}};
                        },
                    },
                    event);
}

boost::json::object RecordJson(const journal::Record& r) {
  boost::json::object out;
  out["position"] = r.position;
  out["stream"] = r.stream;
  out["version"] = r.version;
  out["type"] = r.type;
  out["schema_version"] = r.schema_version;
  out["time"] = FormatTime(r.timestamp_us);
  out["actor"] = r.metadata.actor;
  out["reason"] = r.metadata.reason;
  out["command_id"] = r.metadata.command_id;
  out["correlation_id"] = r.metadata.correlation_id;
  out["hash"] = ToHex(r.hash);
  if (r.stream.starts_with(sync::kSyncStreamPrefix)) {
    Result<sync::SyncEvent> event = sync::DecodeSyncEvent(r.type, r.schema_version, r.payload);
    if (event.ok()) {
      out["payload"] = SyncEventJson(*event);
    } else {
      out["payload_error"] = event.status().ToString();
    }
    return out;
  }
  Result<domain::Event> event = domain::DecodeEvent(r.type, r.schema_version, r.payload);
  if (event.ok()) {
    out["payload"] = EventJson(*event);
  } else {
    out["payload_error"] = event.status().ToString();
  }
  return out;
}

const char* FieldTypeName(domain::FieldType t) {
  switch (t) {
    case domain::FieldType::kBool:
      return "bool";
    case domain::FieldType::kInt:
      return "int";
    case domain::FieldType::kEnum:
      return "enum";
    case domain::FieldType::kString:
      return "string";
  }
  return "string";
}

const char* SubResourceKindName(domain::SubResourceKind k) {
  switch (k) {
    case domain::SubResourceKind::kCollection:
      return "collection";
    case domain::SubResourceKind::kSingleton:
      return "singleton";
    case domain::SubResourceKind::kAttachments:
      return "attachments";
  }
  return "collection";
}

boost::json::object FieldJson(const domain::FieldSpec& f) {
  boost::json::object out{{"name", f.name}, {"type", FieldTypeName(f.type)}};
  if (f.required_on_create) out["required_on_create"] = true;
  if (f.read_only) out["read_only"] = true;
  if (f.unique_per_account) out["unique_per_account"] = true;
  if (f.default_value) out["default"] = *f.default_value;
  if (f.max_length) out["max_length"] = f.max_length;
  if (!f.pattern_rule.empty()) out["rule"] = f.pattern_rule;
  if (!f.values.empty()) out["values"] = boost::json::value_from(f.values);
  if (f.min) out["min"] = *f.min;
  if (f.max) out["max"] = *f.max;
  return out;
}

boost::json::object SchemaJson(const domain::Schema& schema) {
  boost::json::array fields;
  for (const auto& f : schema.fields) fields.push_back(FieldJson(f));
  boost::json::array subs;
  for (const auto& s : schema.sub_resources) {
    boost::json::array sub_fields;
    for (const auto& f : s.fields) sub_fields.push_back(FieldJson(f));
    boost::json::object sub{
        {"name", s.name}, {"kind", SubResourceKindName(s.kind)}, {"fields", sub_fields}};
    if (!s.id_rule.empty()) sub["id_rule"] = s.id_rule;
    subs.push_back(std::move(sub));
  }
  return boost::json::object{
      {"provider", schema.provider}, {"fields", fields}, {"sub_resources", subs}};
}

boost::json::object SyncStatusJson(const sync::TrunkSyncStatus& t) {
  boost::json::object out;
  out["id"] = t.id;
  out["provider"] = t.provider;
  out["account"] = t.account;
  out["state"] = sync::SyncStateName(t.state());
  out["desired_version"] = t.desired_version;
  out["synced_version"] = t.synced_version;
  out["remote_id"] = t.remote_id;
  boost::json::object read_only;
  for (const auto& [name, value] : t.read_only) read_only[name] = SyncValueJson(value);
  out["read_only"] = std::move(read_only);
  out["attempts"] = t.attempts;
  if (t.next_try_us != 0 && t.state() == sync::SyncState::kFailed) {
    out["next_try"] = FormatTime(t.next_try_us);
  }
  out["drift_policy"] = sync::DriftPolicyName(t.drift_policy);
  if (t.last_error) out["last_error"] = ErrorJson(*t.last_error);
  return out;
}

boost::json::object SyncEventJson(const sync::SyncEvent& event) {
  boost::json::object out;
  const auto remote = [&](const auto& e) {
    out["provider"] = e.provider;
    out["account"] = e.account;
    out["remote_id"] = e.remote_id;
    boost::json::object items;
    for (const auto& [sub, ids] : e.item_ids) {
      boost::json::object mapped;
      for (const auto& [item, remote_id] : ids) mapped[item] = remote_id;
      items[sub] = std::move(mapped);
    }
    out["item_ids"] = std::move(items);
    boost::json::object read_only;
    for (const auto& [name, value] : e.read_only) read_only[name] = SyncValueJson(value);
    out["read_only"] = std::move(read_only);
    out["desired_version"] = e.desired_version;
  };
  std::visit(
      Overloaded{
          [&](const sync::SyncCreatePending& e) {
            out["provider"] = e.provider;
            out["account"] = e.account;
            out["desired_version"] = e.desired_version;
          },
          [&](const sync::TrunkSynced& e) {
            remote(e);
            out["requests"] = e.requests;
          },
          [&](const sync::TrunkImported& e) { remote(e); },
          [&](const sync::SyncFailed& e) {
            out["error"] = ErrorJson(e.error);
            out["attempt"] = e.attempt;
            out["next_try"] = FormatTime(e.next_try_us);
            out["desired_version"] = e.desired_version;
          },
          [&](const sync::SyncParked& e) {
            out["error"] = ErrorJson(e.error);
            out["attempts"] = e.attempts;
            out["desired_version"] = e.desired_version;
          },
          [&](const sync::SyncDriftDetected& e) {
            boost::json::array changes;
            for (const sync::DriftChange& c : e.changes) {
              boost::json::object change{{"path", c.path}};
              change["expected"] = c.expected ? boost::json::value(*c.expected) : nullptr;
              change["found"] = c.found ? boost::json::value(*c.found) : nullptr;
              changes.push_back(std::move(change));
            }
            out["changes"] = std::move(changes);
            out["corrected"] = e.corrected;
          },
          [&](const sync::RemoteTrunkDeleted& e) {
            out["remote_id"] = e.remote_id;
            out["desired_version"] = e.desired_version;
          },
          [&](const sync::SyncRetryRequested&) {},
          [&](const sync::SyncPolicySet& e) { out["drift"] = sync::DriftPolicyName(e.drift); },
      },
      event);
  out["description"] = sync::DescribeSyncEvent(event);
  return out;
}

boost::json::object SyncRecordJson(const sync::SyncRecord& r) {
  boost::json::object out;
  out["position"] = r.position;
  out["time"] = FormatTime(r.time_us);
  out["type"] = r.type;
  out["actor"] = r.metadata.actor;
  out["reason"] = r.metadata.reason;
  out["command_id"] = r.metadata.command_id;
  out["sync"] = SyncEventJson(r.event);
  return out;
}

boost::json::array TrunkHistoryJson(const std::vector<registry::HistoryEntry>& history,
                                    const sync::TrunkSync& synced) {
  boost::json::array out;
  auto outcome = synced.records.begin();
  const auto outcomes_before = [&](uint64_t position) {
    for (; outcome != synced.records.end() && outcome->position < position; ++outcome) {
      out.push_back(SyncRecordJson(*outcome));
    }
  };
  for (const auto& e : history) {
    outcomes_before(e.position);
    out.push_back(HistoryJson(e));
  }
  outcomes_before(UINT64_MAX);
  return out;
}

boost::json::array PlansJson(const std::vector<sync::TrunkPlan>& plans) {
  boost::json::array out;
  for (const sync::TrunkPlan& plan : plans) {
    boost::json::object p;
    p["id"] = plan.trunk_id;
    for (const char* part : {"reads", "writes"}) {
      boost::json::array requests;
      for (const auto& r : part == std::string("reads") ? plan.reads : plan.writes) {
        requests.push_back({{"kind", r.kind},
                            {"target", r.target},
                            {"method", r.method},
                            {"url", r.url},
                            {"body", r.body}});
      }
      p[part] = std::move(requests);
    }
    p["converged"] = plan.writes.empty() && !plan.error;
    if (plan.error) p["error"] = plan.error->ToString();
    out.push_back(std::move(p));
  }
  return out;
}

boost::json::object ImportJson(const sync::SyncWorker::ImportReport& report) {
  boost::json::array imported, held, refused;
  for (const auto& id : report.imported) imported.push_back(boost::json::value(id));
  for (const auto& id : report.already_held) held.push_back(boost::json::value(id));
  for (const auto& s : report.refused) refused.push_back(boost::json::value(s.ToString()));
  return {{"imported", std::move(imported)},
          {"already_held", std::move(held)},
          {"refused", std::move(refused)}};
}

}  // namespace trunkline::api
