// CommandRing: the single-producer single-consumer queue that carries protocol records from the
// UI to the engine.
//
// Contract
// - Exactly one producer thread calls tryPush (the UI's main thread in the browser, a test thread
//   natively) and exactly one consumer thread calls tryPop (the audio thread).
// - Both calls are wait-free: a bounded number of steps, no lock, no allocation, no system call.
// - Storage lives in shared memory laid out by the protocol schema (CommandRingControl plus
//   kCommandRingCapacity records), so the TypeScript producer and this consumer agree on it.
// - Indices run freely and wrap at 2^32; the capacity is a power of two, so `index & mask` stays
//   continuous across the wrap, and every slot is usable (full is write - read == capacity).
// - A push into a full ring returns false and counts itself in rejectedPushes: the producer keeps
//   the record and retries. Nothing is dropped silently.
#pragma once

#include <amplitude/protocol/Protocol.generated.h>

#include <cstdint>

namespace amplitude::rt {

class CommandRing {
 public:
  static constexpr std::uint32_t kCapacity = protocol::kCommandRingCapacity;
  static_assert((kCapacity & (kCapacity - 1)) == 0, "capacity must be a power of two");

  CommandRing(protocol::CommandRingControl& control, protocol::CommandRecord* records) noexcept
      : control_(control), records_(records) {}

  CommandRing(const CommandRing&) = delete;
  CommandRing& operator=(const CommandRing&) = delete;

  /// Producer side. Wait-free. False when the ring is full (the record is not taken).
  bool tryPush(const protocol::CommandRecord& record) noexcept {
    const std::uint32_t write = control_.writeIndex.load(std::memory_order_relaxed);
    const std::uint32_t read = control_.readIndex.load(std::memory_order_acquire);
    if (write - read >= kCapacity) {
      control_.rejectedPushes.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    records_[write & kMask] = record;
    control_.writeIndex.store(write + 1, std::memory_order_release);
    return true;
  }

  /// Consumer side. Wait-free. False when the ring is empty.
  bool tryPop(protocol::CommandRecord& record) noexcept {
    const std::uint32_t read = control_.readIndex.load(std::memory_order_relaxed);
    const std::uint32_t write = control_.writeIndex.load(std::memory_order_acquire);
    if (read == write) return false;
    record = records_[read & kMask];
    control_.readIndex.store(read + 1, std::memory_order_release);
    return true;
  }

  /// Either side; a snapshot that may be stale by the time it is used.
  std::uint32_t sizeApprox() const noexcept {
    return control_.writeIndex.load(std::memory_order_acquire) -
           control_.readIndex.load(std::memory_order_acquire);
  }

 private:
  static constexpr std::uint32_t kMask = kCapacity - 1;
  protocol::CommandRingControl& control_;
  protocol::CommandRecord* records_;
};

}  // namespace amplitude::rt
