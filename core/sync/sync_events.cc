// Sync event payloads (msgpack), all at schema version 1:
//   SyncCreatePending  := map{ "provider": str, "account": str, "desired_version": uint }
//   TrunkSynced        := map{ "provider": str, "account": str, "remote_id": str,
//                              "item_ids": map{str: map{str: str}}, "read_only": values,
//                              "desired_version": uint, "desired_position": uint,
//                              "requests": uint }
//   SyncFailed         := map{ "error": error, "attempt": uint, "next_try_us": int,
//                              "desired_version": uint, "remote_id"?: str,
//                              "item_ids"?: map{str: map{str: str}} } (the last two when
//                              either is not empty: the attempt learned a remote id;
//                              absent in older events)
//   SyncParked         := map{ "error": error, "attempts": uint, "desired_version": uint,
//                              "remote_id"?: str, "item_ids"?: map{str: map{str: str}} }
//                              (as in SyncFailed)
//   SyncDriftDetected  := map{ "changes": [map{ "path": str, "expected"?: str,
//                              "found"?: str }*], "corrected": bool }
//   TrunkImported      := map{ "provider", "account", "remote_id", "item_ids", "read_only",
//                              "desired_version", "desired_position" } as TrunkSynced
//   RemoteTrunkDeleted := map{ "remote_id": str, "desired_version": uint }
//   SyncRetryRequested := map{}
//   SyncPolicySet      := map{ "drift": "correct" | "report" }
//   error  := map{ "code": int, "message": str, "field": str, "provider_code": str,
//                  "provider_message": str }
//   values := map{ str: bool | int | str }
#include "trunkline/sync/sync_events.h"

#include "trunkline/base/overloaded.h"
#include "trunkline/plugin_sdk/schema_codec.h"

namespace trunkline::sync {
namespace {

namespace codec = plugin_sdk::codec_internal;
using codec::Find;
using codec::Get;
using codec::Packer;

// Writes one map entry per call, after the caller has written the map header.
class Writer {
 public:
  explicit Writer(std::string* out) : sink_{out}, pk_(sink_) {}
  Writer& Map(uint32_t n) {
    pk_.pack_map(n);
    return *this;
  }
  template <typename T>
  Writer& Put(const char* key, const T& value) {
    pk_.pack(key);
    pk_.pack(value);
    return *this;
  }
  Writer& Values(const char* key, const std::map<std::string, FieldValue>& values) {
    pk_.pack(key);
    codec::PackValues(pk_, values);
    return *this;
  }
  Writer& Error(const SyncErrorInfo& e) {
    pk_.pack("error");
    Map(5).Put("code", e.code).Put("message", e.message).Put("field", e.field);
    return Put("provider_code", e.provider_code).Put("provider_message", e.provider_message);
  }
  Writer& Changes(const std::vector<DriftChange>& changes) {
    pk_.pack("changes");
    pk_.pack_array(static_cast<uint32_t>(changes.size()));
    for (const DriftChange& c : changes) {
      Map(1 + (c.expected ? 1 : 0) + (c.found ? 1 : 0)).Put("path", c.path);
      if (c.expected) Put("expected", *c.expected);
      if (c.found) Put("found", *c.found);
    }
    return *this;
  }

