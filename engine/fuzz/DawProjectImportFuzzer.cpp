// libFuzzer target: the DAWproject importer on hostile input, through both of its doors.
// The first byte picks the door: even, the rest is the whole .dawproject (ZIP) as given; odd,
// the rest is project.xml text, zipped here with a small WAV beside it, so mutations reach the
// XML reader and the converter (mutating inside a ZIP mostly breaks its checksums).
// The importer must return a valid document or throw DawProjectError with a message: never
// crash (ASan/UBSan watch), never throw anything else, never write a file.
#include <amplitude/io/WavFile.h>
#include <amplitude/io/dawproject/DawProject.h>
#include <amplitude/io/dawproject/ZipArchive.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace dawproject = amplitude::io::dawproject;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  dawproject::ImportOptions options;  // no assets directory: nothing is written
  options.timestamp = "2026-01-01T00:00:00.000Z";
  options.limits.maxEntryBytes = 1 << 20;
  options.limits.maxTotalBytes = 4 << 20;
  std::vector<std::byte> archive;
  const auto body = std::as_bytes(std::span(data + 1, size - 1));
  if (data[0] % 2 == 0) {
    archive.assign(body.begin(), body.end());
  } else {
    dawproject::ZipWriter writer;
    writer.add("project.xml", {body.begin(), body.end()}, true);
    amplitude::io::AudioData tone{48000, 1, std::vector<float>(64, 0.25f)};
    writer.add("audio/a.wav", amplitude::io::writeWav(tone, amplitude::io::WavFormat::Pcm16), false);
    archive = writer.finish();
  }
  try {
    const auto result = dawproject::importDawProject(archive, options);
    if (result.document.tracks.empty()) __builtin_trap();  // a valid document has its master
  } catch (const dawproject::DawProjectError& error) {
    if (std::string_view(error.what()).empty()) __builtin_trap();  // every refusal says why
  }
  return 0;
}
