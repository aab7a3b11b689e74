// Trunk events for the benchmarks: the domain's own events, in the domain's stored encoding,
// so that what is appended, replayed and folded is what a live registry stores.
//
// Thread-safety: pure functions of their arguments (and of `rng`, which is not shared).
#pragma once

#include <cstdint>
#include <random>

#include "trunkline/base/status.h"
#include "trunkline/domain/trunk.h"
#include "trunkline/journal/journal.h"

namespace trunkline::bench {

// The n-th event of a trunk's life: created at n = 0; afterwards 6 in 10 are field updates,
// and the rest origination URLs added and removed, recording changes, phone numbers attached.
domain::Event TrunkEvent(uint64_t trunk, uint64_t n, std::mt19937_64& rng);

// TrunkEvent(trunk, n, rng) encoded by the domain's event codec, ready to append.
journal::NewEvent EncodedTrunkEvent(uint64_t trunk, uint64_t n, std::mt19937_64& rng);

// Decodes a stored record through the domain's event codec, as a projection would.
// Errors: those of domain::DecodeEvent, with the record's position added.
Status DecodeTrunkEvent(const journal::RecordView& record);

}  // namespace trunkline::bench
