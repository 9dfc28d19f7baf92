// ZipArchive: the two things DAWproject needs from a ZIP file, over libzip, with limits.
// ZipReader opens an archive held in memory and reads whole entries, refusing any entry whose
// declared or actual uncompressed size passes the limits (so a ZIP bomb costs at most the limit).
// ZipWriter builds an archive in memory.
#pragma once

#include <amplitude/io/dawproject/DawProject.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

struct zip;
struct zip_source;

namespace amplitude::io::dawproject {

class ZipReader {
 public:
  /// Throws DawProjectError when the bytes are not a ZIP archive libzip can read.
  ZipReader(std::span<const std::byte> bytes, const ArchiveLimits& limits);
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  bool contains(const std::string& name) const;
  /// The whole entry; nullopt when there is none of that name. Throws when it is over
  /// `maxBytes` (or the archive's limits) or cannot be inflated.
  std::optional<std::vector<std::byte>> read(const std::string& name, std::uint64_t maxBytes);

 private:
  struct ::zip* archive_ = nullptr;
  ArchiveLimits limits_;
  std::uint64_t totalRead_ = 0;
};

class ZipWriter {
 public:
  ZipWriter();
  ~ZipWriter();
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;

  /// `compress`: deflate (text) or store (audio, already dense).
  void add(const std::string& name, std::vector<std::byte> bytes, bool compress);
  /// Closes the archive and returns its bytes; the writer is spent.
  std::vector<std::byte> finish();

 private:
  struct ::zip_source* source_ = nullptr;
  struct ::zip* archive_ = nullptr;
  std::vector<std::unique_ptr<std::vector<std::byte>>> buffers_;  // alive until zip_close reads them
};

}  // namespace amplitude::io::dawproject
