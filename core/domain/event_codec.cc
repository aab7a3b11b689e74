// Trunk event payloads (msgpack). Grammar, per type (schema version):
//   TrunkCreated (2)  := map{ "provider": str, "account": str, "fields": values,
//                             "singletons": map{str: values} }
//   TrunkCreated (1)  := the same without "account"
//   TrunkUpdated (1)  := map{ "set": values, "unset": [str*] }
//   TrunkDeleted (1)  := map{}
//   SubResourceItemAdded (1)   := map{ "sub": str, "item": str, "fields": values }
//   SubResourceItemUpdated (1) := map{ "sub": str, "item": str, "set": values, "unset": [str*] }
//   SubResourceItemRemoved (1) := map{ "sub": str, "item": str }
//   SingletonUpdated (1)       := map{ "sub": str, "set": values, "unset": [str*] }
//   Attached (1), Detached (1) := map{ "sub": str, "id": str }
//   values := map{ str: bool | int | str }
#include "trunkline/domain/event_codec.h"

#include <algorithm>

#include "trunkline/base/overloaded.h"
#include "values_codec.h"

namespace trunkline::domain {
namespace {

using internal::PackValues;

// Writes one map entry per call, after the caller has written the map header.
class Writer {
 public:
  explicit Writer(std::string* out) : sink_{out}, pk_(sink_) {}
  Writer& Map(uint32_t n) {
    pk_.pack_map(n);
    return *this;
  }
  Writer& Str(const char* key, const std::string& v) {
    pk_.pack(key);
    pk_.pack(v);
    return *this;
  }
  Writer& Values(const char* key, const FieldValues& values) {
    pk_.pack(key);
    PackValues(pk_, values);
    return *this;
  }
  Writer& Names(const char* key, const std::vector<std::string>& names) {
    pk_.pack(key);
    pk_.pack(names);
    return *this;
  }
  Writer& Singletons(const char* key, const std::map<std::string, FieldValues>& s) {
    pk_.pack(key);
    pk_.pack_map(static_cast<uint32_t>(s.size()));
    for (const auto& [name, values] : s) {
      pk_.pack(name);
      PackValues(pk_, values);
    }
    return *this;
  }

 private:
  internal::StringSink sink_;
  internal::Packer pk_;
};

// Every key any payload has, and the values read for them.
struct Payload {
  enum Key { kProvider, kAccount, kSub, kItem, kId, kFields, kSet, kUnset, kSingletons, kKeys };
  static constexpr const char* kNames[kKeys] = {"provider", "account", "sub",   "item",      "id",
                                                "fields",   "set",     "unset", "singletons"};
  static constexpr int kStrings = kId + 1;  // keys below this hold a string

  bool seen[kKeys] = {};
  std::string_view strings[kStrings];  // into the payload
  FieldValues fields, set;
  std::vector<std::string> unset;
  std::map<std::string, FieldValues> singletons;
};

// Reads a payload in one pass, straight into a Payload (no msgpack object tree). Keys it
// does not know are skipped with their values, whatever their type; a known key with a value
// of the wrong shape, or a key that is not a string, stops the parse with an error naming
// the key. Depth 1 is the payload map, 2 the value of a top-level key, 3 a singleton's
// values.
class PayloadVisitor : public msgpack::null_visitor {
 public:
  // `payload_size` bounds every reservation: a count can claim no more entries than there
  // are bytes to hold them.
  PayloadVisitor(Payload* out, size_t payload_size) : out_(out), max_entries_(payload_size) {}
  const std::string& error() const { return error_; }

  bool visit_nil() { return Scalar(Value::kOther); }
  bool visit_boolean(bool v) {
    bool_ = v;
    return Scalar(Value::kBool);
  }
  bool visit_positive_integer(uint64_t v) {
    if (v > INT64_MAX) return Scalar(Value::kOther);
    int_ = static_cast<int64_t>(v);
    return Scalar(Value::kInt);
  }
  bool visit_negative_integer(int64_t v) {
    int_ = v;
    return Scalar(Value::kInt);
  }
  bool visit_float32(float) { return Scalar(Value::kOther); }
  bool visit_float64(double) { return Scalar(Value::kOther); }
  bool visit_str(const char* data, uint32_t size) {
    str_ = std::string_view(data, size);
    return Scalar(Value::kStr);
  }
  bool visit_bin(const char*, uint32_t) { return Scalar(Value::kOther); }
  bool visit_ext(const char*, uint32_t) { return Scalar(Value::kOther); }

