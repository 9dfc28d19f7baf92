// DelayLine: a float ring buffer, the memory of delays, reverbs and all-passes.
// CrossfadingTap: a whole-sample read position that changes by crossfading, without clicks.
//
// Float storage halves the memory of double lines, which matters on the fixed WebAssembly heap.
// Storage is a table of 4096-float pages: owned (prepare: sized once for the longest delay) or
// taken from an rt::PagePool as the delay in use needs (attach + reserve, on the audio thread),
// so a delay set to 250 ms holds 250 ms of memory, not its 2 s maximum. Reads take the delay
// relative to the next write, so a loop reads its output, then writes its input.
// Life cycle: prepare or attach (non-real-time) -> reserve/read/write/reset/release (real-time safe).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>
#include <amplitude/rt/PagePool.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace amplitude::dsp {

class DelayLine {
 public:
  static constexpr std::uint32_t kPageShift = rt::PagePool::kPageShift;
  static constexpr std::uint32_t kPageFloats = rt::PagePool::kPageFloats;
  static constexpr std::uint32_t kMaxPages = 256;  // 1M floats: 21.8 s at 48 kHz, 5.4 s at 192 kHz

  DelayLine() = default;
  DelayLine(const DelayLine&) = delete;
  DelayLine& operator=(const DelayLine&) = delete;
  /// Moving keeps the pages valid (an owned vector keeps its buffer when moved); the moved-from
  /// line is left empty and owns nothing.
  DelayLine(DelayLine&& other) noexcept { *this = std::move(other); }
  DelayLine& operator=(DelayLine&& other) noexcept {
    if (this == &other) return *this;
    release();
    pages_ = std::move(other.pages_);
    pending_ = std::move(other.pending_);
    pageCount_ = other.pageCount_;
    pendingCount_ = other.pendingCount_;
    size_ = other.size_;
    pageShift_ = other.pageShift_;
    writeIndex_ = other.writeIndex_;
    owned_ = std::move(other.owned_);
    pool_ = other.pool_;
    other.pool_ = nullptr;
    other.pageCount_ = other.pendingCount_ = other.size_ = other.writeIndex_ = 0;
    return *this;
  }
  ~DelayLine() { release(); }

  /// Non-real-time, standalone: owns exactly maxDelaySamples of storage, as one page as large as
  /// needed (a reverb's short all-passes must not take 4096 floats each).
  void prepare(std::uint32_t maxDelaySamples) {
    release();
    pool_ = nullptr;
    const std::uint32_t size = std::max<std::uint32_t>(maxDelaySamples, 1u);
    owned_.assign(size, 0.0f);
    pages_.assign(1, owned_.data());
    pending_.clear();
    pending_.shrink_to_fit();
    pageCount_ = 1;
    pageShift_ = 31;  // every index < 2^31 falls in page 0
    size_ = size;
    writeIndex_ = 0;
  }

  /// Non-real-time: the line will take its pages from `pool` as reserve() asks (none yet).
  void attach(rt::PagePool& pool) {
    release();
    owned_.clear();
    owned_.shrink_to_fit();
    pool_ = &pool;
    pageShift_ = kPageShift;
    pages_.assign(kMaxPages, nullptr);    // page tables sized here, never on the audio thread
    pending_.assign(kMaxPages, nullptr);
    setPageCount(0);
  }

  /// Audio thread, pooled lines: make room for delays up to `maxDelaySamples`. Pages are taken
  /// now; they join the ring when the write position next crosses a page boundary (within 4096
  /// samples), inserted there as the oldest, silent stretch of history, so nothing already in the
  /// line moves or changes. False (and nothing taken) when the pool cannot cover it.
  bool reserve(std::uint32_t maxDelaySamples) noexcept {
    if (pool_ == nullptr) return maxDelaySamples <= size_;
    const std::uint32_t wanted = pagesFor(maxDelaySamples);
    const std::uint32_t have = pageCount_ + pendingCount_;
    if (wanted <= have) return true;
    if (wanted > kMaxPages || pool_->available() < wanted - have) return false;
    while (pageCount_ + pendingCount_ < wanted) pending_[pendingCount_++] = pool_->take();
    if ((writeIndex_ & (kPageFloats - 1)) == 0) insertPending();
    return true;
  }

  /// Audio thread: every page back to the pool (pooled lines); the line is empty afterwards.
  void release() noexcept {
    if (pool_ != nullptr) {
      for (std::uint32_t page = 0; page < pageCount_; ++page) pool_->give(pages_[page]);
      for (std::uint32_t page = 0; page < pendingCount_; ++page) pool_->give(pending_[page]);
    }
    pendingCount_ = 0;
    if (pool_ != nullptr) setPageCount(0);
    writeIndex_ = 0;
  }

  void reset() noexcept {
    if (pool_ == nullptr) {
      std::fill(owned_.begin(), owned_.end(), 0.0f);
    } else {
      for (std::uint32_t page = 0; page < pageCount_; ++page) std::fill_n(pages_[page], kPageFloats, 0.0f);
    }
    writeIndex_ = 0;
    if (pendingCount_ > 0) insertPending();
  }

