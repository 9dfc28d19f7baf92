// AudioGraph: the directed acyclic graph of device nodes the engine renders every quantum.
//
// Real-time design (every method here runs on the audio thread and is bounded):
// - Nodes come from fixed pools (NodePool), connections from a fixed pool threaded into per-node
//   incoming/outgoing lists, automation from fixed pools (AutomationLanes). Nothing allocates
//   after prepare().
// - A structural edit (add, remove, connect, disconnect) only marks the graph dirty; the next
//   segment rebuilds the render order once, O(nodes + connections): the nodes that reach the
//   master, in topological order. Nodes that do not reach the master are never processed.
// - A connection that would close a cycle is refused (depth-first search from its destination,
//   with a fixed stack) and reported with CycleRefused; the graph keeps playing.
// - Silence: a node whose inputs are all silent and whose last output was silent is skipped (its
//   tail has ended, exact zeros thanks to denormal flushing), and silent outputs are not summed.
// - Latency compensation: every node reports its latency; each node's input arrival latency is
//   the largest of its sources', and every connection from an earlier path is delayed by the
//   difference (read from the source's output history), so parallel paths meet aligned at every
//   summing point and at the master. The master's total is published for the UI.
// - Solo: when any channel strip is soloed, strips that are neither soloed, solo-safe, upstream
//   nor downstream of a soloed strip are muted (with the strip's mute fade).
#pragma once

#include <amplitude/graph/Automation.h>
#include <amplitude/graph/Node.h>
#include <amplitude/graph/NodePool.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>

namespace amplitude::graph {

class AudioGraph {
 public:
  static constexpr std::uint32_t kMaxNodeId = protocol::kMaxNodeId;
  static constexpr std::uint32_t kMasterNodeId = protocol::kMasterNodeId;
  /// Nodes alive at once (the device pools bound each kind further).
  static constexpr std::uint32_t kMaxLiveNodes = 2048;
  /// Quantum buffers shared by the nodes: ~2 per node on average (output, input; sidechain and
  /// pre-fader where a device has them), 1 KiB each.
  static constexpr std::uint32_t kMaxBlocks = 4096;
  static constexpr std::uint32_t kMaxConnections = protocol::kMaxConnections;
  /// Longest delay latency compensation can add to a path (82 ms at 48 kHz).
  static constexpr std::uint32_t kMaxCompensationFrames = 4096 - kQuantumFrames;
  static constexpr std::uint32_t kCompensationLines = 64;
  /// Automated parameters are re-targeted at least this often (and at every breakpoint).
  static constexpr std::uint32_t kAutomationChunkFrames = 16;

  /// `devices` lists every device type the engine offers (the master uses the ChannelStrip entry).
  explicit AudioGraph(std::span<const DeviceEntry> devices);
  ~AudioGraph();
  AudioGraph(const AudioGraph&) = delete;
  AudioGraph& operator=(const AudioGraph&) = delete;

  /// Non-real-time: prepares every pool, empties the graph and creates the master.
  void prepare(double sampleRate);

  /// Audio thread: removes every node but the master (reset to its defaults) and all automation.
  /// Bounded by the pools' sizes; nothing is allocated or freed.
  void clear() noexcept;

  // Edits. Audio thread, between segments. Each returns ErrorCode::None or why nothing changed.
  protocol::ErrorCode addNode(std::uint32_t nodeId, std::uint32_t deviceType) noexcept;
  protocol::ErrorCode removeNode(std::uint32_t nodeId) noexcept;
  protocol::ErrorCode connect(std::uint32_t source, std::uint32_t destination, std::uint32_t sourcePort,
                              std::uint32_t destinationPort, float gain) noexcept;
  protocol::ErrorCode disconnect(std::uint32_t source, std::uint32_t destination, std::uint32_t sourcePort,
                                 std::uint32_t destinationPort) noexcept;
  protocol::ErrorCode setParam(std::uint32_t nodeId, std::uint32_t paramId, float value) noexcept;
  protocol::ErrorCode noteOn(std::uint32_t nodeId, std::uint8_t note, float velocity) noexcept;
  protocol::ErrorCode noteOff(std::uint32_t nodeId, std::uint8_t note) noexcept;
  protocol::ErrorCode addAutomationPoint(std::uint32_t nodeId, std::uint32_t paramId, std::uint32_t position,
                                         float value, SegmentShape shape, float curvature) noexcept;
  protocol::ErrorCode clearAutomation(std::uint32_t nodeId, std::uint32_t paramId) noexcept;

