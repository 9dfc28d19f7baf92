// A native host for engine tests: owns the shared region, pushes commands through the real ring,
// and collects rendered quanta.
#pragma once

#include <amplitude/Engine.h>

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace amplitude::test {

class EngineHarness {
 public:
  explicit EngineHarness(double sampleRate = 48000.0)
      : shared_(std::make_unique<SharedRegion>()),
        engine_(std::make_unique<Engine>(*shared_)),
        ring_(shared_->ringControl, shared_->ringRecords) {
    engine_->prepare(sampleRate);
  }

  /// Pushes a command that takes effect at `sampleOffset` in the next rendered quantum.
  void send(protocol::CommandBody body, std::uint32_t sampleOffset = 0) {
    protocol::CommandRecord record;
    protocol::encodeCommand({nextSequence_++, sampleOffset, body}, record);
    ASSERT_TRUE(ring_.tryPush(record));
  }

  void sendRaw(const protocol::CommandRecord& record) { ASSERT_TRUE(ring_.tryPush(record)); }

  void setGainDecibels(float decibels, std::uint32_t sampleOffset = 0) {
    send(protocol::SetParam{protocol::boot_patch::kOutputGainNodeId, protocol::devices::Gain::gain, decibels}, sampleOffset);
  }

  void setFrequency(float hz, std::uint32_t sampleOffset = 0) {
    send(protocol::SetParam{protocol::boot_patch::kOscillatorNodeId, protocol::devices::Oscillator::frequency, hz}, sampleOffset);
  }

  /// Renders `quanta` quanta and returns the left channel; checks right == left on the way.
  std::vector<float> render(std::size_t quanta) {
    std::vector<float> left;
    left.reserve(quanta * Engine::kFramesPerQuantum);
    for (std::size_t q = 0; q < quanta; ++q) {
      engine_->renderQuantum();
      for (std::uint32_t i = 0; i < Engine::kFramesPerQuantum; ++i) {
        left.push_back(engine_->output(0)[i]);
        if (engine_->output(1)[i] != engine_->output(0)[i]) ++channelMismatches_;
      }
    }
    return left;
  }

  rt::PublishedState state() const { return rt::StatePublisher::read(shared_->stateView); }
  std::uint32_t lastSequence() const { return nextSequence_ - 1; }
  std::size_t channelMismatches() const { return channelMismatches_; }
  Engine& engine() { return *engine_; }

 private:
  std::unique_ptr<SharedRegion> shared_;
  std::unique_ptr<Engine> engine_;
  rt::CommandRing ring_;
  std::uint32_t nextSequence_ = 1;
  std::size_t channelMismatches_ = 0;
};

}  // namespace amplitude::test
