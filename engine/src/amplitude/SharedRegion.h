// SharedRegion: everything the engine shares with the UI, in one block of the engine's memory.
//
// In the browser this block sits inside the WebAssembly module's shared memory, so the UI's main
// thread reaches it through typed-array views (the addresses come from amp_layout()). Natively a
// test or host owns one and gives it to the Engine. Layouts come from the protocol schema.
#pragma once

#include <amplitude/protocol/Protocol.generated.h>

#include <cstddef>

namespace amplitude {

struct SharedRegion {
  protocol::CommandRingControl ringControl{};
  protocol::CommandRecord ringRecords[protocol::kCommandRingCapacity]{};
  protocol::StateView stateView{};
  protocol::ChannelMeters channelMeters{};
  /// The engine writes one quantum here per renderQuantum(); the host copies it out.
  alignas(16) float output[protocol::kOutputChannels][protocol::kFramesPerQuantum]{};
  /// Samples: the UI describes them here and writes their PCM into sampleHeap; the engine reads.
  protocol::SampleTable sampleTable{};
  /// Audio clips the UI describes for PlaceClip (the engine copies an entry when it is placed).
  protocol::ClipTable clipTable{};
  /// The tempo map the UI resolves to samples for CommitTempoMap.
  protocol::TempoTable tempoTable{};
  alignas(16) std::byte sampleHeap[protocol::kSampleHeapBytes]{};
};

}  // namespace amplitude
