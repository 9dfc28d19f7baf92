#include <amplitude/graph/AudioGraph.h>

#include <amplitude/devices/ChannelStripNode.h>
#include <amplitude/dsp/LinearRamp.h>

#include <cmath>
#include <cstring>

namespace amplitude::graph {

using protocol::ErrorCode;

namespace {

constexpr std::uint32_t kHistoryFrames = 4096;  // power of two >= kMaxCompensationFrames + a quantum
static_assert(AudioGraph::kMaxCompensationFrames + kQuantumFrames <= kHistoryFrames);
constexpr double kConnectionGainRampSeconds = 0.01;
constexpr float kMaxConnectionGain = 4.0f;

bool regionIsSilent(const float* samples, std::uint32_t frames) noexcept {
  std::uint32_t nonZero = 0;
  for (std::uint32_t i = 0; i < frames; ++i) nonZero |= samples[i] != 0.0f;
  return nonZero == 0;
}

void clearRegion(StereoBlock& block, std::uint32_t begin, std::uint32_t frames) noexcept {
  std::memset(block.left + begin, 0, frames * sizeof(float));
  std::memset(block.right + begin, 0, frames * sizeof(float));
}

}  // namespace

struct AudioGraph::Slot {
  Node* device = nullptr;
  const DeviceEntry* entry = nullptr;
  std::uint32_t nodeId = 0;
  // Blocks from the graph's block pool: output always, input for devices with inputs, sidechain
  // for devices with two, preFader for channel strips (the others point at the shared silence).
  StereoBlock* input = nullptr;
  StereoBlock* sidechain = nullptr;
  StereoBlock* output = nullptr;
  StereoBlock* preFader = nullptr;
  std::uint32_t firstIn = kNone;
  std::uint32_t firstOut = kNone;
  bool outputSilent = true;
  bool preSilent = true;
  bool automated = false;
  std::uint32_t arrival = 0;     ///< latency of the signal at this node's inputs, after compensation
  std::uint32_t outLatency = 0;  ///< arrival + the node's own latency
  std::uint32_t line = kNone;    ///< output history, when some connection from here is delayed
  std::uint32_t mark = 0;
  std::uint32_t pendingInputs = 0;  ///< Kahn's in-degree while rebuilding the order
  std::uint32_t silentRun = 0;      ///< frames for which input and output were both silent
  std::uint64_t automationNext = ~std::uint64_t{0};  ///< timeline position automation expects next
};

struct AudioGraph::Connection {
  bool used = false;
  std::uint32_t source = kNone;       // slots
  std::uint32_t destination = kNone;
  std::uint8_t sourcePort = 0;
  std::uint8_t destinationPort = 0;
  dsp::LinearRamp gain;
  std::uint32_t delay = 0;  ///< latency compensation, frames
  std::uint32_t nextIn = kNone;
  std::uint32_t nextOut = kNone;
};

struct AudioGraph::CompensationLine {
  // [port][channel][frame]: the source's main and pre-fader outputs, most recent at write - 1.
  float history[2][2][kHistoryFrames];
  std::uint32_t write = 0;
};

AudioGraph::AudioGraph(std::span<const DeviceEntry> devices)
    : devices_(devices),
      slots_(std::make_unique<Slot[]>(kMaxLiveNodes)),
      freeSlots_(std::make_unique<std::uint32_t[]>(kMaxLiveNodes)),
      blocks_(std::make_unique<StereoBlock[]>(kMaxBlocks)),
      freeBlocks_(std::make_unique<std::uint32_t[]>(kMaxBlocks)),

