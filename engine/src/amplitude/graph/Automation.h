// Automation: breakpoint envelopes for node parameters, stored in fixed pools.
//
// A lane belongs to one (node, parameter). Its points are a sorted singly linked list threaded
// through one shared pool, so adding, replacing and clearing never allocate. Appending in time
// order (what a UI uploading a lane does) is O(1) through the tail; an insertion elsewhere walks
// the lane. Playback keeps a cursor per lane, so evaluating at a moving playhead is amortised
// O(1); a seek restarts the walk from the head.
//
// Segment shapes, from a point to the next one: linear, curved (t + c*t*(1-t), monotonic for
// |c| <= 1: c > 0 bends towards the end value early, c < 0 late) and hold (a step at the next
// point). Before the first point the lane holds the first value; after the last, the last value.
#pragma once

#include <amplitude/protocol/Protocol.generated.h>

#include <cstdint>

namespace amplitude::graph {

enum class SegmentShape : std::uint8_t { Linear = 0, Curved = 1, Hold = 2 };

class AutomationLanes {
 public:
  static constexpr std::uint32_t kMaxPoints = protocol::kMaxAutomationPoints;
  static constexpr std::uint32_t kMaxLanes = 1024;
  static constexpr std::uint32_t kNone = 0xffffffffU;

  AutomationLanes() noexcept { clearAll(); }

  void clearAll() noexcept {
    for (std::uint32_t i = 0; i < kMaxPoints; ++i) points_[i].next = i + 1 < kMaxPoints ? i + 1 : kNone;
    freePoint_ = 0;
    for (auto& lane : lanes_) lane = Lane{};
    laneCount_ = 0;
  }

  /// Adds or replaces (same position) a point. False when a pool is exhausted.
  bool addPoint(std::uint32_t nodeId, std::uint32_t paramId, std::uint32_t position, float value,
                SegmentShape shape, float curvature) noexcept {
    Lane* lane = findLane(nodeId, paramId);
    if (lane == nullptr) {
      lane = freeLane();
      if (lane == nullptr) return false;
    }
    // Replacing needs no new point.
    std::uint32_t previous = kNone;
    std::uint32_t at = lane->head;
    if (lane->tail != kNone && points_[lane->tail].position < position) {
      previous = lane->tail;
      at = kNone;
    } else {
      while (at != kNone && points_[at].position < position) {
        previous = at;
        at = points_[at].next;
      }
      if (at != kNone && points_[at].position == position) {
        points_[at].value = value;
        points_[at].shape = shape;
        points_[at].curvature = curvature;
        return true;
      }
    }
    if (freePoint_ == kNone) return false;
    if (lane->head == kNone && !lane->used) {
      lane->used = true;
      lane->nodeId = nodeId;
      lane->paramId = paramId;
      ++laneCount_;
    }
    const std::uint32_t index = freePoint_;
    freePoint_ = points_[index].next;
    points_[index] = Point{position, value, curvature, shape, at};
    if (previous == kNone) {
      lane->head = index;
    } else {
      points_[previous].next = index;
    }
    if (at == kNone) lane->tail = index;
    lane->cursor = lane->head;
    return true;
  }

  void clearLane(std::uint32_t nodeId, std::uint32_t paramId) noexcept {
    if (Lane* lane = findLane(nodeId, paramId)) release(*lane);
  }

  /// Every lane of a removed node.
  void clearNode(std::uint32_t nodeId) noexcept {
    for (auto& lane : lanes_) {
      if (lane.used && lane.nodeId == nodeId) release(lane);
    }
  }

  bool hasLanes(std::uint32_t nodeId) const noexcept {
    if (laneCount_ == 0) return false;
    for (const auto& lane : lanes_) {
      if (lane.used && lane.nodeId == nodeId) return true;
    }
    return false;
  }

  std::uint32_t laneCount() const noexcept { return laneCount_; }

  /// Calls visit(paramId, value) for every lane of `nodeId`, with the lane's value at `position`.
  template <typename Visitor>
  void evaluate(std::uint32_t nodeId, std::uint64_t position, Visitor&& visit) noexcept {
    for (auto& lane : lanes_) {
      if (lane.used && lane.nodeId == nodeId && lane.head != kNone) visit(lane.paramId, valueAt(lane, position));
    }
  }

  /// The first breakpoint position strictly inside (from, to) on any lane of `nodeId`, or `to`.
  std::uint64_t nextBreakpoint(std::uint32_t nodeId, std::uint64_t from, std::uint64_t to) const noexcept {
    std::uint64_t earliest = to;
    for (const auto& lane : lanes_) {
      if (!lane.used || lane.nodeId != nodeId) continue;
      for (std::uint32_t at = lane.cursor != kNone ? lane.cursor : lane.head; at != kNone; at = points_[at].next) {
        const std::uint64_t position = points_[at].position;
        if (position >= earliest) break;
        if (position > from) {
          earliest = position;
          break;
        }
      }
    }
    return earliest;
  }

 private:
  struct Point {
    std::uint32_t position = 0;
    float value = 0.0f;
    float curvature = 0.0f;
    SegmentShape shape = SegmentShape::Linear;
    std::uint32_t next = kNone;
  };
  struct Lane {
    bool used = false;
    std::uint32_t nodeId = 0;
    std::uint32_t paramId = 0;
    std::uint32_t head = kNone;
    std::uint32_t tail = kNone;
    std::uint32_t cursor = kNone;  ///< the last point at or before the last evaluated position
  };

  Lane* findLane(std::uint32_t nodeId, std::uint32_t paramId) noexcept {
    if (laneCount_ == 0) return nullptr;
    for (auto& lane : lanes_) {
      if (lane.used && lane.nodeId == nodeId && lane.paramId == paramId) return &lane;
    }
    return nullptr;
  }

  Lane* freeLane() noexcept {
    for (auto& lane : lanes_) {
      if (!lane.used) return &lane;
    }
    return nullptr;
  }

  void release(Lane& lane) noexcept {
    if (lane.tail != kNone) {
      points_[lane.tail].next = freePoint_;
      freePoint_ = lane.head;
    }
    lane = Lane{};
    --laneCount_;
  }

  float valueAt(Lane& lane, std::uint64_t position) noexcept {
    std::uint32_t at = lane.cursor;
    if (at == kNone || points_[at].position > position) at = lane.head;  // a seek backwards
    const Point& first = points_[lane.head];
    if (position <= first.position) {
      lane.cursor = lane.head;
      return first.value;
    }
    while (points_[at].next != kNone && points_[points_[at].next].position <= position) at = points_[at].next;
    lane.cursor = at;
    const Point& from = points_[at];
    if (from.next == kNone) return from.value;
    const Point& to = points_[from.next];
    if (from.shape == SegmentShape::Hold) return from.value;
    const double t = static_cast<double>(position - from.position) / static_cast<double>(to.position - from.position);
    const double shaped = from.shape == SegmentShape::Curved ? t + from.curvature * t * (1.0 - t) : t;
    return static_cast<float>(from.value + (static_cast<double>(to.value) - from.value) * shaped);
  }

  Point points_[kMaxPoints];
  std::uint32_t freePoint_ = 0;
  Lane lanes_[kMaxLanes];
  std::uint32_t laneCount_ = 0;
};

}  // namespace amplitude::graph
