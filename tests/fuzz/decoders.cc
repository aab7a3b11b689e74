#include "decoders.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <typeinfo>

#include "record_codec.h"
#include "rocksdb_journal_impl.h"
#include "trunkline/api/json.h"
#include "trunkline/api/parse.h"
#include "trunkline/base/sha256.h"
#include "trunkline/domain/event_codec.h"
#include "trunkline/domain/state_codec.h"
#include "trunkline/plugin_sdk/schema_codec.h"
#include "trunkline/plugin_sdk/sync_codec.h"
#include "trunkline/projection/trunk_snapshots.h"
#include "trunkline/sync/sync_events.h"
#include "trunkline/sync/sync_ledger.h"

namespace trunkline::fuzz {
namespace {

using Outcome = Decoder::Outcome;

Outcome Broke(std::string what) { return {false, std::move(what)}; }

// An error is part of the contract when its code is one the decoder documents and it says
// something.
Outcome Refused(const Status& status, std::initializer_list<StatusCode> codes) {
  if (status.message().empty()) return Broke("error with an empty message: " + status.ToString());
  for (StatusCode code : codes) {
    if (status.code() == code) return {false, ""};
  }
  return Broke("unexpected error code: " + status.ToString());
}

// ---- journal records ----

const std::string kStreams[] = {"trunk-1", std::string(256, 's'), ""};

std::string EncodeRecord(const journal::RecordView& r, std::string_view hash) {
  const std::string stream(r.stream);
  std::string out;
  journal::internal::AppendRecordBody(
      {r.position, &stream, r.version, r.timestamp_us},
      {std::string(r.actor), std::string(r.reason), std::string(r.command_id),
       std::string(r.correlation_id)},
      {std::string(r.type), r.schema_version, std::string(r.payload)}, &out);
  out.append(hash);
  return out;
}

bool SameRecord(const journal::RecordView& a, const journal::RecordView& b) {
  return a.position == b.position && a.stream == b.stream && a.version == b.version &&
         a.type == b.type && a.schema_version == b.schema_version &&
         a.timestamp_us == b.timestamp_us && a.actor == b.actor && a.reason == b.reason &&
         a.command_id == b.command_id && a.correlation_id == b.correlation_id &&
         a.payload == b.payload && a.hash == b.hash;
}

std::vector<std::string> RecordSeeds() {
  std::vector<std::string> out;
  const std::string hash(journal::internal::kHashSize, '\x5a');
  const domain::EncodedEvent event = domain::EncodeEvent(domain::Attached{"nums", "1"});
  for (size_t i = 0; i < std::size(kStreams); ++i) {
    std::string body;
    journal::internal::AppendRecordBody(
        {1 + i * 1000, &kStreams[i], 3 + i, static_cast<int64_t>(i) - 1},
        {"alice", i == 0 ? "" : "renamed", "cmd-" + std::to_string(i), i == 1 ? "corr" : ""},
        {event.type, event.schema_version, i == 2 ? "" : event.payload}, &body);
    out.push_back(body + hash);
  }
  return out;
}

Outcome CheckRecord(std::string_view input) {
  Result<journal::RecordView> r = journal::internal::DecodeRecord(input);
  if (!r.ok()) return Refused(r.status(), {StatusCode::kDataLoss, StatusCode::kFailedPrecondition});
  const std::string again = EncodeRecord(*r, input.substr(input.size() - 32));
  Result<journal::RecordView> back = journal::internal::DecodeRecord(again);
  if (!back.ok()) return {true, "re-encoding does not decode: " + back.status().ToString()};
  if (!SameRecord(*r, *back)) return {true, "re-encoding decodes to another record"};
  if (EncodeRecord(*back, input.substr(input.size() - 32)) != again) {
    return {true, "re-encoding is not stable"};
  }
  return {true, ""};
}

std::vector<std::string> CommandEntrySeeds() {
  std::vector<std::string> out;
  for (size_t i = 0; i < std::size(kStreams); ++i) {
    journal::internal::CommandEntry e;
    e.receipt = {kStreams[i], 1 + i, 4 + i, 10 + i, 13 + i, -static_cast<int64_t>(i)};
    e.digest.fill(static_cast<uint8_t>(i * 51));
    out.push_back(journal::internal::EncodeCommandEntry(e));
  }
  return out;
}

Outcome CheckCommandEntry(std::string_view input) {
  using journal::internal::DecodeCommandEntry;
  using journal::internal::EncodeCommandEntry;
  Result<journal::internal::CommandEntry> e = DecodeCommandEntry(input);
  if (!e.ok()) return Refused(e.status(), {StatusCode::kDataLoss});
  const std::string again = EncodeCommandEntry(*e);
  auto back = DecodeCommandEntry(again);
  if (!back.ok()) return {true, "re-encoding does not decode: " + back.status().ToString()};
  if (!(back->receipt == e->receipt) || back->digest != e->digest) {
    return {true, "re-encoding decodes to another entry"};
  }
  if (EncodeCommandEntry(*back) != again) return {true, "re-encoding is not stable"};
  return {true, ""};
}

std::vector<std::string> StreamRunSeeds() {
  using journal::internal::EncodeStreamRun;
  return {EncodeStreamRun({1, 1}), EncodeStreamRun({uint64_t{1} << 40, 3}),
          EncodeStreamRun({~uint64_t{0}, ~uint64_t{0}})};
}

Outcome CheckStreamRun(std::string_view input) {
  auto run = journal::internal::DecodeStreamRun(input);
  if (!run.ok()) return Refused(run.status(), {StatusCode::kDataLoss});
  if (journal::internal::EncodeStreamRun(*run) != input) return {true, "does not round-trip"};
  return {true, ""};
}

// ---- events ----

// The first byte of an event input selects the type (the last is unknown) and the version.
constexpr const char* kEventTypes[] = {"TrunkCreated",
                                       "TrunkUpdated",
                                       "TrunkDeleted",
                                       "SubResourceItemAdded",
                                       "SubResourceItemUpdated",
                                       "SubResourceItemRemoved",
                                       "SingletonUpdated",
                                       "Attached",
                                       "Detached",
                                       "TrunkTeleported"};
constexpr size_t kTypes = std::size(kEventTypes);

char Selector(std::string_view type, uint32_t version) {
  size_t index = 0;
  while (index + 1 < kTypes && type != kEventTypes[index]) ++index;
  return static_cast<char>(index + kTypes * version);
}

std::vector<std::string> EventSeeds() {
  using namespace domain;
  const TrunkCreated created{"twilio",
                             "main",
                             {{"friendly_name", "a"}, {"secure", true}, {"cps", int64_t{-5}}},
                             {{"recording", {{"mode", "off"}}}, {"empty", {}}}};
  const std::vector<Event> events = {
      created,
      TrunkUpdated{{{"name", "n"}, {"flag", false}, {"count", int64_t{1} << 40}}, {"a", "b"}},
      TrunkDeleted{},
      ItemAdded{"urls", "u1", {{"sip_url", "sip:a@b"}, {"weight", int64_t{10}}}},
      ItemUpdated{"urls", "u1", {{"enabled", true}}, {"priority"}},
      ItemRemoved{"urls", "u1"},
      SingletonUpdated{"recording", {{"mode", "on"}}, {"trim"}},
      Attached{"numbers", "PN1"},
      Detached{"numbers", "PN1"}};
  std::vector<std::string> out;
  for (const Event& e : events) {
    const EncodedEvent encoded = EncodeEvent(e);
    out.push_back(Selector(encoded.type, encoded.schema_version) + encoded.payload);
  }
  out.push_back(Selector("TrunkCreated", 1) + EncodeTrunkCreatedV1ForTesting(created));
  return out;
}

Outcome CheckEvent(std::string_view input) {
  if (input.empty()) return {false, ""};  // no selector, nothing to decode
  const auto selector = static_cast<unsigned char>(input[0]);
  const std::string_view type = kEventTypes[selector % kTypes];
  const uint32_t version = static_cast<uint32_t>(selector / kTypes % 4);
  Result<domain::Event> decoded = domain::DecodeEvent(type, version, input.substr(1));
  if (!decoded.ok()) {
    const uint32_t newest = type == "TrunkCreated" ? 2 : 1;
    const bool readable = selector % kTypes != kTypes - 1 && version >= 1 && version <= newest;
    return Refused(decoded.status(),
                   {readable ? StatusCode::kDataLoss : StatusCode::kFailedPrecondition});
  }
  if (domain::EventType(*decoded) != type) {
    return {true, std::string(type) + " decoded as " + domain::EventType(*decoded)};
  }
  const domain::EncodedEvent again = domain::EncodeEvent(*decoded);
  auto back = domain::DecodeEvent(again.type, again.schema_version, again.payload);
  if (!back.ok()) return {true, "re-encoding does not decode: " + back.status().ToString()};
  if (!(*back == *decoded)) return {true, "re-encoding decodes to another event"};
  if (domain::EncodeEvent(*back).payload != again.payload) {
    return {true, "re-encoding is not stable"};
  }
  return {true, ""};
}

// ---- trunk state ----

std::vector<domain::TrunkState> States() {
  domain::TrunkState full;
  full.id = "TK0123";
  full.provider = "plivo";
  full.account = "main";
  full.version = 64;
  full.deleted = true;
  full.created_us = -1;
  full.updated_us = int64_t{1} << 50;
  full.fields = {{"name", "x"}, {"secure", false}, {"cps", int64_t{-9}}};
  full.singletons = {{"recording", {{"mode", "on"}}}, {"empty", {}}};
  full.collections = {{"urls", {{"u1", {{"url", "sip:a"}}}, {"u2", {}}}}, {"none", {}}};
  full.attachments = {{"numbers", {"1", "2"}}, {"none", {}}};
  domain::TrunkState small;
  small.id = "t1";
  small.version = 1;
  return {full, small};
}

std::vector<std::string> StateSeeds() {
  std::vector<std::string> out;
  for (const domain::TrunkState& s : States()) {
    std::string bytes;
    domain::AppendTrunkState(s, &bytes);
    out.push_back(bytes);
  }
  return out;
}

Outcome CheckState(std::string_view input) {
  size_t offset = 0;
  Result<domain::TrunkState> s = domain::ReadTrunkState(input, &offset);
  if (!s.ok()) return Refused(s.status(), {StatusCode::kDataLoss});
  if (offset > input.size()) return {true, "offset moved past the end"};
  std::string again;
  domain::AppendTrunkState(*s, &again);
  size_t again_offset = 0;
  auto back = domain::ReadTrunkState(again, &again_offset);
  if (!back.ok()) return {true, "re-encoding does not decode: " + back.status().ToString()};
  if (again_offset != again.size()) return {true, "re-encoding is not read to its end"};
  if (!(*back == *s)) return {true, "re-encoding decodes to another state"};
  std::string third;
  domain::AppendTrunkState(*back, &third);
  if (third != again) return {true, "re-encoding is not stable"};
  return {true, ""};
}

// ---- the plugin SDK codec (throws std::runtime_error, and only that) ----

template <typename Decode, typename Encode>
Outcome CheckSdk(std::string_view input, Decode decode, Encode encode) {
  std::string again;
  try {
    again = encode(decode(input));
  } catch (const std::runtime_error& e) {
    if (*e.what() == '\0') return Broke("std::runtime_error with an empty message");
    return {false, ""};
  } catch (const std::exception& e) {
    return Broke(std::string("threw ") + typeid(e).name() + " (" + e.what() +
                 "), not std::runtime_error");
  }
  try {
    if (encode(decode(again)) != again) return {true, "re-encoding is not stable"};
  } catch (const std::exception& e) {
    return {true, std::string("re-encoding does not decode: ") + e.what()};
  }
  return {true, ""};
}

plugin_sdk::FieldSpec Field(std::string name, plugin_sdk::FieldType type) {
  plugin_sdk::FieldSpec f;
  f.name = std::move(name);
  f.type = type;
  return f;
}

std::vector<std::string> SchemaSeeds() {
  using namespace plugin_sdk;
  Schema s;
  s.provider = "acme";
  FieldSpec name = Field("friendly_name", FieldType::kString);
  name.max_length = 64;
  name.pattern = "[a-z]+";
  name.pattern_rule = "lowercase letters";
  name.default_value = "x";
  name.unique_per_account = true;
  FieldSpec mode = Field("mode", FieldType::kEnum);
  mode.values = {"a", "b"};
  mode.required_on_create = true;
  FieldSpec cps = Field("cps", FieldType::kInt);
  cps.min = -1;
  cps.max = 100;
  cps.read_only = true;
  s.fields = {name, mode, cps, Field("secure", FieldType::kBool)};
  s.sub_resources = {{"urls", SubResourceKind::kCollection, {name, cps}, "", ""},
                     {"recording", SubResourceKind::kSingleton, {mode}, "", ""},
                     {"numbers", SubResourceKind::kAttachments, {}, "PN[0-9]+", "PN and digits"}};
  return {EncodeSchema(s), EncodeSchema(Schema{"empty", {}, {}})};
}

std::vector<std::string> TrunkFactsSeeds() {
  plugin_sdk::TrunkFacts t;
  t.fields = {{"name", std::string("n")}, {"secure", true}, {"cps", int64_t{-3}}};
  t.attachments = {{"numbers", {"1", "2"}}, {"none", {}}};
  return {plugin_sdk::EncodeTrunkFacts(t), plugin_sdk::EncodeTrunkFacts({})};
}

std::vector<std::string> ViolationsSeeds() {
  return {plugin_sdk::EncodeViolations({{"cps", "at most 100"}, {"", "a rule"}}),
          plugin_sdk::EncodeViolations({})};
}

Outcome CheckSchema(std::string_view input) {
  return CheckSdk(input, plugin_sdk::DecodeSchema, plugin_sdk::EncodeSchema);
}
Outcome CheckTrunkFacts(std::string_view input) {
  return CheckSdk(input, plugin_sdk::DecodeTrunkFacts, plugin_sdk::EncodeTrunkFacts);
}
Outcome CheckViolations(std::string_view input) {
  return CheckSdk(input, plugin_sdk::DecodeViolations, plugin_sdk::EncodeViolations);
}

// ---- sync outcome events ----

// The first byte of a sync event input selects the type (the last is unknown) and the version,
// as for trunk events.
constexpr const char* kSyncEventTypes[] = {
    "SyncCreatePending", "TrunkSynced",   "SyncFailed",         "SyncParked",
    "SyncDriftDetected", "TrunkImported", "RemoteTrunkDeleted", "SyncRetryRequested",
    "SyncPolicySet",     "SyncTeleported"};
constexpr size_t kSyncTypes = std::size(kSyncEventTypes);

std::vector<std::string> SyncEventSeeds() {
  using namespace sync;
  const SyncErrorInfo error{14, "busy", "origination_urls", "20503", "Service Unavailable"};
  const ItemIds ids = {{"origination_urls", {{"main", "OU1"}, {"b", "OU2"}}}, {"none", {}}};
  const std::map<std::string, FieldValue> read_only = {
      {"sid", std::string("TK1")}, {"secure", true}, {"n", int64_t{-1} << 40}};
  const std::vector<SyncEvent> events = {
      SyncCreatePending{"twilio", "main", 3},
      TrunkSynced{"twilio", "main", "TK1", ids, read_only, 7, uint64_t{1} << 40, 12},
      SyncFailed{error, 2, -5, 7},
      SyncFailed{error, 3, 5, 7, "TK1", ids},
      SyncParked{error, 9, 1},
      SyncParked{error, 1, 2, "TK1", ids},
      SyncDriftDetected{{{"fields.name", "a", "b"}, {"urls.u1", std::nullopt, "present"}, {"x"}},
                        true},
      TrunkImported{"plivo", "eu", "123", ids, read_only, 1, 2},
      RemoteTrunkDeleted{"TK1", 4},
      SyncRetryRequested{},
      SyncPolicySet{DriftPolicy::kReport}};
  std::vector<std::string> out;
  for (const SyncEvent& e : events) {
    const EncodedSyncEvent encoded = EncodeSyncEvent(e);
    size_t index = 0;
    while (encoded.type != kSyncEventTypes[index]) ++index;
    out.push_back(static_cast<char>(index + kSyncTypes * encoded.schema_version) + encoded.payload);
  }
  return out;
}

Outcome CheckSyncEvent(std::string_view input) {
  if (input.empty()) return {false, ""};  // no selector, nothing to decode
  const auto selector = static_cast<unsigned char>(input[0]);
  const std::string_view type = kSyncEventTypes[selector % kSyncTypes];
  const uint32_t version = static_cast<uint32_t>(selector / kSyncTypes % 4);
  Result<sync::SyncEvent> decoded = sync::DecodeSyncEvent(type, version, input.substr(1));
  if (!decoded.ok()) {
    const bool readable = selector % kSyncTypes != kSyncTypes - 1 && version == 1;
    return Refused(decoded.status(),
                   {readable ? StatusCode::kDataLoss : StatusCode::kFailedPrecondition});
  }
  const sync::EncodedSyncEvent again = sync::EncodeSyncEvent(*decoded);
  if (again.type != type) return {true, std::string(type) + " decoded as " + again.type};
  auto back = sync::DecodeSyncEvent(again.type, again.schema_version, again.payload);
  if (!back.ok()) return {true, "re-encoding does not decode: " + back.status().ToString()};
  if (!(*back == *decoded)) return {true, "re-encoding decodes to another event"};
  if (sync::EncodeSyncEvent(*back).payload != again.payload) {
    return {true, "re-encoding is not stable"};
  }
  sync::DescribeSyncEvent(*decoded);  // any decoded event can be described
  return {true, ""};
}

// ---- the plugin SDK's sync codec (throws std::runtime_error, and only that) ----

// As CheckSdk, and the re-encoding decodes to an equal value.
template <typename Decode, typename Encode, typename Same>
Outcome CheckSync(std::string_view input, Decode decode, Encode encode, Same same) {
  if (Outcome o = CheckSdk(input, decode, encode); !o.decoded || !o.failure.empty()) return o;
  const auto value = decode(input);
  if (!same(decode(encode(value)), value)) return {true, "re-encoding decodes to another value"};
  return {true, ""};
}

plugin_sdk::TrunkContent SyncContent() {
  plugin_sdk::TrunkContent c;
  c.fields = {{"friendly_name", std::string("hq")}, {"secure", true}, {"cps", int64_t{-7}}};
  c.singletons = {{"recording", {{"mode", std::string("dual")}}}, {"empty", {}}};
  c.items = {{"urls", {{"main", {{"url", std::string("sip:a")}}}, {"remote:OU1", {}}}},
             {"none", {}}};
  c.attachments = {{"numbers", {"PN1", "PN2"}}, {"none", {}}};
  return c;
}

plugin_sdk::Observation SyncObservation() {
  plugin_sdk::Observation o;
  o.remote_id = "TK1";
  o.item_ids = {{"urls", {{"main", "OU1"}}}, {"none", {}}};
  o.create_pending = true;
  o.candidates = {"TK2", "TK3"};
  o.lookup_done = true;
  o.read = true;
  o.exists = true;
  o.content = SyncContent();
  o.read_only = {{"sid", std::string("TK1")}, {"n", int64_t{1} << 40}};
  o.progress = {{"cursor", std::string("a\0b", 3)}};
  plugin_sdk::Observation found;
  found.remote_id = "TK9";
  found.read = found.exists = true;
  found.content.fields = {{"friendly_name", std::string("f")}};
  o.found = {found};
  o.scan_done = true;
  return o;
}

plugin_sdk::Step SyncStep(plugin_sdk::StepKind kind) {
  plugin_sdk::Step s;
  s.kind = kind;
  s.target = "urls/main";
  s.request = {"POST",
               "/v1/Trunks/TK1/Urls",
               {{"PageSize", "50"}},
               {{"X-Bin", "\xff\x00"}},
               std::string("a=b&\xff\0", 6)};
  return s;
}

constexpr plugin_sdk::StepKind kStepKinds[] = {
    plugin_sdk::StepKind::kRead, plugin_sdk::StepKind::kLookup, plugin_sdk::StepKind::kCreate,
    plugin_sdk::StepKind::kUpdate, plugin_sdk::StepKind::kDelete};

std::vector<std::string> PlanInputSeeds() {
  const plugin_sdk::DesiredTrunk desired{"t1", "main", true, SyncContent()};
  return {plugin_sdk::EncodePlanInput({desired, SyncObservation()}),
          plugin_sdk::EncodePlanInput({std::nullopt, SyncObservation()}),
          plugin_sdk::EncodePlanInput({})};
}

std::vector<std::string> AbsorbInputSeeds() {
  const plugin_sdk::DesiredTrunk desired{"t1", "main", false, SyncContent()};
  const plugin_sdk::HttpResponse response{429, {{"Retry-After", "2"}}, "{\"code\":20429}"};
  std::vector<std::string> out;
  for (plugin_sdk::StepKind kind : kStepKinds) {
    out.push_back(
        plugin_sdk::EncodeAbsorbInput({desired, SyncObservation(), SyncStep(kind), response}));
  }
  out.push_back(plugin_sdk::EncodeAbsorbInput({}));
  return out;
}

std::vector<std::string> StepsSeeds() {
  std::vector<plugin_sdk::Step> steps;
  for (plugin_sdk::StepKind kind : kStepKinds) steps.push_back(SyncStep(kind));
  return {plugin_sdk::EncodeSteps(steps), plugin_sdk::EncodeSteps({plugin_sdk::Step{}}),
          plugin_sdk::EncodeSteps({})};
}

std::vector<std::string> AbsorbResultSeeds() {
  const plugin_sdk::SyncError error{8, true, "slow down", "name", "20429", "Too many", 2000};
  plugin_sdk::SyncError no_delay = error;
  no_delay.retry_after_ms.reset();
  return {plugin_sdk::EncodeAbsorbResult({SyncObservation(), std::nullopt}),
          plugin_sdk::EncodeAbsorbResult({std::nullopt, error}),
          plugin_sdk::EncodeAbsorbResult({std::nullopt, no_delay})};
}

Outcome CheckPlanInput(std::string_view input) {
  return CheckSync(input, plugin_sdk::DecodePlanInput, plugin_sdk::EncodePlanInput,
                   [](const plugin_sdk::PlanInput& a, const plugin_sdk::PlanInput& b) {
                     return a.desired == b.desired && a.observation == b.observation;
                   });
}
Outcome CheckAbsorbInput(std::string_view input) {
  return CheckSync(input, plugin_sdk::DecodeAbsorbInput, plugin_sdk::EncodeAbsorbInput,
                   [](const plugin_sdk::AbsorbInput& a, const plugin_sdk::AbsorbInput& b) {
                     return a.desired == b.desired && a.observation == b.observation &&
                            a.step == b.step && a.response.status == b.response.status &&
                            a.response.headers == b.response.headers &&
                            a.response.body == b.response.body;
                   });
}
Outcome CheckSteps(std::string_view input) {
  return CheckSync(input, plugin_sdk::DecodeSteps, plugin_sdk::EncodeSteps,
                   std::equal_to<std::vector<plugin_sdk::Step>>());
}
Outcome CheckAbsorbResult(std::string_view input) {
  return CheckSync(input, plugin_sdk::DecodeAbsorbResult, plugin_sdk::EncodeAbsorbResult,
                   [](const plugin_sdk::AbsorbResult& a, const plugin_sdk::AbsorbResult& b) {
                     // Exactly one of the two is set.
                     return a.observation.has_value() != a.error.has_value() &&
                            a.observation == b.observation && a.error == b.error;
                   });
}

// ---- the trunk snapshot file ----
//
// Input: a mode byte, then either (even) one entry's body, which the check frames with its
// size and checksum, or (odd) the raw bytes of the file.

constexpr size_t kSnapshotCheck = 8;

std::string Frame(std::string_view body) {
  std::string out;
  const auto size = static_cast<uint32_t>(body.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(size >> (8 * i)));
  out.append(body);
  const Sha256Digest digest = Sha256Of(body);
  out.append(reinterpret_cast<const char*>(digest.data()), kSnapshotCheck);
  return out;
}

std::vector<std::string> SnapshotSeeds() {
  std::vector<std::string> bodies;
  uint64_t position = 7;
  for (const domain::TrunkState& s : States()) {
    std::string body;
    for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>(position >> (8 * i)));
    domain::AppendTrunkState(s, &body);
    bodies.push_back(body);
    position *= 1000;
  }
  std::vector<std::string> out;
  for (const std::string& body : bodies) out.push_back('\0' + body);
  out.push_back('\1' + Frame(bodies[0]) + Frame(bodies[1]));
  return out;
}

// One scratch file for every check, in a directory removed at exit.
class Scratch {
 public:
  Scratch() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fuzz-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) dir_ = pattern;
  }
  ~Scratch() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  std::string path() const { return dir_ + "/trunk-snapshots"; }
  bool Write(std::string_view bytes) const {
    std::ofstream out(path(), std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return static_cast<bool>(out);
  }

 private:
  std::string dir_;
};

