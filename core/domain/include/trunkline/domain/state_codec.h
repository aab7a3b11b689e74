// Trunk state as bytes (msgpack), for persisted projections.
//
//   state := array(11)[ id:str provider:str account:str version:uint deleted:bool
//                       created_us:int updated_us:int fields:values
//                       singletons:map{str: values} collections:map{str: map{str: values}}
//                       attachments:map{str: [str*]} ]
//   values := map{ str: bool | int | str }
#pragma once

#include <string>
#include <string_view>

#include "trunkline/base/status.h"
#include "trunkline/domain/trunk.h"

namespace trunkline::domain {

// Appends the encoding of `state` to *out.
void AppendTrunkState(const TrunkState& state, std::string* out);

// Decodes one state starting at *offset within `bytes` and advances *offset past it.
// kDataLoss when the bytes do not decode.
Result<TrunkState> ReadTrunkState(std::string_view bytes, size_t* offset);

}  // namespace trunkline::domain
