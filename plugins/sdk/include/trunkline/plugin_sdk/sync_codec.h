// The msgpack form of sync.h's types, header-only, used by both sides of the ABI's sync
// functions (one implementation, so the two sides cannot read the grammar differently).
//
// Grammar (msgpack):
//   plan_input    := map{ "desired": desired | nil, "observation": observation }
//   plan_output   := map{ "steps": [step*] }                     no step: converged
//   absorb_input  := map{ "desired": desired | nil, "observation": observation,
//                         "step": step, "response": response }
//   absorb_output := map{ "observation": observation } | map{ "error": error }
//   desired       := map{ "id": str, "account": str, "deleted": bool, "content": content }
//   content       := map{ "fields": values, "singletons": map{str: values},
//                         "items": map{str: map{str: values}}, "attachments": map{str: [str*]} }
//   values        := map{ str: bool | int | str }
//   observation   := map{ "remote_id": str, "item_ids": map{str: map{str: str}},
//                         "create_pending": bool, "candidates": [str*], "lookup_done": bool,
//                         "read": bool, "exists": bool, "content": content,
//                         "read_only": values, "progress": map{str: str},
//                         "found": [observation*], "scan_done": bool }
//                         (an observation in "found" has an empty "found")
//   step          := map{ "kind": "read"|"lookup"|"create"|"update"|"delete", "target": str,
//                         "request": request }
//   request       := map{ "method": str, "path": str, "query": pairs, "headers": pairs,
//                         "body": str }
//   response      := map{ "status": int, "headers": pairs, "body": str }
//   pairs         := [ [str, str]* ]
//   error         := map{ "code": int, "retryable": bool, "message": str, "field": str,
//                         "provider_code": str, "provider_message": str,
//                         "retry_after_ms"?: int }
// Every key may be absent (its zero value); unknown keys are ignored. Decoders throw
// std::runtime_error on malformed input, as schema_codec.h's do.
#pragma once

#include "trunkline/plugin_sdk/schema_codec.h"
#include "trunkline/plugin_sdk/sync.h"