using projection::TrunkSnapshots;

// How many entries a read-only open indexes; an error outcome when it fails.
Outcome IndexedEntries(const std::string& path, bool read_only, size_t* entries) {
  auto opened = TrunkSnapshots::Open(path, read_only);
  if (!opened.ok()) return Refused(opened.status(), {StatusCode::kUnavailable});
  *entries = (*opened)->size();
  return {true, ""};
}

Outcome CheckSnapshots(std::string_view input) {
  static const Scratch scratch;
  if (input.empty()) return {false, ""};
  const bool framed = (input[0] & 1) == 0;
  const std::string_view rest = input.substr(1);
  if (!scratch.Write(framed ? Frame(rest) : std::string(rest))) return Broke("cannot write");
  const std::string path = scratch.path();
  auto reader = TrunkSnapshots::Open(path, /*read_only=*/true);
  if (!reader.ok()) return Refused(reader.status(), {StatusCode::kUnavailable});
  const size_t entries = (*reader)->size();
  bool found = false;
  size_t offset = 8;
  Result<domain::TrunkState> state = framed && rest.size() >= 8
                                         ? domain::ReadTrunkState(rest, &offset)
                                         : Result<domain::TrunkState>(DataLossError("not framed"));
  const std::string id = state.ok() ? state->id : "TK0123";
  auto before = (*reader)->Before(id, ~uint64_t{0});
  if (!before.ok())
    return Refused(before.status(), {StatusCode::kDataLoss, StatusCode::kUnavailable});
  if (state.ok()) {
    // A framed body that decodes is an entry, found by its trunk id.
    if (!*before || !((*before)->state == *state)) return {true, "a good entry is not found"};
    found = true;
  }
  reader->reset();
  // A writer's open drops what it cannot read; a reader then indexes the same entries.
  size_t kept = 0, reread = 0;
  if (Outcome o = IndexedEntries(path, /*read_only=*/false, &kept); !o.failure.empty()) return o;
  if (Outcome o = IndexedEntries(path, /*read_only=*/true, &reread); !o.failure.empty()) return o;
  if (kept != entries || reread != entries) {
    return {true, "indexed " + std::to_string(entries) + " entries, then " + std::to_string(kept) +
                      " and " + std::to_string(reread)};
  }
  return {found || entries > 0, ""};
}

