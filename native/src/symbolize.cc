// symbolize.cc - see symbolize.h.  Link with -ldw -lelf.
#include "symbolize.h"

#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <dwarf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sym {

namespace {

// find_debuginfo callback.  dwfl_standard_find_debuginfo does, in order:
// (1) build-id lookup /usr/lib/debug/.build-id/xx/yyyy.debug, (2) .gnu_debuglink
// path search, (3) debuginfod.  Measured on elfutils 0.188: step (3) runs
// debuginfod_begin() for every Dwfl whose local lookup failed EVEN WHEN
// DEBUGINFOD_URLS IS UNSET, and that curl client holds a socketpair, i.e. 2 extra
// fds per cached file (~750 fds for 248 files) plus its init time.  So: always
// try (1); run the full standard search only if the user opted into debuginfod
// (DEBUGINFOD_URLS non-empty).  Debian's debuglink names are "<build-id>.debug"
// and dbgsym packages install only under .build-id/, so (2) finds nothing extra there.
int findDebuginfo(Dwfl_Module* mod, void** userdata, const char* modname, Dwarf_Addr base,
                  const char* fileName, const char* debuglink, GElf_Word crc, char** debugFileName) {
  int fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, fileName, debuglink, crc,
                                        debugFileName);
  if (fd >= 0) return fd;
  static const bool useStandard = [] {
    const char* u = getenv("DEBUGINFOD_URLS");
    return u && *u;
  }();
  if (!useStandard) return -1;
  return dwfl_standard_find_debuginfo(mod, userdata, modname, base, fileName, debuglink, crc,
                                      debugFileName);
}

// Callbacks must outlive every Dwfl that uses them, hence static storage.
// - find_elf is only consulted for modules reported without an Elf; we always
//   hand dwfl_report_elf an open fd, but keep the standard build-id finder.
// - section_address only matters for ET_REL (kernel modules, .o); harmless here.
char* g_debuginfoPath = nullptr;  // nullptr = default search path (":.debug:/usr/lib/debug")
const Dwfl_Callbacks g_callbacks = {
    dwfl_build_id_find_elf,
    findDebuginfo,
    dwfl_offline_section_address,
    &g_debuginfoPath,
};

// Upper bound of memoized offsets per file; the memo is simply cleared when
// full (cheap, and avoids unbounded growth on long-running profilers).
constexpr size_t kMaxMemoPerFile = 1 << 16;

