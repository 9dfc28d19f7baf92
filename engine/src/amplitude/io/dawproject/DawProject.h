// DAWproject (https://github.com/bitwig/dawproject) import and export: a .dawproject is a ZIP
// holding project.xml (the song), metadata.xml (title, artist...) and the files the song refers
// to (audio, plug-in states). This converts between it and the Amplitude project document.
//
// Native only (library amplitude_dawproject: pugixml, libzip, libsodium); never part of the engine
// that is compiled to WebAssembly. Not real-time: it allocates and reads/writes whole files.
//
// Errors: anything that makes the file unusable (not a ZIP, no project.xml, malformed XML, a clip
// whose audio file is missing, a value that cannot be read, an entry over the size limits) throws
// DawProjectError with a message naming the entry, the element and its line, and the attribute.
// What can be imported only approximately (time-stretched audio, unsupported device settings...)
// is imported as well as it can be and listed in `warnings`.
#pragma once

#include <amplitude/project/ProjectDocument.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace amplitude::io::dawproject {

struct DawProjectError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Bounds on what a (possibly hostile) archive may make us read: a ZIP bomb is refused by its
/// declared sizes, and by the bytes actually inflated when the declaration lies.
struct ArchiveLimits {
  std::uint64_t maxEntryBytes = std::uint64_t{1} << 30;   ///< one uncompressed entry (an audio file)
  std::uint64_t maxTotalBytes = std::uint64_t{4} << 30;   ///< everything read from one archive
  std::uint64_t maxXmlBytes = std::uint64_t{64} << 20;    ///< project.xml, metadata.xml
  std::uint64_t maxEntries = 100000;                      ///< entries in the central directory
};

struct ImportOptions {
  /// Where the audio files go, as <sha256>.<ext> (what amplitude-render --assets finds); empty:
  /// the audio is read for its facts (sha256, rate, frames) but written nowhere.
  std::filesystem::path assetsDirectory;
  /// Used when the archive has no metadata.xml title.
  std::string fallbackName = "Imported project";
  /// created/modified of the new document (UTC, "2026-01-01T00:00:00.000Z"); empty: now.
  std::string timestamp;
  /// The project's sample rate when it has no WAV file to take it from.
  std::int64_t defaultSampleRate = 48000;
  ArchiveLimits limits;
};

struct ImportResult {
  project::ProjectDocument document;  ///< valid (schema and rules checked)
  std::vector<std::string> warnings;  ///< what was imported approximately or left out
};

ImportResult importDawProject(std::span<const std::byte> archive, const ImportOptions& options = {});
ImportResult importDawProjectFile(const std::filesystem::path& path, const ImportOptions& options = {});

struct ExportOptions {
  /// Where the document's assets are: <sha256>.wav, <sha256>, <id>.wav or the asset's name.
  std::filesystem::path assetsDirectory;
};

struct ExportResult {
  std::vector<std::byte> archive;     ///< the .dawproject (ZIP) bytes
  std::string projectXml;             ///< the project.xml inside it
  std::vector<std::string> warnings;  ///< what DAWproject cannot say and was left out
};

ExportResult exportDawProject(const project::ProjectDocument& document, const ExportOptions& options = {});
/// Writes the archive to `path` too.
ExportResult exportDawProjectFile(const project::ProjectDocument& document, const std::filesystem::path& path,
                                  const ExportOptions& options = {});

}  // namespace amplitude::io::dawproject