 private:
  codec::Sink sink_;
  Packer pk_;
};

template <typename E>
void WriteRemote(Writer& w, const E& e) {
  w.Put("provider", e.provider).Put("account", e.account).Put("remote_id", e.remote_id);
  w.Put("item_ids", e.item_ids).Values("read_only", e.read_only);
  w.Put("desired_version", e.desired_version).Put("desired_position", e.desired_position);
}

template <typename E>
void ReadRemote(const msgpack::object& o, E& e) {
  e.provider = Get<std::string>(o, "provider", "");
  e.account = Get<std::string>(o, "account", "");
  e.remote_id = Get<std::string>(o, "remote_id", "");
  e.item_ids = Get<ItemIds>(o, "item_ids", {});
  if (const msgpack::object* r = Find(o, "read_only")) {
    e.read_only = codec::UnpackValues(*r, "read_only");
  }
  e.desired_version = Get<uint64_t>(o, "desired_version", 0);
  e.desired_position = Get<uint64_t>(o, "desired_position", 0);
}

SyncErrorInfo ReadError(const msgpack::object& o) {
  SyncErrorInfo e;
  const msgpack::object* m = Find(o, "error");
  if (m == nullptr) return e;
  e.code = Get<int32_t>(*m, "code", 0);
  e.message = Get<std::string>(*m, "message", "");
  e.field = Get<std::string>(*m, "field", "");
  e.provider_code = Get<std::string>(*m, "provider_code", "");
  e.provider_message = Get<std::string>(*m, "provider_message", "");
  return e;
}

std::vector<DriftChange> ReadChanges(const msgpack::object& o) {
  std::vector<DriftChange> out;
  const msgpack::object* list = Find(o, "changes");
  if (list == nullptr) return out;
  if (list->type != msgpack::type::ARRAY) codec::Malformed("\"changes\": expected an array");
  for (uint32_t i = 0; i < list->via.array.size; ++i) {
    const msgpack::object& c = list->via.array.ptr[i];
    DriftChange change;
    change.path = Get<std::string>(c, "path", "");
    if (Find(c, "expected")) change.expected = Get<std::string>(c, "expected", "");
    if (Find(c, "found")) change.found = Get<std::string>(c, "found", "");
    out.push_back(std::move(change));
  }
  return out;
}

SyncEvent Decode(std::string_view type, const msgpack::object& o) {
  if (type == "SyncCreatePending") {
    return SyncCreatePending{Get<std::string>(o, "provider", ""),
                             Get<std::string>(o, "account", ""),
                             Get<uint64_t>(o, "desired_version", 0)};
  }
  if (type == "TrunkSynced") {
    TrunkSynced e;
    ReadRemote(o, e);
    e.requests = Get<uint32_t>(o, "requests", 0);
    return e;
  }
  if (type == "SyncFailed") {
    return SyncFailed{ReadError(o),
                      Get<uint32_t>(o, "attempt", 0),
                      Get<int64_t>(o, "next_try_us", 0),
                      Get<uint64_t>(o, "desired_version", 0),
                      Get<std::string>(o, "remote_id", ""),
                      Get<ItemIds>(o, "item_ids", {})};
  }
  if (type == "SyncParked") {
    return SyncParked{ReadError(o), Get<uint32_t>(o, "attempts", 0),
                      Get<uint64_t>(o, "desired_version", 0), Get<std::string>(o, "remote_id", ""),
                      Get<ItemIds>(o, "item_ids", {})};
  }
  if (type == "SyncDriftDetected") {
    return SyncDriftDetected{ReadChanges(o), Get<bool>(o, "corrected", false)};
  }
  if (type == "TrunkImported") {
    TrunkImported e;
    ReadRemote(o, e);
    return e;
  }
  if (type == "RemoteTrunkDeleted") {
    return RemoteTrunkDeleted{Get<std::string>(o, "remote_id", ""),
                              Get<uint64_t>(o, "desired_version", 0)};
  }
  if (type == "SyncRetryRequested") return SyncRetryRequested{};
  Result<DriftPolicy> policy = ParseDriftPolicy(Get<std::string>(o, "drift", "correct"));
  if (!policy.ok()) codec::Malformed("\"drift\": " + policy.status().message());
  return SyncPolicySet{*policy};
}

constexpr const char* kTypes[] = {"SyncCreatePending",  "TrunkSynced",        "SyncFailed",
                                  "SyncParked",         "SyncDriftDetected",  "TrunkImported",
                                  "RemoteTrunkDeleted", "SyncRetryRequested", "SyncPolicySet"};

}  // namespace

std::string SyncStreamOf(std::string_view trunk_id) {
  return kSyncStreamPrefix + std::string(trunk_id);
}

const char* DriftPolicyName(DriftPolicy policy) {
  return policy == DriftPolicy::kReport ? "report" : "correct";
}

Result<DriftPolicy> ParseDriftPolicy(std::string_view text) {
  if (text == "correct") return DriftPolicy::kCorrect;
  if (text == "report") return DriftPolicy::kReport;
  return InvalidArgumentError("drift policy: must be correct or report, not \"" +
                              std::string(text) + "\"");
}

EncodedSyncEvent EncodeSyncEvent(const SyncEvent& event) {
  EncodedSyncEvent out;
  out.type = kTypes[event.index()];
  Writer w(&out.payload);
  std::visit(Overloaded{
                 [&](const SyncCreatePending& e) {
                   w.Map(3).Put("provider", e.provider).Put("account", e.account);
                   w.Put("desired_version", e.desired_version);
                 },
                 [&](const TrunkSynced& e) {
                   WriteRemote(w.Map(8), e);
                   w.Put("requests", e.requests);
                 },
                 [&](const SyncFailed& e) {
                   const bool learned = !e.remote_id.empty() || !e.item_ids.empty();
                   w.Map(learned ? 6 : 4).Error(e.error).Put("attempt", e.attempt);
                   w.Put("next_try_us", e.next_try_us).Put("desired_version", e.desired_version);
                   if (learned) w.Put("remote_id", e.remote_id).Put("item_ids", e.item_ids);
                 },
                 [&](const SyncParked& e) {
                   const bool learned = !e.remote_id.empty() || !e.item_ids.empty();
                   w.Map(learned ? 5 : 3).Error(e.error).Put("attempts", e.attempts);
                   w.Put("desired_version", e.desired_version);
                   if (learned) w.Put("remote_id", e.remote_id).Put("item_ids", e.item_ids);
                 },
                 [&](const SyncDriftDetected& e) {
                   w.Map(2).Changes(e.changes).Put("corrected", e.corrected);
                 },
                 [&](const TrunkImported& e) { WriteRemote(w.Map(7), e); },
                 [&](const RemoteTrunkDeleted& e) {
                   w.Map(2).Put("remote_id", e.remote_id);
                   w.Put("desired_version", e.desired_version);
                 },
                 [&](const SyncRetryRequested&) { w.Map(0); },
                 [&](const SyncPolicySet& e) {
                   w.Map(1).Put("drift", std::string(DriftPolicyName(e.drift)));
                 },
             },
             event);
  return out;
}

Result<SyncEvent> DecodeSyncEvent(std::string_view type, uint32_t schema_version,
                                  std::string_view payload) {
  bool known = false;
  for (const char* t : kTypes) known = known || type == t;
  if (!known) {
    return FailedPreconditionError("sync event type \"" + std::string(type) +
                                   "\" is unknown to this build");
  }
  if (schema_version != 1) {
    return FailedPreconditionError(std::string(type) + " schema version " +
                                   std::to_string(schema_version) +
                                   " is newer than this build reads (1)");
  }
  try {
    msgpack::object_handle handle = codec::Unpack(payload);
    if (handle.get().type != msgpack::type::MAP) codec::Malformed("payload: expected a map");
    return Decode(type, handle.get());
  } catch (const std::exception& e) {
    return DataLossError(std::string(type) + ": " + e.what());
  }
}

std::string DescribeSyncEvent(const SyncEvent& event) {
  const auto remote = [](const std::string& provider, const std::string& id) {
    return provider + (id.empty() ? "" : " (" + id + ")");
  };
  const auto error = [](const SyncErrorInfo& e) {
    std::string text(StatusCodeName(static_cast<StatusCode>(e.code)));
    if (!e.field.empty()) text += " " + e.field;
    text += ": " + e.message;
    if (!e.provider_code.empty()) text += " [provider " + e.provider_code + "]";
    return text;
  };
  return std::visit(
      Overloaded{
          [&](const SyncCreatePending& e) {
            return "create sent to " + e.provider + " (version " +
                   std::to_string(e.desired_version) + "), answer pending";
          },
          [&](const TrunkSynced& e) {
            return "synced to " + remote(e.provider, e.remote_id) + " at version " +
                   std::to_string(e.desired_version);
          },
          [&](const SyncFailed& e) {
            return "sync attempt " + std::to_string(e.attempt) + " failed: " + error(e.error);
          },
          [&](const SyncParked& e) {
            return "sync parked after " + std::to_string(e.attempts) +
                   " attempts: " + error(e.error);
          },
          [&](const SyncDriftDetected& e) {
            std::string text = "drift detected";
            for (const DriftChange& c : e.changes) {
              text += " " + c.path + " (expected " + c.expected.value_or("absent") + ", found " +
                      c.found.value_or("absent") + ")";
            }
            return text + (e.corrected ? "; corrected" : "; reported only");
          },
          [&](const TrunkImported& e) {
            return "imported from " + remote(e.provider, e.remote_id);
          },
          [&](const RemoteTrunkDeleted& e) {
            return "deleted at the provider (" + e.remote_id + ")";
          },
          [&](const SyncRetryRequested&) { return std::string("sync retry requested"); },
          [&](const SyncPolicySet& e) {
            return std::string("drift policy set to ") + DriftPolicyName(e.drift);
          },
      },
      event);
}

}  // namespace trunkline::sync