  bool start_map_key() {
    in_key_ = true;
    return true;
  }
  bool start_map_value() {
    in_key_ = false;
    return true;
  }
  bool start_map(uint32_t n) {
    if (depth_ == 0) {
      depth_ = 1;
      return true;
    }
    if (in_key_ && !Skipping()) return KeyNotString();
    ++depth_;
    if (Skipping()) return true;
    if (depth_ == 2 && (key_ == Payload::kFields || key_ == Payload::kSet)) {
      values_ = key_ == Payload::kFields ? &out_->fields : &out_->set;
    } else if (depth_ == 3 && key_ == Payload::kSingletons && singleton_ != nullptr) {
      values_ = singleton_;
    } else if (depth_ == 2 && key_ == Payload::kSingletons) {
      return true;
    } else {
      return WrongShape();
    }
    // Exactly (projections keep millions of these), but never more than the bytes can hold.
    values_->reserve(std::min<size_t>(n, max_entries_));
    return true;
  }
  bool end_map() {
    --depth_;
    return true;
  }
  bool start_array(uint32_t n) {
    if (depth_ == 0) return Fail("payload is not a map");
    if (in_key_ && !Skipping()) return KeyNotString();
    ++depth_;
    if (Skipping()) return true;
    if (depth_ != 2 || key_ != Payload::kUnset) return WrongShape();
    out_->unset.reserve(std::min<size_t>(n, max_entries_));
    return true;
  }
  bool end_array() {
    --depth_;
    return true;
  }

 private:
  enum class Value { kBool, kInt, kStr, kOther };

  // Inside the value of a key this build does not know.
  bool Skipping() const { return depth_ >= 2 && key_ == Payload::kKeys; }

  bool Scalar(Value value) {
    if (depth_ == 0) return Fail("payload is not a map");
    if (depth_ == 1 && in_key_) return TopKey(value);
    if (Skipping()) return true;
    if (depth_ == 1) {
      if (key_ == Payload::kKeys) return true;  // an unknown key's scalar value
      if (key_ >= Payload::kStrings || value != Value::kStr) return WrongShape();
      out_->strings[key_] = str_;
      return true;
    }
    if (depth_ == 2 && key_ == Payload::kUnset && value == Value::kStr) {
      out_->unset.emplace_back(str_);
      return true;
    }
    if (depth_ == 2 && key_ == Payload::kSingletons && in_key_) {
      if (value != Value::kStr) return KeyNotString();
      singleton_ = &out_->singletons[std::string(str_)];
      return true;
    }
    const bool in_values = (depth_ == 2 && (key_ == Payload::kFields || key_ == Payload::kSet)) ||
                           (depth_ == 3 && key_ == Payload::kSingletons);
    if (!in_values) return WrongShape();
    if (in_key_) {
      if (value != Value::kStr) return KeyNotString();
      name_ = str_;
      return true;
    }
    switch (value) {
      case Value::kBool:
        values_->emplace(std::string(name_), bool_);
        return true;
      case Value::kInt:
        values_->emplace(std::string(name_), int_);
        return true;
      case Value::kStr:
        values_->emplace(std::string(name_), std::string(str_));
        return true;
      case Value::kOther:
        break;
    }
    return WrongShape();
  }

  bool TopKey(Value value) {
    if (value != Value::kStr) return KeyNotString();
    key_ = Payload::kKeys;
    for (int k = 0; k < Payload::kKeys; ++k) {
      if (str_ == Payload::kNames[k]) key_ = static_cast<Payload::Key>(k);
    }
    if (key_ != Payload::kKeys) out_->seen[key_] = true;
    return true;
  }

  // Unknown keys are skipped before any shape check, so key_ names a known key here; the
  // lookup stays inside the table regardless.
  std::string KeyName() const {
    return key_ < Payload::kKeys ? "\"" + std::string(Payload::kNames[key_]) + "\"" : "a key";
  }
  bool WrongShape() { return Fail(KeyName() + " is malformed"); }
  bool KeyNotString() {
    if (depth_ <= 1) return Fail("a key is not a string");
    return Fail(KeyName() + " has a key that is not a string");
  }
  bool Fail(std::string error) {
    error_ = std::move(error);
    return false;
  }

  Payload* out_;
  const size_t max_entries_;
  uint32_t depth_ = 0;
  bool in_key_ = false;
  Payload::Key key_ = Payload::kKeys;  // the top-level key being read
  FieldValues* values_ = nullptr;      // the values map being filled
  FieldValues* singleton_ = nullptr;   // the singleton whose values come next
  std::string_view name_;              // the field name whose value comes next
  bool bool_ = false;
  int64_t int_ = 0;
  std::string_view str_;
  std::string error_;
};

// Hands out the payload's parts (moving them out); throws std::runtime_error for a missing
// key.
class Reader {
 public:
  explicit Reader(Payload& payload) : p_(payload) {}
  std::string Str(Payload::Key key) const {
    Need(key);
    return std::string(p_.strings[key]);
  }
  FieldValues Fields() const { return Take(Payload::kFields, p_.fields); }
  FieldValues Set() const { return Take(Payload::kSet, p_.set); }
  std::vector<std::string> Unset() const { return Take(Payload::kUnset, p_.unset); }
  std::map<std::string, FieldValues> Singletons() const {
    return Take(Payload::kSingletons, p_.singletons);
  }