// "dev:ino:size:mtime" identity of a file, used as the key when there is no
// build id and as an alias to skip re-reading the build id of a known file.
std::string identityOf(const struct stat& st) {
  char buf[128];
  snprintf(buf, sizeof buf, "%ju:%ju:%jd:%jd.%09ld", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino,
           (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
  return buf;
}

std::string toHex(const void* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  const unsigned char* b = static_cast<const unsigned char*>(p);
  std::string s;
  s.reserve(n * 2);
  for (size_t i = 0; i < n; i++) {
    s.push_back(kDigits[b[i] >> 4]);
    s.push_back(kDigits[b[i] & 15]);
  }
  return s;
}

FileInfo fail(int err, const std::vector<uint64_t>& offs, std::vector<Symbol>& out) {
  out.assign(offs.size(), Symbol{false, std::string(), 0, -1});
  return FileInfo{false, err, std::string()};
}

}  // namespace

// One opened ELF file: its Dwfl session plus memoized answers.
struct Cache::Entry {
  struct Load {  // one PT_LOAD program header (file-backed part only)
    uint64_t offset, filesz, vaddr;
  };

  std::string key;      // "b:<buildid>" or "f:<identity>"
  std::string buildId;  // lowercase hex or empty
  Dwfl* dwfl = nullptr;
  Dwfl_Module* mod = nullptr;
  GElf_Addr bias = 0;  // dwfl address = ELF p_vaddr-space address + bias (0 with our reporting)
  std::vector<Load> loads;
  std::unordered_map<uint64_t, Symbol> memo;  // file offset -> answer
  std::vector<std::string> identities;        // aliases in Cache::byIdentity_ to drop on eviction

  ~Entry() {
    if (dwfl) dwfl_end(dwfl);  // also closes the fd handed to dwfl_report_elf
  }

  Symbol resolve(uint64_t off) {
    // File offset -> ELF virtual address via the covering PT_LOAD.
    const Load* ld = nullptr;
    for (const Load& l : loads) {
      if (l.offset <= off && off - l.offset < l.filesz) {
        ld = &l;
        break;
      }
    }
    if (!ld) return Symbol{false, std::string(), 0, -1};
    GElf_Addr addr = off - ld->offset + ld->vaddr + bias;

    int fp = framePointerAt(addr);
    const Sym* sym = symbolAt(addr);
    if (!sym) return Symbol{false, std::string(), 0, fp};
    return Symbol{true, std::string(sym->name), static_cast<uint64_t>(addr - sym->start), fp};
  }

  // The file's functions by address, built once. dwfl_module_addrinfo scans every symbol on each call (1.6 ms an
  // address in /usr/bin/node's 100,000); a sorted index answers in a binary search. The symbols are libdwfl's (the
  // symbol table, or the dynamic one, and MiniDebugInfo's), their names owned by the module's ELF data.
  struct Sym {
    GElf_Addr start;
    GElf_Xword size;
    const char* name;
    int rank;            // at one address: global before weak before local
    GElf_Addr end;       // where it ends: start + size, or for an unsized one the next symbol or its section's end
    GElf_Addr sectionEnd;
  };
  std::vector<Sym> syms;
  bool symsBuilt = false;

  const Sym* symbolAt(GElf_Addr addr) {
    if (!symsBuilt) {
      symsBuilt = true;
      int n = dwfl_module_getsymtab(mod);
      for (int i = 1; i < n; i++) {
        GElf_Sym s;
        GElf_Addr value = 0;
        GElf_Word shndx = 0;
        Elf* symElf = nullptr;
        Dwarf_Addr symBias = 0;
        const char* name = dwfl_module_getsym_info(mod, i, &s, &value, &shndx, &symElf, &symBias);
        if (!name || !*name || s.st_shndx == SHN_UNDEF || value == 0) continue;
        int type = GELF_ST_TYPE(s.st_info);
        if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE) continue;
        int bind = GELF_ST_BIND(s.st_info);
        // Its section's end: an unsized symbol (_init, hand-written assembly) runs no further (_init does not own
        // the .plt after it).
        GElf_Addr sectionEnd = ~GElf_Addr(0);
        GElf_Shdr sh;
        Elf_Scn* scn = symElf && shndx != SHN_UNDEF && shndx < SHN_LORESERVE ? elf_getscn(symElf, shndx) : nullptr;
        if (scn && gelf_getshdr(scn, &sh) && sh.sh_addr <= s.st_value) sectionEnd = value + (sh.sh_addr + sh.sh_size - s.st_value);
        syms.push_back(Sym{value, s.st_size, name, bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2, 0, sectionEnd});
      }
      std::sort(syms.begin(), syms.end(), [](const Sym& a, const Sym& b) {
        if (a.start != b.start) return a.start < b.start;
        if (a.rank != b.rank) return a.rank < b.rank;
        if (a.size != b.size) return a.size > b.size;
        // Aliases: the name a person calls it by (printf, not _IO_printf): fewer leading underscores, then shorter.
        size_t ua = std::strspn(a.name, "_"), ub = std::strspn(b.name, "_");
        if (ua != ub) return ua < ub;
        return std::strlen(a.name) < std::strlen(b.name);
      });
      // One symbol an address: the first of each run.
      syms.erase(std::unique(syms.begin(), syms.end(), [](const Sym& a, const Sym& b) { return a.start == b.start; }), syms.end());
      // A sized symbol covers [start, start + size); an unsized one runs to the next symbol or its section's end.
      for (size_t k = 0; k < syms.size(); k++) {
        Sym& y = syms[k];
        GElf_Addr next = k + 1 < syms.size() ? syms[k + 1].start : y.start;
        y.end = y.size > 0 ? y.start + y.size : std::min(next, y.sectionEnd);
      }
    }
    auto it = std::upper_bound(syms.begin(), syms.end(), addr, [](GElf_Addr a, const Sym& s) { return a < s.start; });
    if (it == syms.begin()) return nullptr;
    const Sym* s = &*(it - 1);
    if (addr >= s->end) return nullptr;
    return s;
  }

  // Whether the function at addr keeps its frame pointer there, per its call frame information (.eh_frame, or
  // .debug_frame): 1 when the canonical frame address is the frame-pointer register plus an offset (rbp on x86-64,
  // x29 on arm64: the prologue has set it up), so a frame-pointer walk finds this function's caller; 2 when it is not
  // but the register is untouched (the same value as in the caller: a leaf that never saves it, as a system call's
  // wrapper), so the walk finds its caller's caller and skips one frame; 0 otherwise (the register may hold anything:
  // the walk goes astray); -1 when no CFI covers addr.
  int framePointerAt(GElf_Addr addr) {
#if defined(__x86_64__)
    const unsigned fpReg = 6;  // rbp
#elif defined(__aarch64__)
    const unsigned fpReg = 29;  // x29
#else
    return -1;
#endif
    if (!cfiLoaded) {
      cfiLoaded = true;
      cfi = dwfl_module_eh_cfi(mod, &cfiBias);
      if (!cfi) cfi = dwfl_module_dwarf_cfi(mod, &cfiBias);
    }
    if (!cfi) return -1;
    Dwarf_Frame* frame = nullptr;
    if (dwarf_cfi_addrframe(cfi, addr - cfiBias, &frame) != 0 || !frame) return -1;
    Dwarf_Op* ops = nullptr;
    size_t nops = 0;
    int r = -1;
    if (dwarf_frame_cfa(frame, &ops, &nops) == 0 && nops >= 1) {
      unsigned reg = ops[0].atom == DW_OP_bregx ? static_cast<unsigned>(ops[0].number)
                     : (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) ? ops[0].atom - DW_OP_breg0
                                                                                   : ~0u;
      r = reg == fpReg ? 1 : 0;
      if (r == 0) {
        Dwarf_Op mem[3];
        Dwarf_Op* rops = nullptr;
        size_t rn = 0;
        // The same-value rule: no operations and a null list (an undefined register has the caller's array).
        if (dwarf_frame_register(frame, fpReg, mem, &rops, &rn) == 0 && rn == 0 && rops == nullptr) r = 2;
      }
    }
    free(frame);
    return r;
  }

  bool cfiLoaded = false;
  Dwarf_CFI* cfi = nullptr;  // owned by the module
  Dwarf_Addr cfiBias = 0;
};

