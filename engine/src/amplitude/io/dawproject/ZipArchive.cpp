#include <amplitude/io/dawproject/ZipArchive.h>

#include <zip.h>

namespace amplitude::io::dawproject {

ZipReader::ZipReader(std::span<const std::byte> bytes, const ArchiveLimits& limits) : limits_(limits) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (source == nullptr) {
    const std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    throw DawProjectError("the archive cannot be opened: " + message);
  }
  archive_ = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (archive_ == nullptr) {
    const std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    zip_source_free(source);
    throw DawProjectError("not a DAWproject file: it is not a ZIP archive (" + message + ")");
  }
  zip_error_fini(&error);
  const zip_int64_t entries = zip_get_num_entries(archive_, 0);
  if (entries < 0 || static_cast<std::uint64_t>(entries) > limits_.maxEntries) {
    zip_discard(archive_);
    archive_ = nullptr;
    throw DawProjectError("the archive has " + std::to_string(entries) + " entries, more than the limit of " +
                          std::to_string(limits_.maxEntries));
  }
}

ZipReader::~ZipReader() {
  if (archive_ != nullptr) zip_discard(archive_);
}

bool ZipReader::contains(const std::string& name) const { return zip_name_locate(archive_, name.c_str(), 0) >= 0; }

std::optional<std::vector<std::byte>> ZipReader::read(const std::string& name, std::uint64_t maxBytes) {
  const zip_int64_t index = zip_name_locate(archive_, name.c_str(), 0);
  if (index < 0) return std::nullopt;
  const std::uint64_t limit = std::min(maxBytes, limits_.maxEntryBytes);
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(archive_, static_cast<zip_uint64_t>(index), 0, &stat) != 0 || (stat.valid & ZIP_STAT_SIZE) == 0) {
    throw DawProjectError(name + ": its size cannot be read from the archive");
  }
  const auto overLimit = [&](std::uint64_t size) {
    return DawProjectError(name + ": uncompressed size " + std::to_string(size) + " bytes exceeds the limit of " +
                           std::to_string(limit) + " bytes (refused as a possible ZIP bomb)");
  };
  if (stat.size > limit) throw overLimit(stat.size);
  if (totalRead_ + stat.size > limits_.maxTotalBytes) {
    throw DawProjectError(name + ": reading it would pass the archive's limit of " + std::to_string(limits_.maxTotalBytes) +
                          " uncompressed bytes");
  }
  zip_file_t* file = zip_fopen_index(archive_, static_cast<zip_uint64_t>(index), 0);
  if (file == nullptr) throw DawProjectError(name + ": cannot be opened (" + std::string(zip_strerror(archive_)) + ")");
  std::vector<std::byte> bytes(static_cast<std::size_t>(stat.size));
  std::uint64_t done = 0;
  // Reads what the header declared, then checks that nothing more comes: the stream, not the
  // header, decides how much is inflated, and it may not pass the declared size.
  while (true) {
    if (done == bytes.size()) {
      std::byte extra;
      const zip_int64_t more = zip_fread(file, &extra, 1);
      if (more > 0) {
        zip_fclose(file);
        throw overLimit(done + 1);
      }
      if (more < 0) {
        const std::string message = zip_file_strerror(file);
        zip_fclose(file);
        throw DawProjectError(name + ": cannot be inflated (" + message + ")");
      }
      break;
    }
    const zip_int64_t got = zip_fread(file, bytes.data() + done, bytes.size() - done);
    if (got < 0) {
      const std::string message = zip_file_strerror(file);
      zip_fclose(file);
      throw DawProjectError(name + ": cannot be inflated (" + message + ")");
    }
    if (got == 0) {
      zip_fclose(file);
      throw DawProjectError(name + ": truncated (" + std::to_string(done) + " of " + std::to_string(bytes.size()) + " bytes)");
    }
    done += static_cast<std::uint64_t>(got);
  }
  if (zip_fclose(file) != 0) throw DawProjectError(name + ": damaged (checksum or format error)");
  totalRead_ += done;
  return bytes;
}

ZipWriter::ZipWriter() {
  zip_error_t error;
  zip_error_init(&error);
  source_ = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (source_ != nullptr) archive_ = zip_open_from_source(source_, ZIP_TRUNCATE, &error);
  if (archive_ == nullptr) {
    const std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    if (source_ != nullptr) zip_source_free(source_);
    throw DawProjectError("cannot create a ZIP archive: " + message);
  }
  zip_error_fini(&error);
  zip_source_keep(source_);  // we read the finished bytes from it after zip_close
}

ZipWriter::~ZipWriter() {
  if (archive_ != nullptr) zip_discard(archive_);
  if (source_ != nullptr) zip_source_free(source_);
}

void ZipWriter::add(const std::string& name, std::vector<std::byte> bytes, bool compress) {
  buffers_.push_back(std::make_unique<std::vector<std::byte>>(std::move(bytes)));
  const auto& buffer = *buffers_.back();
  zip_source_t* entry = zip_source_buffer(archive_, buffer.data(), buffer.size(), 0);
  if (entry == nullptr) throw DawProjectError(name + ": cannot be added to the archive (" + std::string(zip_strerror(archive_)) + ")");
  const zip_int64_t index = zip_file_add(archive_, name.c_str(), entry, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
  if (index < 0) {
    zip_source_free(entry);
    throw DawProjectError(name + ": cannot be added to the archive (" + std::string(zip_strerror(archive_)) + ")");
  }
  zip_set_file_compression(archive_, static_cast<zip_uint64_t>(index), compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
  // A fixed time stamp: the same document always gives the same archive bytes.
  zip_file_set_dostime(archive_, static_cast<zip_uint64_t>(index), 0, (46 << 9) | (1 << 5) | 1, 0);
}

std::vector<std::byte> ZipWriter::finish() {
  if (zip_close(archive_) != 0) throw DawProjectError("cannot write the ZIP archive: " + std::string(zip_strerror(archive_)));
  archive_ = nullptr;
  buffers_.clear();
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_source_stat(source_, &stat) != 0 || zip_source_open(source_) != 0) throw DawProjectError("cannot read the written ZIP archive");
  std::vector<std::byte> bytes(static_cast<std::size_t>(stat.size));
  const zip_int64_t got = zip_source_read(source_, bytes.data(), bytes.size());
  zip_source_close(source_);
  if (got < 0 || static_cast<std::size_t>(got) != bytes.size()) throw DawProjectError("cannot read the written ZIP archive");
  return bytes;
}

}  // namespace amplitude::io::dawproject
