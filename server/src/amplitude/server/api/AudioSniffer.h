#pragma once
// Recognises audio files by their bytes, never by name or Content-Type: magic numbers plus a
// minimal check of the first header, enough to refuse a text file renamed .wav.
#include <optional>
#include <string_view>

namespace amplitude::server::api {

struct AudioFormat {
  std::string_view name;      ///< "wav", "aiff", "flac", "mp3", "ogg-vorbis", "ogg-opus"
  std::string_view mimeType;  ///< served back on download
};

/// `head` is the start of the file (4 KiB is plenty); nullopt when it is not audio we accept.
std::optional<AudioFormat> sniffAudio(std::string_view head);

/// The MIME type for a format name as stored (falls back to application/octet-stream).
std::string_view mimeTypeOfAudioFormat(std::string_view name);

}  // namespace amplitude::server::api
