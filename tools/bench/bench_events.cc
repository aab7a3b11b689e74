#include "bench_events.h"

#include <string>

#include "trunkline/domain/event_codec.h"

namespace trunkline::bench {

domain::Event TrunkEvent(uint64_t trunk, uint64_t n, std::mt19937_64& rng) {
  const std::string t = std::to_string(trunk);
  if (n == 0) {
    return domain::TrunkCreated{
        "twilio",
        "acct-" + std::to_string(trunk % 10),
        {{"friendly_name", "Trunk " + t},
         {"domain_name", "t" + t + ".pstn.twilio.com"},
         {"secure", true},
         {"transfer_mode", std::string("sip-only")}},
        {{"recording",
          {{"mode", std::string("do-not-record")}, {"trim", std::string("do-not-trim")}}}}};
  }
  const std::string item = "ou" + std::to_string(rng() % 4);
  switch (rng() % 10) {
    case 0:
      return domain::ItemAdded{"origination_urls",
                               item,
                               {{"friendly_name", "pbx " + item},
                                {"sip_url", "sip:" + item + ".example.com"},
                                {"priority", int64_t(rng() % 100)},
                                {"weight", int64_t(1 + rng() % 100)},
                                {"enabled", true}}};
    case 1:
      return domain::ItemRemoved{"origination_urls", item};
    case 2:
      return domain::SingletonUpdated{
          "recording", {{"mode", std::string("record-from-answer")}}, {}};
    case 3:
      return domain::Attached{"phone_numbers",
                              "PN" + std::string(30, '0') + std::to_string(10 + rng() % 90)};
    default:
      return domain::TrunkUpdated{{{"friendly_name", "Trunk " + t + " rev " + std::to_string(n)},
                                   {"cnam_lookup_enabled", rng() % 2 == 0}},
                                  {}};
  }
}

journal::NewEvent EncodedTrunkEvent(uint64_t trunk, uint64_t n, std::mt19937_64& rng) {
  domain::EncodedEvent e = domain::EncodeEvent(TrunkEvent(trunk, n, rng));
  return {std::move(e.type), e.schema_version, std::move(e.payload)};
}

Status DecodeTrunkEvent(const journal::RecordView& record) {
  Result<domain::Event> event =
      domain::DecodeEvent(record.type, record.schema_version, record.payload);
  if (!event.ok()) {
    return event.status().WithContext("event at position " + std::to_string(record.position));
  }
  return OkStatus();
}

}  // namespace trunkline::bench
