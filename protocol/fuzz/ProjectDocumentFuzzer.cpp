// libFuzzer target: arbitrary bytes as a project document's text. Whatever the bytes, the reader
// must not crash, hang or trip ASan/UBSan; it must answer with a document or with 1..kMaxErrors
// errors, never both; it must never fail in its own conversion (that would mean the schema and
// the generated structs disagree); and a document it accepts must serialize to text it accepts
// again as an equal document, whose tempo map gives finite times.
//
//   build/fuzz/protocol/amplitude_project_document_fuzzer -max_len=65536 -max_total_time=60 CORPUS
// Seed the corpus with protocol/project/examples/*.json and examples/migrations/*.json.
#include <amplitude/project/ProjectDocument.h>
#include <amplitude/project/TempoMap.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

void check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace project = amplitude::project;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const project::ParseResult result = project::parseProjectText(text);
  check(result.ok() == result.errors.empty());
  check(result.errors.size() <= project::kMaxErrors);
  for (const std::string& error : result.errors) {
    check(!error.empty());
    check(error.find("could not be converted after validation") == std::string::npos);
  }
  if (!result.ok()) return 0;

  const project::ParseResult again = project::parseProjectText(project::serializeProject(*result.document));
  check(again.ok() && *again.document == *result.document);

  const project::TempoMap tempo(result.document->transport.tempoChanges);
  const project::MeterMap meter(result.document->transport.timeSignatureChanges);
  for (const auto& marker : result.document->markers) {
    check(std::isfinite(tempo.secondsAtBeat(marker.beat)));
    check(std::isfinite(meter.barAtBeat(marker.beat).beatInBar));
  }
  return 0;
}
