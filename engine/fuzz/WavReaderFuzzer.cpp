// libFuzzer target: arbitrary bytes as a WAV file. The reader must return audio or a WavError,
// never crash (ASan/UBSan watch), never allocate beyond its frame bound, and what it returns must
// be consistent (whole frames, finite samples).
#include <amplitude/io/WavFile.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto result = amplitude::io::readWav(std::as_bytes(std::span(data, size)), std::size_t{1} << 20);
  if (const auto* audio = std::get_if<amplitude::io::AudioData>(&result)) {
    if (audio->channels == 0 || audio->interleaved.size() % audio->channels != 0) __builtin_trap();
    for (const float sample : audio->interleaved) {
      if (!std::isfinite(sample)) __builtin_trap();
    }
  } else if (std::get<amplitude::io::WavError>(result).message.empty()) {
    __builtin_trap();  // every refusal says why
  }
  return 0;
}