namespace trunkline::plugin_sdk {
inline namespace abi_v1 {

struct PlanInput {
  std::optional<DesiredTrunk> desired;  // nullopt: an import scan
  Observation observation;
};

struct AbsorbInput {
  std::optional<DesiredTrunk> desired;
  Observation observation;
  Step step;
  HttpResponse response;
};

namespace codec_internal {

inline void PackPairs(Packer& pk, const NameValues& pairs) {
  pk.pack_array(static_cast<uint32_t>(pairs.size()));
  for (const auto& [name, value] : pairs) {
    pk.pack_array(2);
    pk.pack(name);
    pk.pack(value);
  }
}

inline NameValues UnpackPairs(const msgpack::object& map, std::string_view key) {
  NameValues out;
  const msgpack::object* list = Find(map, key);
  if (list == nullptr) return out;
  if (list->type != msgpack::type::ARRAY) Malformed("\"" + std::string(key) + "\": not an array");
  for (uint32_t i = 0; i < list->via.array.size; ++i) {
    const msgpack::object& pair = list->via.array.ptr[i];
    if (pair.type != msgpack::type::ARRAY || pair.via.array.size != 2 ||
        pair.via.array.ptr[0].type != msgpack::type::STR ||
        pair.via.array.ptr[1].type != msgpack::type::STR) {
      Malformed("\"" + std::string(key) + "\": an entry is not a pair of strings");
    }
    const msgpack::object_str& n = pair.via.array.ptr[0].via.str;
    const msgpack::object_str& v = pair.via.array.ptr[1].via.str;
    out.emplace_back(std::string(n.ptr, n.size), std::string(v.ptr, v.size));
  }
  return out;
}

inline void PackContent(Packer& pk, const TrunkContent& c) {
  pk.pack_map(4);
  pk.pack("fields");
  PackValues(pk, c.fields);
  pk.pack("singletons");
  pk.pack_map(static_cast<uint32_t>(c.singletons.size()));
  for (const auto& [name, values] : c.singletons) {
    pk.pack(name);
    PackValues(pk, values);
  }
  pk.pack("items");
  pk.pack_map(static_cast<uint32_t>(c.items.size()));
  for (const auto& [name, items] : c.items) {
    pk.pack(name);
    pk.pack_map(static_cast<uint32_t>(items.size()));
    for (const auto& [id, values] : items) {
      pk.pack(id);
      PackValues(pk, values);
    }
  }
  pk.pack("attachments");
  pk.pack(c.attachments);
}

// Calls visit(key, value) for each entry of the map under `key` (if any).
template <typename Visit>
void ForEntries(const msgpack::object& map, std::string_view key, Visit visit) {
  const msgpack::object* m = Find(map, key);
  if (m == nullptr) return;
  const std::string where = "\"" + std::string(key) + "\"";
  if (m->type != msgpack::type::MAP) Malformed(where + ": expected a map");
  for (uint32_t i = 0; i < m->via.map.size; ++i) {
    const msgpack::object_kv& kv = m->via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR) Malformed(where + ": a key is not a string");
    visit(std::string(kv.key.via.str.ptr, kv.key.via.str.size), kv.val);
  }
}

inline TrunkContent UnpackContent(const msgpack::object* o) {
  TrunkContent c;
  if (o == nullptr) return c;
  if (const msgpack::object* f = Find(*o, "fields")) c.fields = UnpackValues(*f, "fields");
  ForEntries(*o, "singletons", [&](std::string name, const msgpack::object& v) {
    c.singletons[std::move(name)] = UnpackValues(v, "singletons");
  });
  ForEntries(*o, "items", [&](std::string name, const msgpack::object& v) {
    auto& items = c.items[std::move(name)];
    if (v.type != msgpack::type::MAP) Malformed("\"items\": expected a map");
    for (uint32_t i = 0; i < v.via.map.size; ++i) {
      const msgpack::object_kv& kv = v.via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR) Malformed("\"items\": a key is not a string");
      items[std::string(kv.key.via.str.ptr, kv.key.via.str.size)] = UnpackValues(kv.val, "items");
    }
  });
  c.attachments = Get<std::map<std::string, std::vector<std::string>>>(*o, "attachments", {});
  return c;
}

inline void PackDesired(Packer& pk, const std::optional<DesiredTrunk>& d) {
  if (!d) {
    pk.pack_nil();
    return;
  }
  pk.pack_map(4);
  pk.pack("id");
  pk.pack(d->id);
  pk.pack("account");
  pk.pack(d->account);
  pk.pack("deleted");
  pk.pack(d->deleted);
  pk.pack("content");
  PackContent(pk, d->content);
}

inline std::optional<DesiredTrunk> UnpackDesired(const msgpack::object* o) {
  if (o == nullptr || o->type == msgpack::type::NIL) return std::nullopt;
  DesiredTrunk d;
  d.id = Get<std::string>(*o, "id", "");
  d.account = Get<std::string>(*o, "account", "");
  d.deleted = Get<bool>(*o, "deleted", false);
  d.content = UnpackContent(Find(*o, "content"));
  return d;
}

inline void PackObservation(Packer& pk, const Observation& o) {
  pk.pack_map(12);
  pk.pack("remote_id");
  pk.pack(o.remote_id);
  pk.pack("item_ids");
  pk.pack(o.item_ids);
  pk.pack("create_pending");
  pk.pack(o.create_pending);
  pk.pack("candidates");
  pk.pack(o.candidates);
  pk.pack("lookup_done");
  pk.pack(o.lookup_done);
  pk.pack("read");
  pk.pack(o.read);
  pk.pack("exists");
  pk.pack(o.exists);
  pk.pack("content");
  PackContent(pk, o.content);
  pk.pack("read_only");
  PackValues(pk, o.read_only);
  pk.pack("progress");
  pk.pack(o.progress);
  pk.pack("found");
  pk.pack_array(static_cast<uint32_t>(o.found.size()));
  for (const Observation& f : o.found) PackObservation(pk, f);
  pk.pack("scan_done");
  pk.pack(o.scan_done);
}

// `nested`: an observation of "found", which holds no "found" of its own (so that what
// decodes re-encodes within the nesting limit).
inline Observation UnpackObservation(const msgpack::object* o, bool nested = false) {
  Observation obs;
  if (o == nullptr) return obs;
  using ItemIds = std::map<std::string, std::map<std::string, std::string>>;
  obs.remote_id = Get<std::string>(*o, "remote_id", "");
  obs.item_ids = Get<ItemIds>(*o, "item_ids", {});
  obs.create_pending = Get<bool>(*o, "create_pending", false);
  obs.candidates = Get<std::vector<std::string>>(*o, "candidates", {});
  obs.lookup_done = Get<bool>(*o, "lookup_done", false);
  obs.read = Get<bool>(*o, "read", false);
  obs.exists = Get<bool>(*o, "exists", false);
  obs.content = UnpackContent(Find(*o, "content"));
  if (const msgpack::object* r = Find(*o, "read_only"))
    obs.read_only = UnpackValues(*r, "read_only");
  obs.progress = Get<std::map<std::string, std::string>>(*o, "progress", {});
  if (const msgpack::object* found = Find(*o, "found")) {
    if (found->type != msgpack::type::ARRAY) Malformed("\"found\": expected an array");
    if (nested && found->via.array.size > 0) {
      Malformed("\"found\": an observation in \"found\" holds no \"found\" of its own");
    }
    for (uint32_t i = 0; i < found->via.array.size; ++i) {
      obs.found.push_back(UnpackObservation(&found->via.array.ptr[i], true));
    }
  }
  obs.scan_done = Get<bool>(*o, "scan_done", false);
  return obs;
}

inline const char* StepKindName(StepKind k) {
  switch (k) {
    case StepKind::kRead:
      return "read";
    case StepKind::kLookup:
      return "lookup";
    case StepKind::kCreate:
      return "create";
    case StepKind::kUpdate:
      return "update";
    case StepKind::kDelete:
      return "delete";
  }
  return "read";
}

inline StepKind ParseStepKind(const std::string& s) {
  for (StepKind k : {StepKind::kRead, StepKind::kLookup, StepKind::kCreate, StepKind::kUpdate,
                     StepKind::kDelete}) {
    if (s == StepKindName(k)) return k;
  }
  Malformed("step kind \"" + s + "\"");
}

inline void PackStep(Packer& pk, const Step& s) {
  pk.pack_map(3);
  pk.pack("kind");
  pk.pack(StepKindName(s.kind));
  pk.pack("target");
  pk.pack(s.target);
  pk.pack("request");
  pk.pack_map(5);
  pk.pack("method");
  pk.pack(s.request.method);
  pk.pack("path");
  pk.pack(s.request.path);
  pk.pack("query");
  PackPairs(pk, s.request.query);
  pk.pack("headers");
  PackPairs(pk, s.request.headers);
  pk.pack("body");
  pk.pack(s.request.body);
}

inline Step UnpackStep(const msgpack::object* o) {
  Step s;
  if (o == nullptr) return s;
  s.kind = ParseStepKind(Get<std::string>(*o, "kind", "read"));
  s.target = Get<std::string>(*o, "target", "");
  if (const msgpack::object* r = Find(*o, "request")) {
    s.request.method = Get<std::string>(*r, "method", "");
    s.request.path = Get<std::string>(*r, "path", "");
    s.request.query = UnpackPairs(*r, "query");
    s.request.headers = UnpackPairs(*r, "headers");
    s.request.body = Get<std::string>(*r, "body", "");
  }
  return s;
}

inline void PackResponse(Packer& pk, const HttpResponse& r) {
  pk.pack_map(3);
  pk.pack("status");
  pk.pack(r.status);
  pk.pack("headers");
  PackPairs(pk, r.headers);
  pk.pack("body");
  pk.pack(r.body);
}

inline HttpResponse UnpackResponse(const msgpack::object* o) {
  HttpResponse r;
  if (o == nullptr) return r;
  r.status = Get<int>(*o, "status", 0);
  r.headers = UnpackPairs(*o, "headers");
  r.body = Get<std::string>(*o, "body", "");
  return r;
}

template <typename Fill>
std::string Encode(Fill fill) {
  std::string out;
  Sink sink{&out};
  Packer pk(sink);
  fill(pk);
  return out;
}

}  // namespace codec_internal

