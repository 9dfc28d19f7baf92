// libFuzzer target: arbitrary bytes, cut into 32-byte records, go through the real command ring
// into a playing engine. Whatever the bytes (graph edits included), the engine must not crash
// (ASan/UBSan watch), must account for every record (applied + rejected == pushed), and must keep
// its output finite and within Engine::kOutputLimit.
//
//   build/fuzz/engine/amplitude_command_record_fuzzer -max_total_time=60   (longer runs on demand)
#include <amplitude/Engine.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace {

using namespace amplitude;

struct FuzzHost {
  std::unique_ptr<SharedRegion> shared = std::make_unique<SharedRegion>();
  Engine engine{*shared};
  rt::CommandRing ring{shared->ringControl, shared->ringRecords};
};

void check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static FuzzHost* host = [] {
    auto* created = new FuzzHost;  // built and prepared once; reset() between inputs
    created->engine.prepare(48000.0);
    return created;
  }();
  host->engine.reset();
  host->shared->ringControl.readIndex.store(0);
  host->shared->ringControl.writeIndex.store(0);

  // Start playing so parameter records change audible state.
  protocol::CommandRecord record;
  protocol::encodeCommand({0, 0, protocol::Play{}}, record);
  host->ring.tryPush(record);
  std::uint32_t pushed = 1;

  const std::size_t records = size / protocol::kCommandRecordSize;
  for (std::size_t i = 0; i < records; ++i) {
    std::memcpy(record.bytes, data + i * protocol::kCommandRecordSize, protocol::kCommandRecordSize);
    if (host->ring.tryPush(record)) ++pushed;
    if (i % 7 == 6) host->engine.renderQuantum();  // interleave rendering with arrivals
  }
  for (int q = 0; q < 4; ++q) host->engine.renderQuantum();

  const auto state = rt::StatePublisher::read(host->shared->stateView);
  check(state.commandsApplied + state.commandsRejected == pushed);
  for (std::uint32_t channel = 0; channel < protocol::kOutputChannels; ++channel) {
    for (std::uint32_t i = 0; i < protocol::kFramesPerQuantum; ++i) {
      const float sample = host->engine.output(channel)[i];
      check(std::isfinite(sample) && std::fabs(sample) <= Engine::kOutputLimit);
    }
  }
  return 0;
}
