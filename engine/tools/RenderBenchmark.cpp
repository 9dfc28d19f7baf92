// amplitude-render-benchmark: times the native engine rendering QUANTA quanta of the boot patch
// (a band-limited saw through the output gain, with a parameter change every quantum), and prints
// one JSON line. bench/run.mjs runs it next to the WebAssembly builds, interleaved.
//   amplitude-render-benchmark [QUANTA]
#include <amplitude/Engine.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

int main(int argc, char** argv) {
  using namespace amplitude;
  const long quanta = argc > 1 ? std::atol(argv[1]) : 20000;
  if (quanta <= 0) {
    std::fprintf(stderr, "usage: amplitude-render-benchmark [QUANTA > 0]\n");
    return 2;
  }
  auto shared = std::make_unique<SharedRegion>();
  auto engine = std::make_unique<Engine>(*shared);
  rt::CommandRing ring(shared->ringControl, shared->ringRecords);
  engine->prepare(48000.0);

  protocol::CommandRecord record;
  auto send = [&](protocol::CommandBody body, std::uint32_t sequence, std::uint32_t offset) {
    protocol::encodeCommand({sequence, offset, body}, record);
    ring.tryPush(record);
  };
  send(protocol::SetParam{protocol::boot_patch::kOscillatorNodeId, protocol::devices::Oscillator::waveform, 1.0f}, 1, 0);
  send(protocol::Play{}, 2, 0);

  float checksum = 0.0f;  // keeps the optimiser from discarding the work
  const auto start = std::chrono::steady_clock::now();
  for (long q = 0; q < quanta; ++q) {
    send(protocol::SetParam{protocol::boot_patch::kOscillatorNodeId, 0, 100.0f + static_cast<float>(q % 1000)},
         static_cast<std::uint32_t>(q + 3), static_cast<std::uint32_t>(q % 128));
    engine->renderQuantum();
    checksum += engine->output(0)[q % 128];
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  std::printf("{\"quanta\":%ld,\"nanoseconds\":%lld,\"checksum\":%g}\n", quanta,
              static_cast<long long>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()),
              static_cast<double>(checksum));
  return 0;
}