  /// Renders frames [begin, begin + frames) of the quantum. `timeline` is the transport position
  /// of frame `begin`; automation plays only while `playing`.
  void process(std::uint32_t begin, std::uint32_t frames, std::uint64_t timeline, bool playing,
               double beatsPerMinute) noexcept;

  const StereoBlock& masterOutput() const noexcept;
  /// Samples by which the master output lags its sources (the worst path, after compensation).
  std::uint32_t totalLatency() const noexcept { return totalLatency_; }
  /// Nodes processed in the last segment (the rest were skipped as silent or unreachable).
  std::uint32_t processedLastSegment() const noexcept { return processedLastSegment_; }

  /// Every live node of one device type, in id order (no allocation: a plain callback).
  void forEachNodeOfType(std::uint32_t deviceType, void (*visit)(Node& node, void* context), void* context) noexcept;

  Node* node(std::uint32_t nodeId) noexcept;
  /// Whether `nodeId` is a live instrument (plays notes).
  bool isInstrument(std::uint32_t nodeId) const noexcept;
  /// Releases the notes of every live instrument.
  void allNotesOff() noexcept;

  /// The channel strips that reach the master, in render order (the master last), with their
  /// node ids: what the mixer's meters show.
  void forEachChannelStrip(void (*visit)(std::uint32_t nodeId, Node& strip, void* context), void* context) noexcept;

 private:
  static constexpr std::uint32_t kNone = 0xffffffffU;
  struct Slot;
  struct Connection;
  struct CompensationLine;

  const DeviceEntry* findDevice(std::uint32_t type) const noexcept;
  Slot* slotOf(std::uint32_t nodeId) noexcept;
  std::uint32_t findConnection(std::uint32_t source, std::uint32_t destination, std::uint32_t sourcePort,
                               std::uint32_t destinationPort) const noexcept;
  bool reaches(std::uint32_t fromSlot, std::uint32_t toSlot) noexcept;
  void unlinkConnection(std::uint32_t index) noexcept;
  void rebuildOrder() noexcept;
  void updateLatencies() noexcept;
  void updateSolo() noexcept;
  void gatherInputs(Slot& slot, std::uint32_t begin, std::uint32_t frames, bool& audible, bool& sidechainAudible,
                    bool& sidechainConnected) noexcept;
  void processNode(Slot& slot, ProcessContext& context, std::uint64_t timeline, bool playing) noexcept;
  void recordHistory(Slot& slot, std::uint32_t begin, std::uint32_t frames) noexcept;

  std::span<const DeviceEntry> devices_;
  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<std::uint32_t[]> freeSlots_;
  std::uint32_t freeSlotCount_ = 0;
  std::unique_ptr<StereoBlock[]> blocks_;
  std::unique_ptr<std::uint32_t[]> freeBlocks_;
  std::uint32_t freeBlockCount_ = 0;
  StereoBlock silence_{};  ///< what a device without a pre-fader output offers there: never written
  std::unique_ptr<std::uint32_t[]> slotOfId_;  // kMaxNodeId + 1 entries
  std::unique_ptr<Connection[]> connections_;
  std::uint32_t freeConnection_ = kNone;
  std::unique_ptr<CompensationLine[]> lines_;
  std::uint32_t freeLineCount_ = 0;
  std::array<std::uint32_t, kCompensationLines> freeLines_{};
  std::unique_ptr<AutomationLanes> automation_;

  // Render order: slots that reach the master, sources first.
  std::unique_ptr<std::uint32_t[]> order_;
  std::uint32_t orderCount_ = 0;
  std::unique_ptr<std::uint32_t[]> scratch_;  // DFS stack and Kahn queue
  bool structureDirty_ = true;
  bool soloDirty_ = true;
  std::uint32_t totalLatency_ = 0;
  std::uint32_t processedLastSegment_ = 0;
  std::uint32_t masterSlot_ = kNone;
  std::uint32_t visitMark_ = 0;
  std::uint32_t connectionRampSamples_ = 480;
};

}  // namespace amplitude::graph