Cache::Cache(size_t maxFiles) : maxFiles_(maxFiles ? maxFiles : 1) {
  elf_version(EV_CURRENT);  // libelf must be initialized before our own elf_begin()
}

Cache::~Cache() = default;  // unique_ptr<Entry> dtor calls dwfl_end

size_t Cache::size() const {
  std::lock_guard<std::mutex> g(mu_);
  return lru_.size();
}

void Cache::touch(List::iterator it) { lru_.splice(lru_.begin(), lru_, it); }

void Cache::evictIfNeeded() {
  while (lru_.size() > maxFiles_) {
    Entry& victim = *lru_.back();
    for (const std::string& id : victim.identities) byIdentity_.erase(id);
    byKey_.erase(victim.key);
    lru_.pop_back();  // dwfl_end
  }
}

FileInfo Cache::lookup(const std::string& path, const std::vector<uint64_t>& fileOffsets,
                       std::vector<Symbol>& out) {
  std::lock_guard<std::mutex> g(mu_);
  Entry* e = nullptr;

  // Fast path: stat() identity already known -> no open/ELF parsing needed.
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return fail(errno, fileOffsets, out);
  {
    auto ai = byIdentity_.find(identityOf(st));
    if (ai != byIdentity_.end()) {
      auto ki = byKey_.find(ai->second);
      if (ki != byKey_.end()) {
        touch(ki->second);
        e = ki->second->get();
      }
    }
  }

  if (!e) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(errno, fileOffsets, out);
    if (fstat(fd, &st) != 0) {
      int err = errno;
      close(fd);
      return fail(err, fileOffsets, out);
    }
    std::string identity = identityOf(st);

    // Read the build id with a throwaway Elf handle (mmap, so cheap).
    std::string buildId;
    {
      Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
      if (!elf || elf_kind(elf) != ELF_K_ELF) {
        if (elf) elf_end(elf);
        close(fd);
        return fail(ENOEXEC, fileOffsets, out);
      }
      const void* bid = nullptr;
      ssize_t n = dwelf_elf_gnu_build_id(elf, &bid);
      if (n > 0) buildId = toHex(bid, static_cast<size_t>(n));
      elf_end(elf);
    }
    std::string key = buildId.empty() ? "f:" + identity : "b:" + buildId;

    auto ki = byKey_.find(key);
    if (ki != byKey_.end()) {
      // Same ELF seen through another path (e.g. another /proc/PID/root).
      close(fd);
      touch(ki->second);
      e = ki->second->get();
    } else {
      auto ent = std::make_unique<Entry>();
      ent->key = key;
      ent->buildId = buildId;
      ent->dwfl = dwfl_begin(&g_callbacks);
      if (!ent->dwfl) {
        close(fd);
        return fail(ENOMEM, fileOffsets, out);
      }
      // base = 0, add_p_vaddr = true: for ET_DYN the module bias becomes
      // base = 0, i.e. dwfl addresses == the file's own p_vaddr space even if
      // the first PT_LOAD has a nonzero p_vaddr (prelinked / -Ttext-segment DSOs;
      // add_p_vaddr = false would give bias = -first_vaddr there).  For ET_EXEC
      // the bias is always 0 and base is ignored.  On success dwfl owns `fd`
      // (closed by dwfl_end); on failure it is still ours.
      dwfl_report_begin(ent->dwfl);
      ent->mod = dwfl_report_elf(ent->dwfl, path.c_str(), path.c_str(), fd, 0, true);
      dwfl_report_end(ent->dwfl, nullptr, nullptr);
      if (!ent->mod) {
        close(fd);
        return fail(ENOEXEC, fileOffsets, out);
      }
      Elf* elf = dwfl_module_getelf(ent->mod, &ent->bias);
      size_t phnum = 0;
      if (!elf || elf_getphdrnum(elf, &phnum) != 0) return fail(ENOEXEC, fileOffsets, out);
      for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(elf, static_cast<int>(i), &ph) && ph.p_type == PT_LOAD && ph.p_filesz)
          ent->loads.push_back({ph.p_offset, ph.p_filesz, ph.p_vaddr});
      }
      lru_.push_front(std::move(ent));
      byKey_[key] = lru_.begin();
      e = lru_.front().get();
    }
    // Remember this stat identity -> key so the next lookup skips open().
    if (byIdentity_.emplace(identity, e->key).second) e->identities.push_back(identity);
    evictIfNeeded();  // never evicts e: it is at the front and maxFiles_ >= 1
  }

  out.resize(fileOffsets.size());
  for (size_t i = 0; i < fileOffsets.size(); i++) {
    uint64_t off = fileOffsets[i];
    auto mi = e->memo.find(off);
    if (mi != e->memo.end()) {
      out[i] = mi->second;
      continue;
    }
    out[i] = e->resolve(off);
    if (e->memo.size() >= kMaxMemoPerFile) e->memo.clear();
    e->memo.emplace(off, out[i]);
  }
  return FileInfo{true, 0, e->buildId};
}

}  // namespace sym