inline std::string EncodePlanInput(const PlanInput& in) {
  using namespace codec_internal;
  return Encode([&](Packer& pk) {
    pk.pack_map(2);
    pk.pack("desired");
    PackDesired(pk, in.desired);
    pk.pack("observation");
    PackObservation(pk, in.observation);
  });
}

inline PlanInput DecodePlanInput(std::string_view bytes) {
  using namespace codec_internal;
  msgpack::object_handle handle = Unpack(bytes);
  const msgpack::object& o = handle.get();
  if (o.type != msgpack::type::MAP) Malformed("plan input: expected a map");
  return PlanInput{UnpackDesired(Find(o, "desired")), UnpackObservation(Find(o, "observation"))};
}

inline std::string EncodeSteps(const std::vector<Step>& steps) {
  using namespace codec_internal;
  return Encode([&](Packer& pk) {
    pk.pack_map(1);
    pk.pack("steps");
    pk.pack_array(static_cast<uint32_t>(steps.size()));
    for (const Step& s : steps) PackStep(pk, s);
  });
}

inline std::vector<Step> DecodeSteps(std::string_view bytes) {
  using namespace codec_internal;
  msgpack::object_handle handle = Unpack(bytes);
  const msgpack::object& o = handle.get();
  std::vector<Step> steps;
  const msgpack::object* list = Find(o, "steps");
  if (list == nullptr) return steps;
  if (list->type != msgpack::type::ARRAY) Malformed("\"steps\": expected an array");
  for (uint32_t i = 0; i < list->via.array.size; ++i) {
    steps.push_back(UnpackStep(&list->via.array.ptr[i]));
  }
  return steps;
}

