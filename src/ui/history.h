// A fixed-size history of values for the monitor's graphs: the newest N, oldest first. Sized once;
// push() overwrites the oldest.
#pragma once
#include <algorithm>
#include <cstddef>
#include <vector>

namespace e2m::ui {

template <class T>
class History {
 public:
  explicit History(std::size_t capacity) : values_(std::max<std::size_t>(capacity, 1)) {}

  void push(const T& v) {
    values_[(start_ + size_) % values_.size()] = v;
    if (size_ < values_.size())
      ++size_;
    else
      start_ = (start_ + 1) % values_.size();
  }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return values_.size(); }
  bool empty() const { return size_ == 0; }
  const T& operator[](std::size_t i) const { return values_[(start_ + i) % values_.size()]; }  // 0: oldest
  const T& back() const { return (*this)[size_ - 1]; }
  void clear() { start_ = size_ = 0; }

 private:
  std::vector<T> values_;
  std::size_t start_ = 0, size_ = 0;
};

}  // namespace e2m::ui
