// WavFile: reading and writing RIFF/WAVE audio, outside the real-time path (the offline renderer,
// the server's render service, tests).
//
// Reading accepts what real tools write: PCM 8/16/24/32-bit and IEEE float 32/64, plain or
// WAVE_FORMAT_EXTENSIBLE, with any other chunks (LIST, fact, bext...) skipped, odd-sized chunks
// padded. Every size field is checked against the bytes actually there before it is trusted, so
// a truncated or hostile file is an error naming the problem, never a crash or a huge allocation.
// Writing: 16/24-bit PCM with seeded TPDF dither (the same input always gives the same bytes) or
// 32-bit float; samples beyond full scale are clipped for PCM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace amplitude::io {

struct AudioData {
  std::uint32_t sampleRate = 48000;
  std::uint32_t channels = 2;
  std::vector<float> interleaved;  ///< frames * channels samples, -1..1 nominal
  std::size_t frames() const noexcept { return channels == 0 ? 0 : interleaved.size() / channels; }
};

struct WavError {
  std::string message;
};

enum class WavFormat { Pcm16, Pcm24, Float32 };

/// Parses a whole WAV file. `maxFrames` bounds what a file may make us allocate.
std::variant<AudioData, WavError> readWav(std::span<const std::byte> file, std::size_t maxFrames = std::size_t{1} << 31);

/// Encodes `audio` as a WAV file. `ditherSeed` seeds the TPDF dither of PCM formats.
std::vector<std::byte> writeWav(const AudioData& audio, WavFormat format, std::uint64_t ditherSeed = 1);

}  // namespace amplitude::io