// ---- text from a request's query or a command line (api/parse.h, sync::ParseSyncStates) ----

// A value parsed from text is written back as the API writes it, and that text parses to the
// same value. A refusal is kInvalidArgument.
template <typename T, typename Parse, typename Format>
Outcome CheckText(std::string_view input, Parse parse, Format format) {
  Result<T> value = parse(input);
  if (!value.ok()) return Refused(value.status(), {StatusCode::kInvalidArgument});
  const std::string text = format(*value);
  Result<T> again = parse(text);
  if (!again.ok()) return {true, "\"" + text + "\" is refused: " + again.status().ToString()};
  if (!(*again == *value)) return {true, "\"" + text + "\" parses to another value"};
  return {true, ""};
}

std::vector<std::string> CountSeeds() { return {"0", "42", "18446744073709551615"}; }

Outcome CheckCount(std::string_view input) {
  return CheckText<uint64_t>(input, api::ParseCount, [](uint64_t n) { return std::to_string(n); });
}

std::vector<std::string> SecondsSeeds() { return {"0", "0.5", ".25", "86400", "1e3"}; }

Outcome CheckSeconds(std::string_view input) {
  return CheckText<std::chrono::milliseconds>(
      input, api::ParseSeconds, [](std::chrono::milliseconds ms) {
        char text[32];
        std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(ms.count() / 1000),
                      static_cast<long long>(ms.count() % 1000));
        return std::string(text);
      });
}