 private:
  template <typename Part>
  Part Take(Payload::Key key, Part& part) const {
    Need(key);
    return std::move(part);
  }
  void Need(Payload::Key key) const {
    if (!p_.seen[key]) {
      throw std::runtime_error("missing \"" + std::string(Payload::kNames[key]) + "\"");
    }
  }
  Payload& p_;
};

uint32_t CurrentVersion(std::string_view type) { return type == "TrunkCreated" ? 2 : 1; }

Event DecodeKnown(std::string_view type, uint32_t version, const Reader& in) {
  using K = Payload::Key;
  if (type == "TrunkCreated") {
    std::string account = version >= 2 ? in.Str(K::kAccount) : kDefaultAccount;
    return TrunkCreated{in.Str(K::kProvider), std::move(account), in.Fields(), in.Singletons()};
  }
  if (type == "TrunkUpdated") return TrunkUpdated{in.Set(), in.Unset()};
  if (type == "TrunkDeleted") return TrunkDeleted{};
  if (type == "SubResourceItemAdded") {
    return ItemAdded{in.Str(K::kSub), in.Str(K::kItem), in.Fields()};
  }
  if (type == "SubResourceItemUpdated") {
    return ItemUpdated{in.Str(K::kSub), in.Str(K::kItem), in.Set(), in.Unset()};
  }
  if (type == "SubResourceItemRemoved") return ItemRemoved{in.Str(K::kSub), in.Str(K::kItem)};
  if (type == "SingletonUpdated") return SingletonUpdated{in.Str(K::kSub), in.Set(), in.Unset()};
  if (type == "Attached") return Attached{in.Str(K::kSub), in.Str(K::kId)};
  return Detached{in.Str(K::kSub), in.Str(K::kId)};
}

bool KnownType(std::string_view type) {
  for (const char* known : {"TrunkCreated", "TrunkUpdated", "TrunkDeleted", "SubResourceItemAdded",
                            "SubResourceItemUpdated", "SubResourceItemRemoved", "SingletonUpdated",
                            "Attached", "Detached"}) {
    if (type == known) return true;
  }
  return false;
}

}  // namespace

EncodedEvent EncodeEvent(const Event& event) {
  EncodedEvent out{EventType(event), CurrentVersion(EventType(event)), {}};
  Writer w(&out.payload);
  std::visit(
      Overloaded{
          [&](const TrunkCreated& e) {
            w.Map(4).Str("provider", e.provider).Str("account", e.account);
            w.Values("fields", e.fields).Singletons("singletons", e.singletons);
          },
          [&](const TrunkUpdated& e) { w.Map(2).Values("set", e.set).Names("unset", e.unset); },
          [&](const TrunkDeleted&) { w.Map(0); },
          [&](const ItemAdded& e) {
            w.Map(3).Str("sub", e.sub_resource).Str("item", e.item_id);
            w.Values("fields", e.fields);
          },
          [&](const ItemUpdated& e) {
            w.Map(4).Str("sub", e.sub_resource).Str("item", e.item_id);
            w.Values("set", e.set).Names("unset", e.unset);
          },
          [&](const ItemRemoved& e) { w.Map(2).Str("sub", e.sub_resource).Str("item", e.item_id); },
          [&](const SingletonUpdated& e) {
            w.Map(3).Str("sub", e.sub_resource).Values("set", e.set);
            w.Names("unset", e.unset);
          },
          [&](const Attached& e) { w.Map(2).Str("sub", e.sub_resource).Str("id", e.id); },
          [&](const Detached& e) { w.Map(2).Str("sub", e.sub_resource).Str("id", e.id); },
      },
      event);
  return out;
}

Result<Event> DecodeEvent(std::string_view type, uint32_t schema_version,
                          std::string_view payload) {
  // Built only for errors: decoding is on the replay path.
  auto what = [&] { return std::string(type) + " v" + std::to_string(schema_version); };
  if (!KnownType(type)) return FailedPreconditionError(what() + ": unknown event type");
  if (schema_version == 0 || schema_version > CurrentVersion(type)) {
    return FailedPreconditionError(what() + ": this build reads up to v" +
                                   std::to_string(CurrentVersion(type)));
  }
  auto broken = [&](std::string_view why) {
    return DataLossError(what() + ": payload does not decode: " + std::string(why));
  };
  Payload parts;
  PayloadVisitor visitor(&parts, payload.size());
  size_t offset = 0;
  try {
    if (!msgpack::parse(payload.data(), payload.size(), offset, visitor)) {
      return broken(visitor.error().empty() ? "truncated or malformed msgpack" : visitor.error());
    }
    if (offset != payload.size()) return broken("trailing bytes");
    return DecodeKnown(type, schema_version, Reader(parts));
  } catch (const std::exception& e) {  // msgpack's size checks; Reader's missing keys
    return broken(e.what());
  }
}

std::string EncodeTrunkCreatedV1ForTesting(const TrunkCreated& event) {
  std::string out;
  Writer w(&out);
  w.Map(3).Str("provider", event.provider).Values("fields", event.fields);
  w.Singletons("singletons", event.singletons);
  return out;
}

}  // namespace trunkline::domain
