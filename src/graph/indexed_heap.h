// IndexedMinHeap: a binary min-heap of ids 0..capacity-1 keyed by unsigned integers, with
// decrease-key — the priority queue of the contraction and of every Dijkstra-style search.
//
//   IndexedMinHeap heap(node_count);
//   heap.PushOrDecrease(source, 0);
//   while (!heap.empty()) { auto [node, key] = heap.PopMin(); … }
//
// Clear() costs O(size), not O(capacity), so a heap sized for a whole graph is reused between
// queries that touch a few hundred nodes.
//
// Thread-safety: none; one heap per thread (it lives in the per-thread query objects).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace pg::graph {

template <typename Key>
class IndexedMinHeap {
 public:
  IndexedMinHeap() = default;
  explicit IndexedMinHeap(uint32_t capacity) : position_(capacity, kAbsent) {}

  // Grows the id range to [0, capacity); keeps the contents.
  void Reserve(uint32_t capacity) {
    if (capacity > position_.size()) position_.resize(capacity, kAbsent);
  }

  bool empty() const { return heap_.empty(); }
  uint32_t size() const { return static_cast<uint32_t>(heap_.size()); }
  bool Contains(uint32_t id) const { return position_[id] != kAbsent; }
  // REQUIRES: !empty().
  Key MinKey() const { return heap_.front().first; }
  uint32_t MinId() const { return heap_.front().second; }

  // Inserts `id` with `key`, or lowers its key when it is in the heap with a larger one.
  // Returns true when the heap changed.
  bool PushOrDecrease(uint32_t id, Key key) {
    uint32_t pos = position_[id];
    if (pos == kAbsent) {
      pos = static_cast<uint32_t>(heap_.size());
      heap_.emplace_back(key, id);
      position_[id] = pos;
      SiftUp(pos);
      return true;
    }
    if (key >= heap_[pos].first) return false;
    heap_[pos].first = key;
    SiftUp(pos);
    return true;
  }

  // Sets the key of `id` (inserting it when absent), up or down.
  void Update(uint32_t id, Key key) {
    uint32_t pos = position_[id];
    if (pos == kAbsent) {
      PushOrDecrease(id, key);
      return;
    }
    Key old = heap_[pos].first;
    heap_[pos].first = key;
    if (key < old) {
      SiftUp(pos);
    } else {
      SiftDown(pos);
    }
  }

  // Removes and returns the id with the smallest key and that key. REQUIRES: !empty().
  std::pair<uint32_t, Key> PopMin() {
    auto [key, id] = heap_.front();
    position_[id] = kAbsent;
    if (heap_.size() > 1) {
      heap_.front() = heap_.back();
      position_[heap_.front().second] = 0;
      heap_.pop_back();
      SiftDown(0);
    } else {
      heap_.pop_back();
    }
    return {id, key};
  }

  void Clear() {
    for (const auto& entry : heap_) position_[entry.second] = kAbsent;
    heap_.clear();
  }

 private:
  static constexpr uint32_t kAbsent = UINT32_MAX;

  void SiftUp(uint32_t pos) {
    auto entry = heap_[pos];
    while (pos > 0) {
      uint32_t parent = (pos - 1) / 2;
      if (!(entry.first < heap_[parent].first)) break;
      heap_[pos] = heap_[parent];
      position_[heap_[pos].second] = pos;
      pos = parent;
    }
    heap_[pos] = entry;
    position_[entry.second] = pos;
  }

  void SiftDown(uint32_t pos) {
    auto entry = heap_[pos];
    const uint32_t n = static_cast<uint32_t>(heap_.size());
    while (true) {
      uint32_t child = 2 * pos + 1;
      if (child >= n) break;
      if (child + 1 < n && heap_[child + 1].first < heap_[child].first) ++child;
      if (!(heap_[child].first < entry.first)) break;
      heap_[pos] = heap_[child];
      position_[heap_[pos].second] = pos;
      pos = child;
    }
    heap_[pos] = entry;
    position_[entry.second] = pos;
  }

  std::vector<std::pair<Key, uint32_t>> heap_;
  std::vector<uint32_t> position_;  // index in heap_, or kAbsent
};

}  // namespace pg::graph