inline std::string EncodeAbsorbInput(const AbsorbInput& in) {
  using namespace codec_internal;
  return Encode([&](Packer& pk) {
    pk.pack_map(4);
    pk.pack("desired");
    PackDesired(pk, in.desired);
    pk.pack("observation");
    PackObservation(pk, in.observation);
    pk.pack("step");
    PackStep(pk, in.step);
    pk.pack("response");
    PackResponse(pk, in.response);
  });
}

inline AbsorbInput DecodeAbsorbInput(std::string_view bytes) {
  using namespace codec_internal;
  msgpack::object_handle handle = Unpack(bytes);
  const msgpack::object& o = handle.get();
  if (o.type != msgpack::type::MAP) Malformed("absorb input: expected a map");
  return AbsorbInput{UnpackDesired(Find(o, "desired")), UnpackObservation(Find(o, "observation")),
                     UnpackStep(Find(o, "step")), UnpackResponse(Find(o, "response"))};
}

inline std::string EncodeAbsorbResult(const AbsorbResult& r) {
  using namespace codec_internal;
  return Encode([&](Packer& pk) {
    pk.pack_map(1);
    if (r.error) {
      const SyncError& e = *r.error;
      pk.pack("error");
      pk.pack_map(6 + (e.retry_after_ms ? 1 : 0));
      pk.pack("code");
      pk.pack(e.code);
      pk.pack("retryable");
      pk.pack(e.retryable);
      pk.pack("message");
      pk.pack(e.message);
      pk.pack("field");
      pk.pack(e.field);
      pk.pack("provider_code");
      pk.pack(e.provider_code);
      pk.pack("provider_message");
      pk.pack(e.provider_message);
      if (e.retry_after_ms) {
        pk.pack("retry_after_ms");
        pk.pack(*e.retry_after_ms);
      }
    } else {
      pk.pack("observation");
      PackObservation(pk, r.observation ? *r.observation : Observation{});
    }
  });
}

inline AbsorbResult DecodeAbsorbResult(std::string_view bytes) {
  using namespace codec_internal;
  msgpack::object_handle handle = Unpack(bytes);
  const msgpack::object& o = handle.get();
  AbsorbResult r;
  if (const msgpack::object* e = Find(o, "error")) {
    SyncError err;
    err.code = Get<int32_t>(*e, "code", 13);
    err.retryable = Get<bool>(*e, "retryable", false);
    err.message = Get<std::string>(*e, "message", "");
    err.field = Get<std::string>(*e, "field", "");
    err.provider_code = Get<std::string>(*e, "provider_code", "");
    err.provider_message = Get<std::string>(*e, "provider_message", "");
    if (Find(*e, "retry_after_ms")) err.retry_after_ms = Get<int64_t>(*e, "retry_after_ms", 0);
    r.error = std::move(err);
  } else if (const msgpack::object* obs = Find(o, "observation")) {
    r.observation = UnpackObservation(obs);
  } else {
    Malformed("absorb result: neither \"observation\" nor \"error\"");
  }
  return r;
}

}  // namespace abi_v1
}  // namespace trunkline::plugin_sdk
