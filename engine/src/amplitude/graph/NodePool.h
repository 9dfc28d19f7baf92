// NodePool: a fixed number of prepared device objects of one type.
//
// Why pools: AddNode arrives on the audio thread while music plays, where nothing may be
// allocated. Every device object is constructed and prepared (buffers sized for its declared
// maxima) when the engine is prepared; AddNode takes one from the free stack and reset()s it,
// RemoveNode puts it back. Both O(1). How many of each device exist is the engine's memory plan
// (Engine.cpp), and running out is an error code the UI sees, never a crash.
#pragma once

#include <amplitude/graph/Node.h>

#include <cstdint>
#include <memory>
#include <span>

namespace amplitude::graph {

class NodePoolBase {
 public:
  virtual ~NodePoolBase() = default;
  virtual void prepare(double sampleRate) = 0;
  /// nullptr when every node of this type is in use.
  virtual Node* acquire() noexcept = 0;
  virtual void release(Node* node) noexcept = 0;
  virtual std::uint32_t capacity() const noexcept = 0;
  virtual std::uint32_t available() const noexcept = 0;
};

template <typename Device>
class NodePool final : public NodePoolBase {
 public:
  /// `budgetBytes` (devices whose memory grows with the sample rate, which say how much through
  /// memoryBytes()): only as many devices as the budget holds at the prepared rate are made
  /// available, up to `capacity`; 0 means no budget.
  explicit NodePool(std::uint32_t capacity, std::size_t budgetBytes = 0)
      : devices_(std::make_unique<Device[]>(capacity)),
        freeStack_(std::make_unique<std::uint32_t[]>(capacity)),
        maxCapacity_(capacity),
        capacity_(capacity),
        budgetBytes_(budgetBytes) {
    releaseAll();
  }

  void prepare(double sampleRate) override {
    capacity_ = maxCapacity_;
    if constexpr (requires(const Device& device) { device.memoryBytes(); }) {
      if (budgetBytes_ > 0 && maxCapacity_ > 0) {
        devices_[0].prepare(sampleRate);
        const std::size_t each = devices_[0].memoryBytes();
        const std::size_t fits = each == 0 ? maxCapacity_ : budgetBytes_ / each;
        capacity_ = static_cast<std::uint32_t>(fits < 1 ? 1 : (fits < maxCapacity_ ? fits : maxCapacity_));
      }
    }
    for (std::uint32_t i = 0; i < capacity_; ++i) devices_[i].prepare(sampleRate);
    releaseAll();
  }

  Node* acquire() noexcept override {
    if (freeCount_ == 0) return nullptr;
    Device& device = devices_[freeStack_[--freeCount_]];
    device.reset();
    return &device;
  }

  void release(Node* node) noexcept override {
    const auto index = static_cast<std::uint32_t>(static_cast<Device*>(node) - devices_.get());
    freeStack_[freeCount_++] = index;
  }

  std::uint32_t capacity() const noexcept override { return capacity_; }
  std::uint32_t available() const noexcept override { return freeCount_; }

  /// Non-real-time set-up of every device (giving them shared resources before prepare).
  template <typename Visitor>
  void forEachDevice(Visitor&& visit) {
    for (std::uint32_t i = 0; i < capacity_; ++i) visit(devices_[i]);
  }

 private:
  void releaseAll() noexcept {
    // Highest index on the bottom, so acquisitions hand out 0, 1, 2... (predictable in tests).
    for (std::uint32_t i = 0; i < capacity_; ++i) freeStack_[i] = capacity_ - 1 - i;
    freeCount_ = capacity_;
  }

  std::unique_ptr<Device[]> devices_;
  std::unique_ptr<std::uint32_t[]> freeStack_;
  std::uint32_t maxCapacity_;
  std::uint32_t capacity_;  ///< prepared and available: maxCapacity_, or what the budget holds
  std::size_t budgetBytes_;
  std::uint32_t freeCount_ = 0;
};

/// What the graph needs to know about a device type: its declaration and where its nodes live.
struct DeviceEntry {
  std::uint32_t type = 0;
  std::uint32_t inputs = 0;
  bool isInstrument = false;
  bool isChannelStrip = false;
  std::span<const protocol::ParamDeclaration> params;
  NodePoolBase* pool = nullptr;
};

}  // namespace amplitude::graph