  bool isPrepared() const noexcept { return size_ > 0; }
  /// Bytes of storage the line holds (owned storage, or its pages).
  std::size_t memoryBytes() const noexcept {
    return pool_ == nullptr ? owned_.size() * sizeof(float) : std::size_t{pageCount_ + pendingCount_} * kPageFloats * sizeof(float);
  }
  /// Longest delay read() accepts right now (pages still pending do not count yet).
  std::uint32_t maxDelaySamples() const noexcept { return size_; }

  /// x[n - delay], where x[n] is the sample the next write() stores. 1 <= delay <= maxDelaySamples().
  float read(std::uint32_t delay) const noexcept {
    const std::uint32_t index = writeIndex_ >= delay ? writeIndex_ - delay : writeIndex_ + size_ - delay;
    return pages_[index >> pageShift_][index & ((1U << pageShift_) - 1)];
  }

  /// Linear interpolation between the neighbouring whole delays; exactly read(delay) when the
  /// delay is whole (weights 1 and 0). 1 <= delay <= maxDelaySamples() - 1.
  float readInterpolated(float delay) const noexcept {
    const auto whole = static_cast<std::uint32_t>(delay);
    const float fraction = delay - static_cast<float>(whole);
    return (1.0f - fraction) * read(whole) + fraction * read(whole + 1);
  }

  void write(float sample) noexcept {
    pages_[writeIndex_ >> pageShift_][writeIndex_ & ((1U << pageShift_) - 1)] = sample;
    ++writeIndex_;
    writeIndex_ = writeIndex_ == size_ ? 0 : writeIndex_;
    if (pendingCount_ > 0 && (writeIndex_ & (kPageFloats - 1)) == 0) insertPending();
  }

 private:
  static std::uint32_t pagesFor(std::uint32_t samples) noexcept { return (samples + kPageFloats - 1) >> kPageShift; }

  void setPageCount(std::uint32_t pages) noexcept {
    pageCount_ = pages;
    size_ = pages << kPageShift;
  }

  /// At a page boundary p: [0, p) holds the newest history, [p, end) the oldest. Zero pages put
  /// between them are, read backwards from the write position, older than everything there was.
  void insertPending() noexcept {
    const std::uint32_t at = writeIndex_ >> kPageShift;
    for (std::uint32_t page = pageCount_; page > at; --page) pages_[page - 1 + pendingCount_] = pages_[page - 1];
    for (std::uint32_t page = 0; page < pendingCount_; ++page) pages_[at + page] = pending_[page];
    setPageCount(pageCount_ + pendingCount_);
    pendingCount_ = 0;
  }

  std::vector<float*> pages_;    ///< kMaxPages entries for pooled lines, one for owned ones
  std::vector<float*> pending_;  ///< pooled lines only
  std::uint32_t pageCount_ = 0;
  std::uint32_t pendingCount_ = 0;
  std::uint32_t size_ = 0;
  std::uint32_t pageShift_ = kPageShift;  ///< pooled: 4096-float pages; owned: one page of any size
  std::uint32_t writeIndex_ = 0;
  std::vector<float> owned_;
  rt::PagePool* pool_ = nullptr;
};

/// Moves a whole-sample delay to a new value by a linear crossfade from the old tap to the new
/// one over a fixed number of samples. Unlike a gliding fractional read it does not resample
/// (no pitch sweep) and leaves steady delays on whole samples, uninterpolated. A target that
/// arrives during a crossfade starts when that crossfade ends, so work per sample is bounded.
class CrossfadingTap {
 public:
  /// Read positions for one sample: (1 - toWeight) * line[from] + toWeight * line[to].
  struct Taps {
    std::uint32_t from;
    std::uint32_t to;
    float toWeight;
  };

  void setFadeSamples(std::uint32_t fadeSamples) noexcept { fadeSamples_ = fadeSamples > 0 ? fadeSamples : 1; }

  /// Ends any crossfade at `delay`.
  void jumpTo(std::uint32_t delay) noexcept {
    current_ = next_ = target_ = delay;
    progress_ = 0;
  }

  void setTarget(std::uint32_t delay) noexcept { target_ = delay; }
  std::uint32_t target() const noexcept { return target_; }
  bool isFading() const noexcept { return progress_ != 0; }

  /// Advances one sample.
  Taps next() noexcept {
    if (progress_ == 0) {
      if (target_ == current_) return {current_, current_, 0.0f};
      next_ = target_;
    }
    ++progress_;
    const float weight = static_cast<float>(progress_) / static_cast<float>(fadeSamples_);
    const Taps taps{current_, next_, weight};
    if (progress_ == fadeSamples_) {  // weight is exactly 1: the new tap alone from here on
      current_ = next_;
      progress_ = 0;
    }
    return taps;
  }

  /// The crossfaded read; `extraDelay` shifts both taps (1 reads x[n - delay] after writing x[n]).
  static float read(const DelayLine& line, const Taps& taps, std::uint32_t extraDelay = 0) noexcept {
    return (1.0f - taps.toWeight) * line.read(taps.from + extraDelay) + taps.toWeight * line.read(taps.to + extraDelay);
  }

 private:
  std::uint32_t fadeSamples_ = 960;
  std::uint32_t current_ = 1;
  std::uint32_t next_ = 1;
  std::uint32_t target_ = 1;
  std::uint32_t progress_ = 0;
};

}  // namespace amplitude::dsp
