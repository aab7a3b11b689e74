// Stored form of trunk events: a stable type tag, a schema version, and a msgpack payload
// (the journal's NewEvent / Record carry exactly these three). Older schema versions are
// upcast to the current shape when read.
//
// Versions: TrunkCreated is at 2 (version 1 had no account: it reads as account "default");
// every other event is at 1.
//
// Thread-safety: pure functions; safe for concurrent use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "trunkline/base/status.h"
#include "trunkline/domain/trunk.h"

namespace trunkline::domain {

struct EncodedEvent {
  std::string type;
  uint32_t schema_version = 0;
  std::string payload;
};

// The account of trunks created before accounts existed.
inline constexpr char kDefaultAccount[] = "default";

EncodedEvent EncodeEvent(const Event& event);

// Errors: kFailedPrecondition for a type this build does not know or a schema version newer
// than it reads; kDataLoss when the payload does not decode. Messages name the type and
// version; callers add where the event was stored.
Result<Event> DecodeEvent(std::string_view type, uint32_t schema_version, std::string_view payload);

// Test support: the payload a build of schema version 1 wrote for TrunkCreated.
std::string EncodeTrunkCreatedV1ForTesting(const TrunkCreated& event);

}  // namespace trunkline::domain