std::vector<std::string> TimeSeeds() {
  return {"2026-11-22", "2026-11-22T14:00:00Z", "2024-02-29T23:59:59.123456Z",
          "1969-12-31T23:59:59.5Z", "0000-01-01T00:00:00.000001Z"};
}

Outcome CheckTime(std::string_view input) {
  return CheckText<int64_t>(input, api::ParseTime, api::FormatTime);
}

std::vector<std::string> PointSeeds() { return {"0", "17", "2026-11-22T14:00:00.25Z"}; }

Outcome CheckPoint(std::string_view input) {
  using Point = std::pair<std::optional<uint64_t>, std::optional<int64_t>>;
  return CheckText<Point>(
      input,
      [](std::string_view text) -> Result<Point> {
        TRUNKLINE_ASSIGN_OR_RETURN(registry::AsOf point, api::ParsePoint(text));
        return Point{point.position, point.time_us};
      },
      [](const Point& p) {
        return p.first ? std::to_string(*p.first) : api::FormatTime(p.second.value_or(0));
      });
}

std::vector<std::string> SyncStatesSeeds() {
  return {"pending", "failed,parked", "pending,synced,failed,parked,deleted", "synced,synced"};
}

Outcome CheckSyncStates(std::string_view input) {
  return CheckText<std::vector<sync::SyncState>>(
      input, sync::ParseSyncStates, [](const std::vector<sync::SyncState>& states) {
        std::string text;
        for (sync::SyncState s : states) {
          text += (text.empty() ? "" : ",") + std::string(sync::SyncStateName(s));
        }
        return text;
      });
}

}  // namespace

