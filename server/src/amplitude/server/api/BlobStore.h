#pragma once
// Content-addressed storage of uploaded audio: a file's name is the SHA-256 of its bytes, so the
// same bytes uploaded twice are stored once and a stored file never changes (its ETag is its
// hash, forever). Uploads are streamed into tmp/ first and renamed into blobs/ when complete,
// so a reader never sees a partial file.
//
// Layout under the root:  tmp/upload-<random>   blobs/<first 2 hex>/<64 hex>
// Thread rules: blocking file I/O; call from the worker pool. Thread-safe (rename is atomic).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace amplitude::server::api {

class BlobStore {
public:
  /// Creates the directories and empties tmp/ (leftovers of a crash).
  explicit BlobStore(const std::filesystem::path& root);

  /// A fresh path in tmp/ for an upload to stream into.
  std::filesystem::path newUploadPath() const;

  struct Stored {
    std::string sha256;
    std::uint64_t size = 0;
    bool alreadyStored = false;  ///< the same bytes were there before: the upload was dropped
  };
  /// Hashes the finished upload, fsyncs it and renames it into place (or deletes it if those
  /// bytes are already stored). The upload file is gone afterwards either way.
  Stored adopt(const std::filesystem::path& upload);

  /// Where the blob with this hash lives; nullopt unless `sha256` is 64 lower-case hex digits.
  std::optional<std::filesystem::path> pathOf(std::string_view sha256) const;

  const std::filesystem::path& root() const { return root_; }

private:
  std::filesystem::path root_;
};

/// 64 lower-case hex digits.
bool isSha256Hex(std::string_view text);

/// The first `limit` bytes of a file (for sniffing).
std::string readHead(const std::filesystem::path& file, std::size_t limit);

}  // namespace amplitude::server::api
