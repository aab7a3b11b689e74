// FlatMap: an ordered map kept as a sorted vector. For small maps held in great numbers
// (e.g. the fields of every projected trunk): no node per entry, one allocation per map,
// and no slack: the storage grows by exactly one entry at a time. Lookups are binary
// searches; inserts and erases move the entries after them.
//
// Thread-safety: as std::vector.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <stdexcept>
#include <utility>
#include <vector>

namespace trunkline {

template <typename K, typename V>
class FlatMap {
 public:
  using value_type = std::pair<K, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  FlatMap() = default;
  // Later duplicates of a key are dropped, as std::map's constructor does.
  FlatMap(std::initializer_list<value_type> items) {
    for (const value_type& item : items) emplace(item.first, item.second);
  }

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  size_t size() const { return items_.size(); }
  void reserve(size_t n) { items_.reserve(n); }
  size_t capacity() const { return items_.capacity(); }
  bool empty() const { return items_.empty(); }

  template <typename Key>
  iterator find(const Key& key) {
    auto it = LowerBound(key);
    return it != items_.end() && it->first == key ? it : items_.end();
  }
  template <typename Key>
  const_iterator find(const Key& key) const {
    auto it = LowerBound(key);
    return it != items_.end() && it->first == key ? it : items_.end();
  }
  template <typename Key>
  size_t count(const Key& key) const {
    return find(key) == end() ? 0 : 1;
  }
  template <typename Key>
  const V& at(const Key& key) const {
    auto it = find(key);
    if (it == end()) throw std::out_of_range("FlatMap::at");
    return it->second;
  }

  V& operator[](const K& key) {
    auto it = LowerBound(key);
    if (it == items_.end() || it->first != key) it = InsertAt(it, key, V());
    return it->second;
  }
  // Inserts unless the key is present; returns the entry and whether it was inserted.
  template <typename Key, typename Value>
  std::pair<iterator, bool> emplace(Key&& key, Value&& value) {
    auto it = LowerBound(key);
    if (it != items_.end() && it->first == key) return {it, false};
    return {InsertAt(it, std::forward<Key>(key), std::forward<Value>(value)), true};
  }
  template <typename Key>
  size_t erase(const Key& key) {
    auto it = find(key);
    if (it == items_.end()) return 0;
    items_.erase(it);
    return 1;
  }
  iterator erase(const_iterator it) { return items_.erase(it); }

  friend bool operator==(const FlatMap&, const FlatMap&) = default;

 private:
  // Inserts before `at`, growing the storage by one entry rather than doubling it.
  template <typename Key, typename Value>
  iterator InsertAt(iterator at, Key&& key, Value&& value) {
    if (items_.size() == items_.capacity()) {
      const auto index = at - items_.begin();
      items_.reserve(items_.size() + 1);
      at = items_.begin() + index;
    }
    return items_.emplace(at, std::forward<Key>(key), std::forward<Value>(value));
  }

  template <typename Key>
  iterator LowerBound(const Key& key) {
    return std::lower_bound(items_.begin(), items_.end(), key,
                            [](const value_type& item, const Key& k) { return item.first < k; });
  }
  template <typename Key>
  const_iterator LowerBound(const Key& key) const {
    return std::lower_bound(items_.begin(), items_.end(), key,
                            [](const value_type& item, const Key& k) { return item.first < k; });
  }

  std::vector<value_type> items_;
};

}  // namespace trunkline
