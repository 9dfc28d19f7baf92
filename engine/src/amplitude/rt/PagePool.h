// PagePool: fixed-size pages of audio memory for buffers whose length depends on a parameter
// (delay lines), handed out and taken back on the audio thread in O(1).
//
// Why: a delay line sized for its longest possible time (2 s, at the highest sample rate) in every
// pooled node would take most of the engine's fixed memory for a handful of delays. Lines take
// pages as their time needs them instead, from one budget the engine fixes in bytes (so the count
// of long delays, not the memory, depends on the sample rate), and running out is an error code.
// Pages are uniform, so there is no fragmentation. take() zeroes the page (16 KiB): bounded work.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>

namespace amplitude::rt {

class PagePool {
 public:
  static constexpr std::uint32_t kPageShift = 12;
  static constexpr std::uint32_t kPageFloats = 1U << kPageShift;  // 4096 floats, 16 KiB

  /// Non-real-time.
  void prepare(std::uint32_t pageCount) {
    storage_ = std::make_unique<float[]>(static_cast<std::size_t>(pageCount) * kPageFloats);
    free_ = std::make_unique<float*[]>(pageCount);
    capacity_ = pageCount;
    for (std::uint32_t i = 0; i < pageCount; ++i) free_[i] = storage_.get() + static_cast<std::size_t>(pageCount - 1 - i) * kPageFloats;
    available_ = pageCount;
  }

  /// A zeroed page, or nullptr when the budget is spent.
  float* take() noexcept {
    if (available_ == 0) return nullptr;
    float* page = free_[--available_];
    std::memset(page, 0, kPageFloats * sizeof(float));
    return page;
  }

  void give(float* page) noexcept { free_[available_++] = page; }

  std::uint32_t available() const noexcept { return available_; }
  std::uint32_t capacity() const noexcept { return capacity_; }

 private:
  std::unique_ptr<float[]> storage_;
  std::unique_ptr<float*[]> free_;
  std::uint32_t capacity_ = 0;
  std::uint32_t available_ = 0;
};

}  // namespace amplitude::rt