const std::vector<Decoder>& Decoders() {
  static const std::vector<Decoder> decoders = {
      {"record", 0, 32, true, RecordSeeds, CheckRecord},
      {"command_entry", 0, 0, true, CommandEntrySeeds, CheckCommandEntry},
      {"stream_run", 0, 0, false, StreamRunSeeds, CheckStreamRun},
      {"event", 1, 0, true, EventSeeds, CheckEvent},
      {"state", 0, 0, true, StateSeeds, CheckState},
      {"schema", 0, 0, true, SchemaSeeds, CheckSchema},
      {"trunk_facts", 0, 0, true, TrunkFactsSeeds, CheckTrunkFacts},
      {"violations", 0, 0, true, ViolationsSeeds, CheckViolations},
      {"trunk_snapshots", 9, 0, true, SnapshotSeeds, CheckSnapshots},
      {"sync_event", 1, 0, true, SyncEventSeeds, CheckSyncEvent},
      {"plan_input", 0, 0, true, PlanInputSeeds, CheckPlanInput},
      {"absorb_input", 0, 0, true, AbsorbInputSeeds, CheckAbsorbInput},
      {"steps", 0, 0, true, StepsSeeds, CheckSteps},
      {"absorb_result", 0, 0, true, AbsorbResultSeeds, CheckAbsorbResult},
      {"count", 0, 0, false, CountSeeds, CheckCount},
      {"seconds", 0, 0, false, SecondsSeeds, CheckSeconds},
      {"time", 0, 0, false, TimeSeeds, CheckTime},
      {"point", 0, 0, false, PointSeeds, CheckPoint},
      {"sync_states", 0, 0, false, SyncStatesSeeds, CheckSyncStates},
  };
  return decoders;
}

const Decoder* FindDecoder(std::string_view name) {
  for (const Decoder& d : Decoders()) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

}  // namespace trunkline::fuzz
