// NoteSchedule: the note-on and note-off events of the arrangement, by timeline position, in
// fixed pools, so the transport can start every note on its exact sample.
//
// Why buckets: the UI uploads thousands of events (a MIDI clip) through the ring, in any order,
// and the audio thread must both insert them and find the few that fall into each quantum in
// bounded time. Events hang in sorted lists per bucket of kBucketFrames timeline frames (hashed
// into kBuckets heads, so a project of any length fits): an insert appends through the bucket's
// tail when it comes in time order and otherwise walks one short list, a
// quantum's lookup reads at most two. Removing a clip's events walks the pool once (bounded).
#pragma once

#include <amplitude/protocol/Protocol.generated.h>

#include <cstdint>
#include <memory>

namespace amplitude::timeline {

struct NoteEvent {
  std::uint64_t position = 0;
  std::uint32_t nodeId = 0;
  std::uint16_t clipId = 0;
  std::uint8_t note = 0;
  std::uint8_t velocity = 0;  ///< 1..127 note on, 0 note off
};

class NoteSchedule {
 public:
  static constexpr std::uint32_t kMaxEvents = 65536;
  static constexpr std::uint32_t kBucketShift = 13;  // 8192 frames: 170 ms at 48 kHz
  static constexpr std::uint32_t kBuckets = 4096;
  static constexpr std::uint32_t kNone = 0xffffffffU;

  NoteSchedule()
      : events_(std::make_unique<Entry[]>(kMaxEvents)),
        heads_(std::make_unique<std::uint32_t[]>(kBuckets)),
        tails_(std::make_unique<std::uint32_t[]>(kBuckets)) {
    clear();
  }

  void clear() noexcept {
    for (std::uint32_t i = 0; i < kMaxEvents; ++i) events_[i].next = i + 1 < kMaxEvents ? i + 1 : kNone;
    free_ = 0;
    for (std::uint32_t b = 0; b < kBuckets; ++b) heads_[b] = tails_[b] = kNone;
    count_ = 0;
  }

  /// False when the pool is full. Events at the same position keep their arrival order, except
  /// that note-offs go before note-ons (a note that ends where the next one starts is re-struck).
  bool add(const NoteEvent& event) noexcept {
    if (free_ == kNone) return false;
    const std::uint32_t index = free_;
    free_ = events_[index].next;
    events_[index].event = event;
    const std::uint32_t bucket = bucketOf(event.position);
    // Appending (a clip uploaded in time order) is O(1) through the tail; otherwise walk.
    std::uint32_t* at = tails_[bucket] != kNone && goesBefore(events_[tails_[bucket]].event, event)
                            ? &events_[tails_[bucket]].next
                            : &heads_[bucket];
    while (*at != kNone && goesBefore(events_[*at].event, event)) at = &events_[*at].next;
    events_[index].next = *at;
    *at = index;
    if (events_[index].next == kNone) tails_[bucket] = index;
    ++count_;
    return true;
  }

  /// Removes every event of `clipId` (0 = every event of `nodeId`). Bounded by the pool size.
  void remove(std::uint32_t nodeId, std::uint16_t clipId) noexcept {
    for (std::uint32_t b = 0; b < kBuckets; ++b) {
      tails_[b] = kNone;
      for (std::uint32_t* at = &heads_[b]; *at != kNone;) {
        const NoteEvent& event = events_[*at].event;
        if (event.nodeId == nodeId && (clipId == 0 || event.clipId == clipId)) {
          const std::uint32_t gone = *at;
          *at = events_[gone].next;
          events_[gone].next = free_;
          free_ = gone;
          --count_;
        } else {
          tails_[b] = *at;
          at = &events_[*at].next;
        }
      }
    }
  }

  /// The first event position in [from, to), or `to` when there is none.
  std::uint64_t nextPosition(std::uint64_t from, std::uint64_t to) const noexcept {
    std::uint64_t earliest = to;
    for (std::uint64_t bucket = from >> kBucketShift; bucket <= ((to - 1) >> kBucketShift); ++bucket) {
      for (std::uint32_t at = heads_[bucket % kBuckets]; at != kNone; at = events_[at].next) {
        const std::uint64_t position = events_[at].event.position;
        if (position >= from && position < earliest) {
          earliest = position;
          break;  // lists are sorted, and only this lap's events can be earlier than `to`
        }
      }
    }
    return earliest;
  }

  /// Calls visit(event) for every event exactly at `position`, in order.
  template <typename Visitor>
  void forEachAt(std::uint64_t position, Visitor&& visit) const noexcept {
    for (std::uint32_t at = heads_[bucketOf(position)]; at != kNone; at = events_[at].next) {
      if (events_[at].event.position == position) visit(events_[at].event);
    }
  }

  std::uint32_t size() const noexcept { return count_; }

 private:
  struct Entry {
    NoteEvent event;
    std::uint32_t next = kNone;
  };

  static std::uint32_t bucketOf(std::uint64_t position) noexcept {
    return static_cast<std::uint32_t>((position >> kBucketShift) % kBuckets);
  }

  /// Sorted by position; at one position offs first, then arrival order.
  static bool goesBefore(const NoteEvent& existing, const NoteEvent& arriving) noexcept {
    if (existing.position != arriving.position) return existing.position < arriving.position;
    return existing.velocity == 0 || arriving.velocity != 0;
  }

  std::unique_ptr<Entry[]> events_;
  std::unique_ptr<std::uint32_t[]> heads_;
  std::unique_ptr<std::uint32_t[]> tails_;
  std::uint32_t free_ = 0;
  std::uint32_t count_ = 0;
};

}  // namespace amplitude::timeline
