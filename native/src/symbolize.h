// symbolize.h - symbolize file offsets inside ELF files with elfutils' libdwfl.
//
// Plain C++17, no N-API here: the Node addon wraps this.  Link with -ldw -lelf.
//
// Typical use (profiler): for a sampled virtual address A in process PID that
// falls in the /proc/PID/maps line "start-end perms offset dev inode path",
// the file offset is A - start + offset, and the caller passes the path as
// "/proc/PID/root" + path so that files inside containers resolve.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace sym {

struct Symbol {
  bool found;        // false: offset not in any PT_LOAD, or no symbol covers it
  std::string name;  // raw (mangled) symbol name; caller may demangle
  uint64_t offset;   // address minus the symbol's start
  int framePointer;  // the function keeps its frame pointer at this address (CFI): 1 yes, 0 no, -1 unknown
};

struct FileInfo {
  bool ok;              // false: file could not be opened / is not ELF / dwfl failed
  int err;              // errno-like code when !ok (ENOENT, EACCES, ENOEXEC, EIO...), else 0
  std::string buildId;  // GNU build id, lowercase hex, empty if none
};

// Symbolizes FILE OFFSETS (not virtual addresses) within the ELF file at `path`.
// For each offset: the PT_LOAD with p_offset <= off < p_offset + p_filesz maps it
// to the ELF's own virtual address (off - p_offset + p_vaddr), which is looked up
// with dwfl_module_addrinfo (.symtab, .dynsym, MiniDebugInfo .gnu_debugdata, and
// separate debug files under /usr/lib/debug/.build-id via
// dwfl_standard_find_debuginfo).
//
// One Dwfl session per distinct ELF file, keyed by GNU build id (or
// "dev:ino:size:mtime" when there is none), so the same libc reached via
// different /proc/PID/root paths shares one entry. Entries are LRU-bounded.
// Results are memoized per (file, offset).
//
// Thread-safe (an internal mutex serializes all calls). Never throws for
// file/ELF errors; they are reported through FileInfo.
class Cache {
 public:
  explicit Cache(size_t maxFiles);  // LRU bound on open files (Dwfl sessions); 0 treated as 1
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // Resizes `out` to fileOffsets.size(); out[i] answers fileOffsets[i].
  // On !ok every out[i] is {false, "", 0}.
  FileInfo lookup(const std::string& path, const std::vector<uint64_t>& fileOffsets,
                  std::vector<Symbol>& out);

  size_t size() const;  // number of cached ELF files (Dwfl sessions)

 private:
  struct Entry;  // defined in symbolize.cc
  using List = std::list<std::unique_ptr<Entry>>;

  void touch(List::iterator it);  // move to front (most recently used)
  void evictIfNeeded();

  size_t maxFiles_;
  mutable std::mutex mu_;
  List lru_;                                              // front = most recently used
  std::unordered_map<std::string, List::iterator> byKey_;  // build id / file identity -> entry
  // stat() identity ("dev:ino:size:mtime") -> key: lets a repeat lookup of an
  // already-seen file skip open()+ELF parsing; cleaned on eviction.
  std::unordered_map<std::string, std::string> byIdentity_;
};

}  // namespace sym
