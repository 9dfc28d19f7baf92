// The WebAssembly face of the engine: three C functions the AudioWorklet calls.
//
// The module is built standalone (no JavaScript glue) and imports a shared, fixed-size memory.
// Only the worklet instantiates it: amp_prepare() once from the processor's constructor,
// amp_render_quantum() once per process() call. The UI's main thread never calls in (two
// instances would share one stack region); it reads amp_layout()'s table, which the worklet
// sends it once, and from then on only touches the ring and the state view with Atomics.
#include <amplitude/Engine.h>

#include <cstdint>

namespace {

amplitude::SharedRegion gShared;
amplitude::Engine gEngine{gShared};
amplitude::protocol::EngineLayoutTable gLayout;

std::uint32_t addressOf(const void* pointer) {
  return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(pointer));
}

}  // namespace

extern "C" {

/// Non-real-time (processor constructor). Returns the address of the EngineLayoutTable.
__attribute__((export_name("amp_prepare"))) std::uint32_t amp_prepare(double sampleRate) {
  gEngine.prepare(sampleRate);
  gLayout.schemaVersion = amplitude::protocol::kSchemaVersion;
  gLayout.ringControlAddress = addressOf(&gShared.ringControl);
  gLayout.ringRecordsAddress = addressOf(gShared.ringRecords);
  gLayout.stateViewAddress = addressOf(&gShared.stateView);
  for (std::uint32_t channel = 0; channel < amplitude::protocol::kOutputChannels; ++channel) {
    gLayout.outputAddress[channel] = addressOf(gShared.output[channel]);
  }
  gLayout.framesPerQuantum = amplitude::protocol::kFramesPerQuantum;
  gLayout.ringCapacity = amplitude::protocol::kCommandRingCapacity;
  gLayout.channelMetersAddress = addressOf(&gShared.channelMeters);
  gLayout.tempoTableAddress = addressOf(&gShared.tempoTable);
  gLayout.clipTableAddress = addressOf(&gShared.clipTable);
  gLayout.sampleTableAddress = addressOf(&gShared.sampleTable);
  gLayout.sampleHeapAddress = addressOf(gShared.sampleHeap);
  gLayout.sampleHeapBytes = amplitude::protocol::kSampleHeapBytes;
  return addressOf(&gLayout);
}

/// Audio thread (process()). Renders one quantum into the output addresses of the layout table.
__attribute__((export_name("amp_render_quantum"))) void amp_render_quantum() { gEngine.renderQuantum(); }

}
