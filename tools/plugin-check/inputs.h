// Valid inputs for a plugin's functions, built from its own schema: trunks for check_rules,
// {desired, observation} pairs for sync_plan in each state of the sync protocol (nothing
// observed, create pending, lookup done, remote id known but unread, read and differing,
// read and equal, deleted, import scan), and {desired, observation, step, response} for
// sync_absorb with provider-like answers (JSON bodies keyed by the schema's names, every
// status class, Retry-After).
//
// Values follow each field's type, enum, range and length; a string field with a pattern
// gets one of a palette of common shapes (ids of hex digits and UUIDs, E.164 digits, sip:
// and https: URLs, host names) that matches it, with the pattern's literal prefix and suffix
// tried around each, or an arbitrary word when none does.
//
// Deterministic: the same schema and Rng state give the same inputs. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "trunkline/plugin_sdk/sync.h"
#include "trunkline/plugin_sdk/sync_codec.h"

namespace trunkline::plugin_check {

using Rng = std::mt19937_64;

// The Rng of case `index` of the stream `stream` under `seed`: each case can be made alone.
Rng CaseRng(uint64_t seed, std::string_view stream, uint64_t index);

class InputFactory {
 public:
  // `secrets`: values to use for the fields they name ("field" or "sub_resource.field").
  explicit InputFactory(plugin_sdk::Schema schema, std::map<std::string, std::string> secrets = {});

  plugin_sdk::TrunkFacts Facts(Rng& rng) const;
  plugin_sdk::TrunkContent Content(Rng& rng) const;
  plugin_sdk::DesiredTrunk Desired(Rng& rng) const;
  // A plan input in a random state of the protocol; *state names it.
  plugin_sdk::PlanInput Plan(Rng& rng, std::string* state) const;
  // An absorb input: `step` (one the plugin planned, or made up when null) answered by a
  // random response; *what names the answer.
  plugin_sdk::AbsorbInput Absorb(Rng& rng, const plugin_sdk::PlanInput& plan,
                                 const plugin_sdk::Step* step, std::string* what) const;

  const plugin_sdk::Schema& schema() const { return schema_; }

 private:
  plugin_sdk::FieldValue Value(const plugin_sdk::FieldSpec& spec, const std::string& path,
                               Rng& rng) const;
  plugin_sdk::Fields FieldsOf(const std::vector<plugin_sdk::FieldSpec>& specs,
                              const std::string& prefix, bool settable, Rng& rng) const;
  std::string Id(const std::string& pattern, Rng& rng) const;
  plugin_sdk::Observation Read(const plugin_sdk::DesiredTrunk& desired, Rng& rng) const;
  std::string Body(Rng& rng) const;

  plugin_sdk::Schema schema_;
  std::map<std::string, std::string> secrets_;
};

// A remote id of one of the shapes providers use (Twilio-like "TK" + 32 hex digits, a UUID,
// alphanumerics, digits).
std::string RemoteId(Rng& rng);

}  // namespace trunkline::plugin_check
