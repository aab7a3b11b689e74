#include "journal_tamper.h"

#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <vector>

#include "../record_codec.h"
#include "../rocksdb_journal_impl.h"

namespace trunkline::journal::testing {
namespace {

// The journal's column families, opened raw.
struct RawDb {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  ~RawDb() {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  rocksdb::ColumnFamilyHandle* records() const { return handles[1]; }
};

Result<std::unique_ptr<RawDb>> OpenRaw(const std::string& dir) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, {}}, {"records", {}}, {"streams", {}}, {"commands", {}}};
  auto raw = std::make_unique<RawDb>();
  rocksdb::DB* db = nullptr;
  TRUNKLINE_RETURN_IF_ERROR(internal::FromRocks(
      rocksdb::DB::Open(rocksdb::DBOptions(), dir, families, &raw->handles, &db), "open " + dir));
  raw->db.reset(db);
  return raw;
}

Status RewriteRecord(const std::string& dir, uint64_t position,
                     const std::function<Status(std::string&)>& edit) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto raw, OpenRaw(dir));
  const std::string key = internal::PositionKey(position);
  std::string value;
  TRUNKLINE_RETURN_IF_ERROR(internal::FromRocks(
      raw->db->Get(rocksdb::ReadOptions(), raw->records(), key, &value), "read"));
  TRUNKLINE_RETURN_IF_ERROR(edit(value));
  return internal::FromRocks(raw->db->Put(rocksdb::WriteOptions(), raw->records(), key, value),
                             "write");
}

}  // namespace

Status FlipRecordByte(const std::string& dir, uint64_t position, int64_t offset) {
  return RewriteRecord(dir, position, [&](std::string& value) {
    const int64_t size = static_cast<int64_t>(value.size());
    const int64_t at = offset < 0 ? size + offset : offset;
    if (at < 0 || at >= size) return OutOfRangeError("offset beyond the record");
    value[static_cast<size_t>(at)] = static_cast<char>(value[static_cast<size_t>(at)] ^ 0x01);
    return OkStatus();
  });
}

Status SetRecordFormat(const std::string& dir, uint64_t position, uint32_t format) {
  return RewriteRecord(dir, position, [&](std::string& value) {
    // The body starts with a fixarray header (0x9c) followed by the format as a fixint.
    if (value.size() < 2 || static_cast<unsigned char>(value[0]) != 0x9c || format > 127) {
      return FailedPreconditionError("unexpected record layout");
    }
    value[1] = static_cast<char>(format);
    return OkStatus();
  });
}

Status DeleteRecord(const std::string& dir, uint64_t position) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto raw, OpenRaw(dir));
  return internal::FromRocks(
      raw->db->Delete(rocksdb::WriteOptions(), raw->records(), internal::PositionKey(position)),
      "delete");
}

Status DeleteStreamIndexEntry(const std::string& dir, const std::string& stream, uint64_t version) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto raw, OpenRaw(dir));
  return internal::FromRocks(raw->db->Delete(rocksdb::WriteOptions(), raw->handles[2],
                                             internal::StreamKey(stream, version)),
                             "delete");
}

Status SetStreamIndexEntry(const std::string& dir, const std::string& stream, uint64_t version,
                           uint64_t first_position, uint64_t count) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto raw, OpenRaw(dir));
  return internal::FromRocks(
      raw->db->Put(rocksdb::WriteOptions(), raw->handles[2], internal::StreamKey(stream, version),
                   internal::EncodeStreamRun({first_position, count})),
      "write");
}

Status DeleteCommandEntry(const std::string& dir, const std::string& command_id) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto raw, OpenRaw(dir));
  return internal::FromRocks(raw->db->Delete(rocksdb::WriteOptions(), raw->handles[3], command_id),
                             "delete");
}

Result<std::vector<std::string>> TableFilesOf(const std::string& dir, const std::string& family) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto raw, OpenRaw(dir));
  std::vector<rocksdb::LiveFileMetaData> files;
  raw->db->GetLiveFilesMetaData(&files);
  std::vector<std::string> paths;
  for (const rocksdb::LiveFileMetaData& f : files) {
    if (f.column_family_name == family) paths.push_back(f.db_path + "/" + f.name);
  }
  return paths;
}

Status FlipFileByte(const std::string& path, uint64_t offset) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  if (!file) return NotFoundError("cannot open " + path);
  char byte = 0;
  file.seekg(static_cast<std::streamoff>(offset));
  if (!file.get(byte)) return OutOfRangeError("offset beyond " + path);
  file.seekp(static_cast<std::streamoff>(offset));
  file.put(static_cast<char>(byte ^ 0x01));
  return file ? OkStatus() : UnavailableError("writing " + path);
}

Status SetFormatMarker(const std::string& dir, const std::string& format) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto raw, OpenRaw(dir));
  return internal::FromRocks(raw->db->Put(rocksdb::WriteOptions(), "format", format), "write");
}

Status CompactAll(const std::string& dir) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto raw, OpenRaw(dir));
  for (auto* h : raw->handles) {
    TRUNKLINE_RETURN_IF_ERROR(internal::FromRocks(
        raw->db->CompactRange(rocksdb::CompactRangeOptions(), h, nullptr, nullptr), "compact"));
  }
  return OkStatus();
}

Status TruncateNewestLog(const std::string& dir, uint64_t bytes) {
  std::filesystem::path newest;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log" && (newest.empty() || entry.path() > newest)) {
      newest = entry.path();
    }
  }
  if (newest.empty()) return NotFoundError("no write-ahead log in " + dir);
  const uint64_t size = std::filesystem::file_size(newest);
  if (size < bytes) return OutOfRangeError("log is only " + std::to_string(size) + " bytes");
  std::filesystem::resize_file(newest, size - bytes);
  return OkStatus();
}

}  // namespace trunkline::journal::testing