      slotOfId_(std::make_unique<std::uint32_t[]>(kMaxNodeId + 1)),
      connections_(std::make_unique<Connection[]>(kMaxConnections)),
      lines_(std::make_unique<CompensationLine[]>(kCompensationLines)),
      automation_(std::make_unique<AutomationLanes>()),
      order_(std::make_unique<std::uint32_t[]>(kMaxLiveNodes)),
      scratch_(std::make_unique<std::uint32_t[]>(kMaxLiveNodes)) {}

AudioGraph::~AudioGraph() = default;

void AudioGraph::prepare(double sampleRate) {
  for (const DeviceEntry& device : devices_) device.pool->prepare(sampleRate);
  connectionRampSamples_ = static_cast<std::uint32_t>(std::lround(kConnectionGainRampSeconds * sampleRate));

  for (std::uint32_t i = 0; i < kMaxLiveNodes; ++i) {
    slots_[i] = Slot{};
    freeSlots_[i] = kMaxLiveNodes - 1 - i;
  }
  freeSlotCount_ = kMaxLiveNodes;
  for (std::uint32_t i = 0; i < kMaxBlocks; ++i) freeBlocks_[i] = kMaxBlocks - 1 - i;
  freeBlockCount_ = kMaxBlocks;
  silence_ = StereoBlock{};
  for (std::uint32_t id = 0; id <= kMaxNodeId; ++id) slotOfId_[id] = kNone;
  for (std::uint32_t i = 0; i < kMaxConnections; ++i) {
    connections_[i] = Connection{};
    connections_[i].nextOut = i + 1 < kMaxConnections ? i + 1 : kNone;  // free list threads nextOut
  }
  freeConnection_ = 0;
  for (std::uint32_t i = 0; i < kCompensationLines; ++i) freeLines_[i] = kCompensationLines - 1 - i;
  freeLineCount_ = kCompensationLines;
  automation_->clearAll();
  orderCount_ = 0;
  totalLatency_ = 0;
  structureDirty_ = soloDirty_ = true;

  masterSlot_ = kNone;
  addNode(kMasterNodeId, protocol::devices::ChannelStrip::kType);
  masterSlot_ = slotOfId_[kMasterNodeId];
}

void AudioGraph::clear() noexcept {
  for (std::uint32_t id = 0; id <= kMaxNodeId; ++id) {
    if (id != kMasterNodeId && slotOfId_[id] != kNone) removeNode(id);
  }
  automation_->clearAll();
  Slot& master = slots_[masterSlot_];
  master.device->reset();
  master.automated = false;
  master.outputSilent = master.preSilent = true;
  master.silentRun = 0;
  clearRegion(*master.output, 0, kQuantumFrames);
  clearRegion(*master.preFader, 0, kQuantumFrames);
  structureDirty_ = soloDirty_ = true;
}

const DeviceEntry* AudioGraph::findDevice(std::uint32_t type) const noexcept {
  for (const DeviceEntry& device : devices_) {
    if (device.type == type) return &device;
  }
  return nullptr;
}

AudioGraph::Slot* AudioGraph::slotOf(std::uint32_t nodeId) noexcept {
  if (nodeId > kMaxNodeId || slotOfId_[nodeId] == kNone) return nullptr;
  return &slots_[slotOfId_[nodeId]];
}

Node* AudioGraph::node(std::uint32_t nodeId) noexcept {
  Slot* slot = slotOf(nodeId);
  return slot ? slot->device : nullptr;
}

void AudioGraph::forEachNodeOfType(std::uint32_t deviceType, void (*visit)(Node&, void*), void* context) noexcept {
  for (std::uint32_t id = 0; id <= kMaxNodeId; ++id) {
    const Slot* slot = slotOfId_[id] == kNone ? nullptr : &slots_[slotOfId_[id]];
    if (slot != nullptr && slot->entry->type == deviceType) visit(*slot->device, context);
  }
}

void AudioGraph::forEachChannelStrip(void (*visit)(std::uint32_t, Node&, void*), void* context) noexcept {
  if (structureDirty_) rebuildOrder();  // the order must never name a removed node
  for (std::uint32_t n = 0; n < orderCount_; ++n) {
    Slot& slot = slots_[order_[n]];
    if (slot.entry->isChannelStrip) visit(slot.nodeId, *slot.device, context);
  }
}

bool AudioGraph::isInstrument(std::uint32_t nodeId) const noexcept {
  return nodeId <= kMaxNodeId && slotOfId_[nodeId] != kNone && slots_[slotOfId_[nodeId]].entry->isInstrument;
}

void AudioGraph::allNotesOff() noexcept {
  for (std::uint32_t id = 0; id <= kMaxNodeId; ++id) {
    if (slotOfId_[id] != kNone && slots_[slotOfId_[id]].entry->isInstrument) slots_[slotOfId_[id]].device->allNotesOff();
  }
}

const StereoBlock& AudioGraph::masterOutput() const noexcept { return *slots_[masterSlot_].output; }

ErrorCode AudioGraph::addNode(std::uint32_t nodeId, std::uint32_t deviceType) noexcept {
  if (nodeId > kMaxNodeId) return ErrorCode::UnknownNode;
  if (nodeId == kMasterNodeId && masterSlot_ != kNone) return ErrorCode::ReservedNode;
  if (slotOfId_[nodeId] != kNone) return ErrorCode::NodeIdInUse;
  const DeviceEntry* device = findDevice(deviceType);
  if (device == nullptr) return ErrorCode::UnknownDevice;
  if (freeSlotCount_ == 0) return ErrorCode::NodePoolExhausted;
  Node* instance = device->pool->acquire();
  if (instance == nullptr) return ErrorCode::NodePoolExhausted;
  if (const ErrorCode status = instance->status(); status != ErrorCode::None) {
    device->pool->release(instance);
    return status;
  }

  const bool isStrip = device->isChannelStrip;
  const std::uint32_t blocksNeeded = 1 + (device->inputs >= 1) + (device->inputs >= 2) + isStrip;
  if (freeBlockCount_ < blocksNeeded) {
    device->pool->release(instance);
    return ErrorCode::NodePoolExhausted;
  }
  const std::uint32_t index = freeSlots_[--freeSlotCount_];
  Slot& slot = slots_[index];
  const auto takeBlock = [this] { return &blocks_[freeBlocks_[--freeBlockCount_]]; };
  slot.output = takeBlock();
  slot.input = device->inputs >= 1 ? takeBlock() : nullptr;
  slot.sidechain = device->inputs >= 2 ? takeBlock() : nullptr;
  slot.preFader = isStrip ? takeBlock() : &silence_;
  slot.device = instance;
  slot.entry = device;
  slot.nodeId = nodeId;
  slot.firstIn = slot.firstOut = kNone;
  slot.outputSilent = slot.preSilent = true;
  slot.automated = false;
  slot.arrival = slot.outLatency = 0;
  slot.line = kNone;
  slot.silentRun = 0;
  slot.automationNext = ~std::uint64_t{0};
  clearRegion(*slot.output, 0, kQuantumFrames);
  if (isStrip) clearRegion(*slot.preFader, 0, kQuantumFrames);
  slotOfId_[nodeId] = index;
  structureDirty_ = soloDirty_ = true;
  return ErrorCode::None;
}

void AudioGraph::unlinkConnection(std::uint32_t index) noexcept {
  Connection& connection = connections_[index];
  const auto unlinkFrom = [&](std::uint32_t& head, std::uint32_t Connection::*next) {
    for (std::uint32_t* at = &head; *at != kNone; at = &(connections_[*at].*next)) {
      if (*at == index) {
        *at = connection.*next;
        return;
      }
    }
  };
  unlinkFrom(slots_[connection.source].firstOut, &Connection::nextOut);
  unlinkFrom(slots_[connection.destination].firstIn, &Connection::nextIn);
  connection = Connection{};
  connection.nextOut = freeConnection_;
  freeConnection_ = index;
  structureDirty_ = soloDirty_ = true;
}

ErrorCode AudioGraph::removeNode(std::uint32_t nodeId) noexcept {
  if (nodeId == kMasterNodeId) return ErrorCode::ReservedNode;
  Slot* slot = slotOf(nodeId);
  if (slot == nullptr) return ErrorCode::UnknownNode;
  while (slot->firstIn != kNone) unlinkConnection(slot->firstIn);
  while (slot->firstOut != kNone) unlinkConnection(slot->firstOut);
  if (slot->line != kNone) {
    freeLines_[freeLineCount_++] = slot->line;
    slot->line = kNone;
  }
  automation_->clearNode(nodeId);
  for (StereoBlock* block : {slot->output, slot->input, slot->sidechain, slot->preFader}) {
    if (block != nullptr && block != &silence_) freeBlocks_[freeBlockCount_++] = static_cast<std::uint32_t>(block - blocks_.get());
  }
  slot->output = slot->input = slot->sidechain = slot->preFader = nullptr;
  slot->device->retire();
  slot->entry->pool->release(slot->device);
  slot->device = nullptr;
  slot->entry = nullptr;
  const std::uint32_t index = slotOfId_[nodeId];
  slotOfId_[nodeId] = kNone;
  freeSlots_[freeSlotCount_++] = index;
  structureDirty_ = soloDirty_ = true;
  return ErrorCode::None;
}

std::uint32_t AudioGraph::findConnection(std::uint32_t source, std::uint32_t destination, std::uint32_t sourcePort,
                                         std::uint32_t destinationPort) const noexcept {
  for (std::uint32_t at = slots_[source].firstOut; at != kNone; at = connections_[at].nextOut) {
    const Connection& c = connections_[at];
    if (c.destination == destination && c.sourcePort == sourcePort && c.destinationPort == destinationPort) return at;
  }
  return kNone;
}

bool AudioGraph::reaches(std::uint32_t fromSlot, std::uint32_t toSlot) noexcept {
  // Iterative depth-first search along outgoing connections; each slot is pushed at most once,
  // so the fixed stack of kMaxLiveNodes entries cannot overflow.
  ++visitMark_;
  std::uint32_t depth = 0;
  scratch_[depth++] = fromSlot;
  slots_[fromSlot].mark = visitMark_;
  while (depth > 0) {
    const std::uint32_t at = scratch_[--depth];
    if (at == toSlot) return true;
    for (std::uint32_t c = slots_[at].firstOut; c != kNone; c = connections_[c].nextOut) {
      const std::uint32_t next = connections_[c].destination;
      if (slots_[next].mark != visitMark_) {
        slots_[next].mark = visitMark_;
        scratch_[depth++] = next;
      }
    }
  }
  return false;
}

ErrorCode AudioGraph::connect(std::uint32_t source, std::uint32_t destination, std::uint32_t sourcePort,
                              std::uint32_t destinationPort, float gain) noexcept {
  Slot* from = slotOf(source);
  Slot* to = slotOf(destination);
  if (from == nullptr || to == nullptr) return ErrorCode::UnknownNode;
  if (sourcePort > (from->entry->isChannelStrip ? 1U : 0U)) return ErrorCode::PortOutOfRange;
  if (destinationPort >= to->entry->inputs) return ErrorCode::PortOutOfRange;
  if (!std::isfinite(gain)) return ErrorCode::NonFiniteValue;
  if (gain < 0.0f || gain > kMaxConnectionGain) return ErrorCode::ValueOutOfRange;
  const std::uint32_t fromSlot = slotOfId_[source];
  const std::uint32_t toSlot = slotOfId_[destination];
  if (const std::uint32_t existing = findConnection(fromSlot, toSlot, sourcePort, destinationPort); existing != kNone) {
    connections_[existing].gain.setTarget(gain, connectionRampSamples_);
    return ErrorCode::None;
  }
  if (fromSlot == toSlot || reaches(toSlot, fromSlot)) return ErrorCode::CycleRefused;
  if (freeConnection_ == kNone) return ErrorCode::ConnectionPoolExhausted;

  const std::uint32_t index = freeConnection_;
  freeConnection_ = connections_[index].nextOut;
  Connection& connection = connections_[index];
  connection = Connection{};
  connection.used = true;
  connection.source = fromSlot;
  connection.destination = toSlot;
  connection.sourcePort = static_cast<std::uint8_t>(sourcePort);
  connection.destinationPort = static_cast<std::uint8_t>(destinationPort);
  connection.gain.reset(gain);
  // Appended at the tail of the destination's inputs, so inputs sum in connection order.
  std::uint32_t* tail = &to->firstIn;
  while (*tail != kNone) tail = &connections_[*tail].nextIn;
  *tail = index;
  connection.nextOut = from->firstOut;
  from->firstOut = index;
  structureDirty_ = soloDirty_ = true;
  return ErrorCode::None;
}

ErrorCode AudioGraph::disconnect(std::uint32_t source, std::uint32_t destination, std::uint32_t sourcePort,
                                 std::uint32_t destinationPort) noexcept {
  if (slotOf(source) == nullptr || slotOf(destination) == nullptr) return ErrorCode::UnknownNode;
  const std::uint32_t index = findConnection(slotOfId_[source], slotOfId_[destination], sourcePort, destinationPort);
  if (index == kNone) return ErrorCode::ConnectionNotFound;
  unlinkConnection(index);
  return ErrorCode::None;
}

namespace {

ErrorCode checkParam(const DeviceEntry& entry, std::uint32_t paramId, float value) noexcept {
  for (const auto& declaration : entry.params) {
    if (declaration.id != paramId) continue;
    if (!std::isfinite(value)) return ErrorCode::NonFiniteValue;
    if (value < declaration.min || value > declaration.max) return ErrorCode::ValueOutOfRange;
    return ErrorCode::None;
  }
  return ErrorCode::UnknownParam;
}

}  // namespace

ErrorCode AudioGraph::setParam(std::uint32_t nodeId, std::uint32_t paramId, float value) noexcept {
  Slot* slot = slotOf(nodeId);
  if (slot == nullptr) return ErrorCode::UnknownNode;
  if (const ErrorCode check = checkParam(*slot->entry, paramId, value); check != ErrorCode::None) return check;
  slot->device->setParam(paramId, value);
  if (const ErrorCode status = slot->device->status(); status != ErrorCode::None) return status;
  if (slot->entry->isChannelStrip &&
      (paramId == protocol::devices::ChannelStrip::solo || paramId == protocol::devices::ChannelStrip::soloSafe)) {
    soloDirty_ = true;
  }
  return ErrorCode::None;
}

ErrorCode AudioGraph::noteOn(std::uint32_t nodeId, std::uint8_t note, float velocity) noexcept {
  Slot* slot = slotOf(nodeId);
  if (slot == nullptr) return ErrorCode::UnknownNode;
  if (!slot->entry->isInstrument) return ErrorCode::NotAnInstrument;
  if (!std::isfinite(velocity)) return ErrorCode::NonFiniteValue;
  if (note > 127 || velocity < 0.0f || velocity > 1.0f) return ErrorCode::ValueOutOfRange;
  slot->device->noteOn(note, velocity);
  return ErrorCode::None;
}

ErrorCode AudioGraph::noteOff(std::uint32_t nodeId, std::uint8_t note) noexcept {
  Slot* slot = slotOf(nodeId);
  if (slot == nullptr) return ErrorCode::UnknownNode;
  if (!slot->entry->isInstrument) return ErrorCode::NotAnInstrument;
  if (note > 127) return ErrorCode::ValueOutOfRange;
  slot->device->noteOff(note);
  return ErrorCode::None;
}

ErrorCode AudioGraph::addAutomationPoint(std::uint32_t nodeId, std::uint32_t paramId, std::uint32_t position,
                                         float value, SegmentShape shape, float curvature) noexcept {
  Slot* slot = slotOf(nodeId);
  if (slot == nullptr) return ErrorCode::UnknownNode;
  if (const ErrorCode check = checkParam(*slot->entry, paramId, value); check != ErrorCode::None) return check;
  if (static_cast<std::uint8_t>(shape) > 2 || !(curvature >= -1.0f && curvature <= 1.0f)) return ErrorCode::ValueOutOfRange;
  if (!automation_->addPoint(nodeId, paramId, position, value, shape, curvature)) return ErrorCode::AutomationPoolExhausted;
  slot->automated = true;
  return ErrorCode::None;
}

ErrorCode AudioGraph::clearAutomation(std::uint32_t nodeId, std::uint32_t paramId) noexcept {
  Slot* slot = slotOf(nodeId);
  if (slot == nullptr) return ErrorCode::UnknownNode;
  automation_->clearLane(nodeId, paramId);
  slot->automated = automation_->hasLanes(nodeId);
  return ErrorCode::None;
}

void AudioGraph::rebuildOrder() noexcept {
  // 1. Which slots reach the master: depth-first search backwards along incoming connections.
  ++visitMark_;
  std::uint32_t depth = 0;
  scratch_[depth++] = masterSlot_;
  slots_[masterSlot_].mark = visitMark_;
  while (depth > 0) {
    const std::uint32_t at = scratch_[--depth];
    for (std::uint32_t c = slots_[at].firstIn; c != kNone; c = connections_[c].nextIn) {
      const std::uint32_t source = connections_[c].source;
      if (slots_[source].mark != visitMark_) {
        slots_[source].mark = visitMark_;
        scratch_[depth++] = source;
      }
    }
  }
  // 2. Kahn's algorithm over those slots. Ties resolve by slot index: the same edits give the same
  //    order in every build.
  const std::uint32_t reachable = visitMark_;
  orderCount_ = 0;
  for (std::uint32_t i = 0; i < kMaxLiveNodes; ++i) {
    Slot& slot = slots_[i];
    if (slot.device == nullptr || slot.mark != reachable) continue;
    slot.pendingInputs = 0;
    for (std::uint32_t c = slot.firstIn; c != kNone; c = connections_[c].nextIn) {
      if (slots_[connections_[c].source].mark == reachable) ++slot.pendingInputs;
    }
    if (slot.pendingInputs == 0) order_[orderCount_++] = i;
  }
  for (std::uint32_t next = 0; next < orderCount_; ++next) {
    for (std::uint32_t c = slots_[order_[next]].firstOut; c != kNone; c = connections_[c].nextOut) {
      Slot& destination = slots_[connections_[c].destination];
      if (destination.mark == reachable && --destination.pendingInputs == 0) {
        order_[orderCount_++] = connections_[c].destination;
      }
    }
  }
  structureDirty_ = false;
}

void AudioGraph::updateLatencies() noexcept {
  for (std::uint32_t n = 0; n < orderCount_; ++n) {
    Slot& slot = slots_[order_[n]];
    std::uint32_t arrival = 0;
    for (std::uint32_t c = slot.firstIn; c != kNone; c = connections_[c].nextIn) {
      const std::uint32_t upstream = slots_[connections_[c].source].outLatency;
      arrival = upstream > arrival ? upstream : arrival;
    }
    slot.arrival = arrival;
    slot.outLatency = arrival + slot.device->latencySamples();
    for (std::uint32_t c = slot.firstIn; c != kNone; c = connections_[c].nextIn) {
      const std::uint32_t compensation = arrival - slots_[connections_[c].source].outLatency;
      connections_[c].delay = compensation < kMaxCompensationFrames ? compensation : kMaxCompensationFrames;
    }
  }
  // Give a history line to every source that has a delayed connection, take back the rest.
  for (std::uint32_t n = 0; n < orderCount_; ++n) {
    Slot& slot = slots_[order_[n]];
    bool needsLine = false;
    for (std::uint32_t c = slot.firstOut; c != kNone; c = connections_[c].nextOut) needsLine |= connections_[c].delay > 0;
    if (needsLine && slot.line == kNone && freeLineCount_ > 0) {
      slot.line = freeLines_[--freeLineCount_];
      std::memset(lines_[slot.line].history, 0, sizeof(lines_[slot.line].history));
      lines_[slot.line].write = 0;
    } else if (!needsLine && slot.line != kNone) {
      freeLines_[freeLineCount_++] = slot.line;
      slot.line = kNone;
    }
  }
  totalLatency_ = slots_[masterSlot_].outLatency;
}

void AudioGraph::updateSolo() noexcept {
  soloDirty_ = false;
  bool anySolo = false;
  for (std::uint32_t n = 0; n < orderCount_; ++n) {
    const Slot& slot = slots_[order_[n]];
    anySolo |= slot.entry->isChannelStrip && static_cast<devices::ChannelStripNode*>(slot.device)->isSoloed();
  }
  // A strip stays audible when it is soloed or solo-safe, or when a soloed strip feeds it
  // (a bus) or is fed by it (the tracks of a soloed bus). Marks: 1 = downstream, 2 = upstream.
  const std::uint32_t downstream = ++visitMark_;
  const std::uint32_t upstream = ++visitMark_;
  for (std::uint32_t n = 0; n < orderCount_ && anySolo; ++n) {
    const std::uint32_t start = order_[n];
    Slot& slot = slots_[start];
    if (!slot.entry->isChannelStrip || !static_cast<devices::ChannelStripNode*>(slot.device)->isSoloed()) continue;
    for (const bool forward : {true, false}) {
      std::uint32_t depth = 0;
      scratch_[depth++] = start;
      while (depth > 0) {
        const std::uint32_t at = scratch_[--depth];
        const std::uint32_t first = forward ? slots_[at].firstOut : slots_[at].firstIn;
        for (std::uint32_t c = first; c != kNone; c = forward ? connections_[c].nextOut : connections_[c].nextIn) {
          const std::uint32_t next = forward ? connections_[c].destination : connections_[c].source;
          // Marks only grow, so a slot marked "upstream" is not walked again as "downstream" and
          // vice versa; both count as audible.
          if (slots_[next].mark < downstream) {
            slots_[next].mark = forward ? downstream : upstream;
            if (depth < kMaxLiveNodes) scratch_[depth++] = next;
          }
        }
      }
    }
  }
  for (std::uint32_t n = 0; n < orderCount_; ++n) {
    Slot& slot = slots_[order_[n]];
    if (!slot.entry->isChannelStrip) continue;
    auto* strip = static_cast<devices::ChannelStripNode*>(slot.device);
    const bool audible = !anySolo || strip->isSoloed() || strip->isSoloSafe() || slot.mark >= downstream ||
                         order_[n] == masterSlot_;
    strip->setSoloMuted(!audible);
  }
}

void AudioGraph::gatherInputs(Slot& slot, std::uint32_t begin, std::uint32_t frames, bool& audible,
                              bool& sidechainAudible, bool& sidechainConnected) noexcept {
  audible = sidechainAudible = sidechainConnected = false;
  if (slot.entry->inputs == 0) return;
  clearRegion(*slot.input, begin, frames);
  if (slot.entry->inputs > 1) clearRegion(*slot.sidechain, begin, frames);
  for (std::uint32_t c = slot.firstIn; c != kNone; c = connections_[c].nextIn) {
    Connection& connection = connections_[c];
    sidechainConnected |= connection.destinationPort == 1;
    const Slot& source = slots_[connection.source];
    const bool preFader = connection.sourcePort == 1;
    const bool sourceSilent = preFader ? source.preSilent : source.outputSilent;
    if ((sourceSilent && connection.delay == 0) || (connection.delay > 0 && source.line == kNone && sourceSilent)) {
      connection.gain.advance(frames);
      continue;
    }
    StereoBlock& into = connection.destinationPort == 1 ? *slot.sidechain : *slot.input;
    (connection.destinationPort == 1 ? sidechainAudible : audible) = true;
    float* left = into.left + begin;
    float* right = into.right + begin;
    if (connection.delay > 0 && source.line != kNone) {
      // The source already wrote this segment to its history; read `delay` frames further back.
      const CompensationLine& line = lines_[source.line];
      const std::uint32_t port = preFader ? 1 : 0;
      const std::uint32_t start = line.write - frames - connection.delay;
      for (std::uint32_t i = 0; i < frames; ++i) {
        const std::uint32_t at = (start + i) & (kHistoryFrames - 1);
        const float gain = connection.gain.next();
        left[i] += line.history[port][0][at] * gain;
        right[i] += line.history[port][1][at] * gain;
      }
      continue;
    }
    const StereoBlock& from = preFader ? *source.preFader : *source.output;
    const float* fromLeft = from.left + begin;
    const float* fromRight = from.right + begin;
    if (!connection.gain.isRamping() && connection.gain.current() == 1.0f) {
      for (std::uint32_t i = 0; i < frames; ++i) {
        left[i] += fromLeft[i];
        right[i] += fromRight[i];
      }
    } else {
      for (std::uint32_t i = 0; i < frames; ++i) {
        const float gain = connection.gain.next();
        left[i] += fromLeft[i] * gain;
        right[i] += fromRight[i] * gain;
      }
    }
  }
}

void AudioGraph::recordHistory(Slot& slot, std::uint32_t begin, std::uint32_t frames) noexcept {
  CompensationLine& line = lines_[slot.line];
  for (std::uint32_t i = 0; i < frames; ++i) {
    const std::uint32_t at = (line.write + i) & (kHistoryFrames - 1);
    line.history[0][0][at] = slot.output->left[begin + i];
    line.history[0][1][at] = slot.output->right[begin + i];
    line.history[1][0][at] = slot.preFader->left[begin + i];
    line.history[1][1][at] = slot.preFader->right[begin + i];
  }
  line.write += frames;
}

void AudioGraph::processNode(Slot& slot, ProcessContext& context, std::uint64_t timeline, bool playing) noexcept {
  if (!slot.automated || !playing) {
    slot.device->process(context);
    return;
  }
  // Automation: the node's automated parameters are re-targeted at least every
  // kAutomationChunkFrames, each time to ramp to the envelope's value at the chunk's last sample,
  // so a linear segment comes out exact sample by sample. A breakpoint gets a one-frame chunk of
  // its own: the parameter is exactly at the point's value on the point's sample, and a step (the
  // end of a hold segment) happens there and nowhere else. So does the first frame after the
  // timeline jumped (play, seek, loop): automation does not glide from where it was.
  const std::uint32_t end = context.begin + context.frames;
  const std::uint32_t segmentBegin = context.begin;
  const auto timelineAt = [&](std::uint32_t frame) { return timeline + (frame - segmentBegin); };
  std::uint32_t chunkBegin = context.begin;
  while (chunkBegin < end) {
    const std::uint64_t position = timelineAt(chunkBegin);
    const std::uint32_t gridEnd = (chunkBegin / kAutomationChunkFrames + 1) * kAutomationChunkFrames;
    const std::uint32_t limit = gridEnd < end ? gridEnd : end;
    std::uint32_t chunkEnd = limit;
    const bool jumped = position != slot.automationNext;  // start, seek or loop: no ramp from before
    if (jumped || (position > 0 && automation_->nextBreakpoint(slot.nodeId, position - 1, position + 1) == position)) {
      chunkEnd = chunkBegin + 1;  // a breakpoint or a jump: its own frame, at the exact value
    } else {
      const std::uint64_t next = automation_->nextBreakpoint(slot.nodeId, position, timelineAt(limit));
      chunkEnd = static_cast<std::uint32_t>(segmentBegin + (next - timeline));
    }
    const std::uint32_t frames = chunkEnd - chunkBegin;
    automation_->evaluate(slot.nodeId, timelineAt(chunkEnd - 1), [&](std::uint32_t paramId, float value) {
      slot.device->automateParam(paramId, value, frames);
    });
    context.begin = chunkBegin;
    context.frames = frames;
    context.timeline = timelineAt(chunkBegin);
    slot.device->process(context);
    slot.automationNext = timelineAt(chunkEnd);
    chunkBegin = chunkEnd;
  }
  context.begin = segmentBegin;
  context.frames = end - segmentBegin;
  context.timeline = timeline;
}

void AudioGraph::process(std::uint32_t begin, std::uint32_t frames, std::uint64_t timeline, bool playing,
                         double beatsPerMinute) noexcept {
  if (structureDirty_) rebuildOrder();
  if (soloDirty_) updateSolo();
  if (begin == 0) updateLatencies();  // latencies may follow parameters: once per quantum

  std::uint32_t processed = 0;
  for (std::uint32_t n = 0; n < orderCount_; ++n) {
    Slot& slot = slots_[order_[n]];
    bool audible = false;
    bool sidechainAudible = false;
    bool sidechainConnected = false;
    gatherInputs(slot, begin, frames, audible, sidechainAudible, sidechainConnected);
    const bool isStrip = slot.entry->isChannelStrip;
    ProcessContext context{slot.entry->inputs > 0 ? slot.input : nullptr,
                           sidechainConnected ? slot.sidechain : nullptr,
                           slot.output,
                           isStrip ? slot.preFader : nullptr,
                           begin,
                           frames,
                           beatsPerMinute,
                           timeline,
                           playing};
    const bool inputSilent = !audible && !sidechainAudible;
    if (inputSilent && !slot.device->isSource() && slot.outputSilent && slot.preSilent && !slot.automated &&
        slot.silentRun >= slot.device->tailFrames()) {
      // Silent in, silent out, tail over: nothing to compute.
      clearRegion(*slot.output, begin, frames);
      if (isStrip) clearRegion(*slot.preFader, begin, frames);
      slot.device->skip(context);
    } else {
      processNode(slot, context, timeline, playing);
      ++processed;
      slot.outputSilent = regionIsSilent(slot.output->left + begin, frames) && regionIsSilent(slot.output->right + begin, frames);
      slot.preSilent = !isStrip || (regionIsSilent(slot.preFader->left + begin, frames) &&
                                    regionIsSilent(slot.preFader->right + begin, frames));
      slot.silentRun = inputSilent && slot.outputSilent && slot.preSilent ? slot.silentRun + frames : 0;
    }
    if (slot.line != kNone) recordHistory(slot, begin, frames);
  }
  processedLastSegment_ = processed;
}

}  // namespace amplitude::graph
