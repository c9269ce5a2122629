// sixty's native addon: a small, generic surface over vendored libbpf (load, attach, batched map reads, close).
// Nothing here knows about panels; the panel's object file and program names come from JavaScript.
#include <napi.h>

#include "symbolize.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <fcntl.h>
#include <malloc.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cxxabi.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

// ---- libbpf's log: a bounded buffer, never the terminal -------------------------------------------------

constexpr size_t kLogLimit = 64 * 1024;
std::mutex g_log_mutex;
std::string g_log;

// libbpf prints the verifier's whole log in one call, so each message is sized in full (its end says why a load
// failed); the buffer as a whole keeps the newest kLogLimit bytes.
int LogToBuffer(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  if (n <= 0) return 0;
  std::string msg(static_cast<size_t>(n) + 1, '\0');
  vsnprintf(msg.data(), msg.size(), fmt, args);
  msg.resize(static_cast<size_t>(n));
  std::lock_guard<std::mutex> lock(g_log_mutex);
  g_log += msg;
  if (g_log.size() > kLogLimit) g_log.erase(0, g_log.size() - kLogLimit);  // keep the newest lines
  return 0;
}

// ---- errors: one typed error {op, errno, code, message}, built from the class JavaScript hands over -----

class BpfObject;

struct AddonData {
  Napi::FunctionReference error_class;
  Napi::FunctionReference ctor;
  std::set<BpfObject*> open_objects;
};

const char* ErrnoName(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case E2BIG: return "E2BIG";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case ERANGE: return "ERANGE";
    case ENOSYS: return "ENOSYS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case 524: return "ENOTSUPP";  // kernel-internal, leaks out of some BPF paths
    case ESTALE: return "ESTALE";
    default: return "EUNKNOWN";
  }
}

Napi::Error MakeError(Napi::Env env, const std::string& op, int err, const std::string& what) {
  err = err < 0 ? -err : err;
  std::string message = op + ": " + what + ": " + (err == 524 ? "operation not supported" : strerror(err));
  auto* data = env.GetInstanceData<AddonData>();
  if (data != nullptr && !data->error_class.IsEmpty()) {
    Napi::Object e = data->error_class.New({Napi::String::New(env, op), Napi::Number::New(env, err),
                                           Napi::String::New(env, ErrnoName(err)),
                                           Napi::String::New(env, message)});
    return Napi::Error(env, e);
  }
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("op", Napi::String::New(env, op));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("code", Napi::String::New(env, ErrnoName(err)));
  return e;
}

[[noreturn]] void Throw(Napi::Env env, const std::string& op, int err, const std::string& what) {
  throw MakeError(env, op, err, what);
}

bool IsPerCpu(enum bpf_map_type t) {
  return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

// Destroys links, several at once. Detaching a program from a system call tracepoint waits for a grace period in the
// kernel (those tracepoints may take page faults), about 80 ms a link here: filetop's 20 links took 1.6 s one after
// another. From threads of their own (at most kMaxCloseThreads at a time) the waits overlap. If a thread cannot be
// made, that link is destroyed here.
constexpr size_t kMaxCloseThreads = 32;

void DestroyLinks(std::vector<struct bpf_link*>& links) {
  for (size_t i = 0; i < links.size(); i += kMaxCloseThreads) {
    std::vector<std::thread> threads;
    for (size_t j = i; j < std::min(links.size(), i + kMaxCloseThreads); j++) {
      struct bpf_link* link = links[j];
      if (links.size() > 1) {
        try {
          threads.emplace_back([link]() { bpf_link__destroy(link); });
          continue;
        } catch (...) {
        }
      }
      bpf_link__destroy(link);
    }
    for (auto& t : threads) t.join();
  }
  links.clear();
}

// ---- event rings: a BPF ring buffer drained by a thread of its own into a bounded staging buffer ------------

// One ring buffer map, consumed every `period` by its own thread (the BPF side submits without waking anyone, so
// a burst costs no wake-up per event), into a staging buffer that JavaScript takes once per interval. The staging
// buffer is bounded: records beyond it are counted, not kept (the rate sixty lets through to JavaScript).
// An idle ring is looked at less often: each empty look doubles the wait, up to kIdlePeriods periods (100 ms), and
// the first record brings it back to `period`. Six idle rings woke 240 times a second, 0.4 % of a core on a quiet
// host; now 60. A burst that starts during the longest wait meets a ring that holds it: opensnoop's 8 MB take
// 26,000 records, and 100 ms of 50,000 opens a second is 5,000 (bench/event-rate.mjs: none lost at that rate; at a
// million a second every ring overflows whatever the period, and the drops are counted).
struct EventRing {
  struct ring_buffer* rb = nullptr;
  std::thread thread;
  std::mutex mu;
  // One consumer at a time (libbpf's ring_buffer__consume is not for two threads): the ring's thread, or a take.
  std::mutex consume_mu;
  std::condition_variable cv;
  bool stop = false;
  std::vector<uint8_t> staged;  // records, each a u32 length then its bytes, padded to 4
  uint64_t count = 0;           // records staged now
  uint64_t dropped = 0;         // records turned away since open: the staging buffer was full
  uint64_t taken = 0;           // records handed to JavaScript since open
  size_t max_bytes = 0;
  std::chrono::milliseconds period{25};
  static constexpr int kIdlePeriods = 4;

  static int OnRecord(void* ctx, void* data, size_t size) {
    auto* r = static_cast<EventRing*>(ctx);
    size_t need = 4 + ((size + 3) & ~static_cast<size_t>(3));
    // Called from the ring's own thread only (ring_buffer__consume): the lock is for the JavaScript side's take.
    std::lock_guard<std::mutex> lock(r->mu);
    if (r->staged.size() + need > r->max_bytes) {
      r->dropped++;
      return 0;
    }
    size_t at = r->staged.size();
    r->staged.resize(at + need, 0);
    uint32_t len = static_cast<uint32_t>(size);
    memcpy(r->staged.data() + at, &len, 4);
    memcpy(r->staged.data() + at + 4, data, size);
    r->count++;
    return 0;
  }

  void Run() {
    std::unique_lock<std::mutex> lock(mu);
    auto wait = period;
    while (!stop) {
      lock.unlock();
      int n = Consume();
      lock.lock();
      wait = n != 0 ? period : std::min(wait * 2, period * kIdlePeriods);
      cv.wait_for(lock, wait, [this] { return stop; });
    }
  }

  // Moves what the ring holds into the staging buffer: the number of records, or a negative error.
  int Consume() {
    std::lock_guard<std::mutex> lock(consume_mu);
    return ring_buffer__consume(rb);
  }

  // Stops the thread (at most one period) and frees the ring; what is staged is dropped with it.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
    }
    cv.notify_all();
    if (thread.joinable()) thread.join();
    if (rb != nullptr) ring_buffer__free(rb);
    rb = nullptr;
  }

  ~EventRing() { Stop(); }
};

using Rings = std::map<std::string, std::unique_ptr<EventRing>>;

// Detaches and unloads one object's links and object off the JavaScript thread: a panel that leaves the screen does
// not freeze the console while the kernel waits.
class CloseWorker : public Napi::AsyncWorker {
 public:
  CloseWorker(Napi::Env env, Rings rings, std::vector<struct bpf_link*> links, struct bpf_object* obj)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        rings_(std::move(rings)),
        links_(std::move(links)),
        obj_(obj) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    rings_.clear();
    DestroyLinks(links_);
    if (obj_ != nullptr) bpf_object__close(obj_);
    obj_ = nullptr;
  }

  void OnOK() override { deferred_.Resolve(Env().Undefined()); }

 private:
  Napi::Promise::Deferred deferred_;
  Rings rings_;
  std::vector<struct bpf_link*> links_;
  struct bpf_object* obj_;
};

// ---- BpfObject: one loaded object, its links, and its maps ---------------------------------------------

class BpfObject : public Napi::ObjectWrap<BpfObject> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "BpfObject",
                       {InstanceMethod<&BpfObject::Attach>("attach"),
                        InstanceMethod<&BpfObject::ReadMap>("readMap"),
                        InstanceMethod<&BpfObject::UpdateKeys>("updateKeys"),
                        InstanceMethod<&BpfObject::SetPerfFreq>("setPerfFreq"),
                        InstanceMethod<&BpfObject::TakeKeys>("takeKeys"),
                        InstanceMethod<&BpfObject::LookupKeys>("lookupKeys"),
                        InstanceMethod<&BpfObject::MapInfo>("mapInfo"),
                        InstanceMethod<&BpfObject::Programs>("programs"),
                        InstanceMethod<&BpfObject::ProgramTotals>("programTotals"),
                        InstanceMethod<&BpfObject::Layout>("layout"),
                        InstanceMethod<&BpfObject::OpenRing>("openRing"),
                        InstanceMethod<&BpfObject::TakeRing>("takeRing"),
                        InstanceMethod<&BpfObject::Close>("close"),
                        InstanceMethod<&BpfObject::CloseAsync>("closeAsync")});
  }

  explicit BpfObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfObject>(info) {
    auto* data = info.Env().GetInstanceData<AddonData>();
    data->open_objects.insert(this);
    data_ = data;
  }

  ~BpfObject() override {
    DoClose();
    if (data_ != nullptr) data_->open_objects.erase(this);
  }

  // Adopts a loaded object (called once, right after construction, by the load worker).
  void Adopt(struct bpf_object* obj) { obj_ = obj; }

  // Closes every link, then the object. Idempotent. Also run by the environment's cleanup hook.
  void DoClose() {
    rings_.clear();
    DestroyLinks(links_);
    perf_fds_.clear();
    staging_.clear();
    if (obj_ != nullptr) bpf_object__close(obj_);
    obj_ = nullptr;
  }

  void Forget() { data_ = nullptr; }

 private:
  struct bpf_object* Obj(Napi::Env env, const char* op) {
    if (obj_ == nullptr) Throw(env, op, EBADF, "object is closed");
    return obj_;
  }

  struct bpf_map* FindMap(Napi::Env env, const char* op, const std::string& name) {
    struct bpf_map* map = bpf_object__find_map_by_name(Obj(env, op), name.c_str());
    if (map == nullptr) Throw(env, op, ENOENT, "no map named " + name);
    return map;
  }

  // A perf_event program samples every CPU: one software cpu-clock event per CPU at `freq` Hz, each with its own
  // link (libbpf closes the event with the link). CPUs that are offline (ENODEV) are skipped. Returns errno or 0.
  int AttachPerfEvent(struct bpf_program* prog, uint64_t freq) {
    int ncpu = libbpf_num_possible_cpus();
    if (ncpu <= 0) return -ncpu;
    size_t before = links_.size();
    for (int cpu = 0; cpu < ncpu; cpu++) {
      struct perf_event_attr attr;
      std::memset(&attr, 0, sizeof attr);
      attr.type = PERF_TYPE_SOFTWARE;
      attr.config = PERF_COUNT_SW_CPU_CLOCK;
      attr.size = sizeof attr;
      attr.freq = 1;
      attr.sample_freq = freq;
      int pfd = static_cast<int>(syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
      if (pfd < 0) {
        if (errno == ENODEV) continue;
        return errno;
      }
      struct bpf_link* link = bpf_program__attach_perf_event(prog, pfd);
      if (link == nullptr) {
        int err = errno;
        close(pfd);
        return err;
      }
      links_.push_back(link);
      perf_fds_.push_back(pfd);
    }
    return links_.size() > before ? 0 : ENODEV;
  }

  // attach({perfFreq}): attaches every loaded program; returns their names. All or nothing. perf_event programs
  // sample every CPU at perfFreq Hz (default 99).
  Napi::Value Attach(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    struct bpf_object* obj = Obj(env, "attach");
    if (!links_.empty()) Throw(env, "attach", EBUSY, "already attached");
    uint64_t freq = 99;
    if (info.Length() > 0 && info[0].IsObject()) {
      Napi::Value f = info[0].As<Napi::Object>().Get("perfFreq");
      if (f.IsNumber()) freq = f.As<Napi::Number>().Int64Value();
      if (freq < 1 || freq > 100000) Throw(env, "attach", EINVAL, "perfFreq must be 1..100000 Hz");
    }
    Napi::Array names = Napi::Array::New(env);
    struct bpf_program* prog;
    bpf_object__for_each_program(prog, obj) {
      if (!bpf_program__autoload(prog)) continue;
      int err = 0;
      if (bpf_program__type(prog) == BPF_PROG_TYPE_PERF_EVENT) {
        err = AttachPerfEvent(prog, freq);
      } else {
        struct bpf_link* link = bpf_program__attach(prog);
        if (link == nullptr) err = errno;
        else links_.push_back(link);
      }
      if (err != 0) {
        for (auto* l : links_) bpf_link__destroy(l);
        links_.clear();
        perf_fds_.clear();
        Throw(env, "attach", err, bpf_program__name(prog));
      }
      names.Set(names.Length(), bpf_program__name(prog));
    }
    return names;
  }

  // setPerfFreq(hz): the perf_event programs' sampling frequency, changed in place on every CPU's event: no sample is
  // lost to a re-attach. The cpu-clock event is an hrtimer: the kernel turns the frequency it was opened with into a
  // fixed period (1e9 / freq ns) and clears attr.freq, so PERF_EVENT_IOC_PERIOD takes a period in nanoseconds.
  Napi::Value SetPerfFreq(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Obj(env, "setPerfFreq");
    if (info.Length() < 1 || !info[0].IsNumber()) Throw(env, "setPerfFreq", EINVAL, "a frequency in Hz is needed");
    int64_t hz = info[0].As<Napi::Number>().Int64Value();
    if (hz < 1 || hz > 100000) Throw(env, "setPerfFreq", EINVAL, "perfFreq must be 1..100000 Hz");
    if (perf_fds_.empty()) Throw(env, "setPerfFreq", ENOENT, "no perf_event program is attached");
    uint64_t period_ns = 1000000000ull / static_cast<uint64_t>(hz);
    for (int fd : perf_fds_)
      if (ioctl(fd, PERF_EVENT_IOC_PERIOD, &period_ns) != 0) Throw(env, "setPerfFreq", errno, "PERF_EVENT_IOC_PERIOD");
    return Napi::Number::New(env, static_cast<double>(perf_fds_.size()));
  }

  // mapInfo(name): {type, keySize, valueSize, maxEntries, perCpu}
  Napi::Value MapInfo(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    struct bpf_map* map = FindMap(env, "mapInfo", info[0].As<Napi::String>());
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", static_cast<int>(bpf_map__type(map)));
    o.Set("keySize", bpf_map__key_size(map));
    o.Set("valueSize", bpf_map__value_size(map));
    o.Set("maxEntries", bpf_map__max_entries(map));
    o.Set("perCpu", IsPerCpu(bpf_map__type(map)));
    return o;
  }

  // Staging buffers for one map's reads, at full capacity, kept between reads: a map read every interval does not
  // allocate (and fragment) a megabyte each time. They are left uninitialised: a large one is mapped by malloc, and
  // only the pages a read fills become resident, so a 70k-entry map that holds 20 entries costs one page, not 5 MB.
  struct Buf {
    std::unique_ptr<uint8_t[]> p;
    size_t n = 0;
    uint8_t* data() { return p.get(); }
    void reserve(size_t want) {
      if (want <= n) return;
      p.reset(new uint8_t[want]);  // no (): not zeroed
      n = want;
    }
  };
  struct Staging {
    Buf keys, raw;
    std::vector<uint8_t> in, out;
  };

  static int NumCpus(Napi::Env env, const char* op) {
    int ncpu = libbpf_num_possible_cpus();
    if (ncpu <= 0) Throw(env, op, -ncpu, "possible CPUs");
    return ncpu;
  }

  // readMap(name, {deleteAfterRead, batchSize, perCpu}): {keys, values, count, keySize, valueSize, batched, cpus}.
  // Per-CPU values are summed as u64 words by default (so their value types must be made of u64 fields only);
  // perCpu: 'raw' returns every CPU's value instead, `cpus` values per key, CPU by CPU.
  Napi::Value ReadMap(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>();
    bool del = false, raw_percpu = false;
    uint32_t chunk = 4096;
    if (info.Length() > 1 && info[1].IsObject()) {
      Napi::Object o = info[1].As<Napi::Object>();
      del = o.Get("deleteAfterRead").ToBoolean();
      if (o.Get("batchSize").IsNumber()) chunk = o.Get("batchSize").As<Napi::Number>().Uint32Value();
      raw_percpu = o.Get("perCpu").IsString() && o.Get("perCpu").As<Napi::String>().Utf8Value() == "raw";
    }
    struct bpf_map* map = FindMap(env, "readMap", name);
    int fd = bpf_map__fd(map);
    const uint32_t ksz = bpf_map__key_size(map), vsz = bpf_map__value_size(map);
    const uint32_t max = bpf_map__max_entries(map);
    const bool percpu = IsPerCpu(bpf_map__type(map));
    int ncpu = 1;
    uint32_t stride = vsz;  // bytes per entry as the kernel returns it
    if (percpu) {
      if (vsz % 8 != 0) Throw(env, "readMap", EINVAL, name + ": per-CPU values must be whole u64 words");
      ncpu = NumCpus(env, "readMap");
      stride = vsz * ncpu;
    }
    chunk = std::max<uint32_t>(1, std::min(chunk, max));
    Staging& st = staging_[name];
    st.keys.reserve(size_t(max) * ksz);
    st.raw.reserve(size_t(max) * stride);
    st.in.resize(std::max<uint32_t>(ksz, 8));
    st.out.resize(std::max<uint32_t>(ksz, 8));
    uint32_t total = 0;
    bool batched = true;

    // Batched read. The batch token is opaque; 8 bytes or the key size, whichever is larger, holds it.
    bool first = true;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    while (total < max) {
      uint32_t n = std::min(chunk, max - total);
      uint8_t* kp = st.keys.data() + size_t(total) * ksz;
      uint8_t* vp = st.raw.data() + size_t(total) * stride;
      int ret = del ? bpf_map_lookup_and_delete_batch(fd, first ? nullptr : st.in.data(), st.out.data(), kp, vp, &n, &opts)
                    : bpf_map_lookup_batch(fd, first ? nullptr : st.in.data(), st.out.data(), kp, vp, &n, &opts);
      int err = ret < 0 ? errno : 0;
      if (ret < 0 && err != ENOENT) {
        if (err == ENOSPC && chunk < max) {  // one hash bucket holds more than `chunk` keys: retry wider
          chunk = std::min(max, chunk * 2);
          continue;
        }
        if (first && (err == EINVAL || err == EOPNOTSUPP || err == 524 || err == ENOSYS)) {
          batched = false;  // this map type or kernel has no batch ops: iterate keys instead
          break;
        }
        Throw(env, "readMap", err, name);
      }
      total += n;
      first = false;
      if (err == ENOENT) break;  // end of map
      std::copy(st.out.begin(), st.out.end(), st.in.begin());
    }

    if (!batched) {
      total = 0;
      std::vector<uint8_t> cur(ksz), next(ksz);
      bool have = false;
      while (total < max && bpf_map_get_next_key(fd, have ? cur.data() : nullptr, next.data()) == 0) {
        if (bpf_map_lookup_elem(fd, next.data(), st.raw.data() + size_t(total) * stride) == 0) {
          std::copy(next.begin(), next.end(), st.keys.data() + size_t(total) * ksz);
          total++;
        }
        // A deleted key cannot be the start of the next step (hash maps would restart from the first bucket),
        // so after a delete the walk starts again from the first remaining key.
        if (del && bpf_map_delete_elem(fd, next.data()) == 0) {
          have = false;
        } else {
          cur.swap(next);
          have = true;
        }
      }
    }
    return Result(env, st.keys.data(), st.raw.data(), total, ksz, vsz, percpu ? ncpu : 1, raw_percpu, batched);
  }

  // {keys, values, ...} as JS buffers: per-CPU values summed word by word unless `raw`.
  static Napi::Object Result(Napi::Env env, const uint8_t* keys, const uint8_t* raw, uint32_t total, uint32_t ksz,
                             uint32_t vsz, int ncpu, bool keep_raw, bool batched) {
    Napi::Buffer<uint8_t> kbuf = Napi::Buffer<uint8_t>::Copy(env, keys, size_t(total) * ksz);
    Napi::Buffer<uint8_t> vbuf;
    if (ncpu == 1 || keep_raw) {
      vbuf = Napi::Buffer<uint8_t>::Copy(env, raw, size_t(total) * vsz * ncpu);
    } else {
      vbuf = Napi::Buffer<uint8_t>::New(env, size_t(total) * vsz);
      const uint32_t words = vsz / 8;
      const size_t stride = size_t(vsz) * ncpu;
      for (uint32_t i = 0; i < total; i++) {
        const uint8_t* src = raw + size_t(i) * stride;
        for (uint32_t w = 0; w < words; w++) {
          uint64_t sum = 0;
          for (int c = 0; c < ncpu; c++) {
            uint64_t v;
            std::memcpy(&v, src + size_t(c) * vsz + w * 8, 8);
            sum += v;
          }
          std::memcpy(vbuf.Data() + size_t(i) * vsz + w * 8, &sum, 8);
        }
      }
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("keys", kbuf);
    o.Set("values", vbuf);
    o.Set("count", total);
    o.Set("keySize", ksz);
    o.Set("valueSize", vsz);
    o.Set("batched", batched);
    o.Set("cpus", keep_raw ? ncpu : 1);
    return o;
  }

  // takeKeys(name, keys: Buffer): deletes the given keys (concatenated) and returns the values they held at that
  // moment (lookup-and-delete, one key at a time), so nothing added between a read and a delete is lost.
  Napi::Value TakeKeys(const Napi::CallbackInfo& info) { return KeysOp(info, "takeKeys", true); }

  // lookupKeys(name, keys: Buffer): the values of the given keys (concatenated), those that exist, without a whole-map
  // read: a stack map's few new stacks out of thousands.
  Napi::Value LookupKeys(const Napi::CallbackInfo& info) { return KeysOp(info, "lookupKeys", false); }

  Napi::Value KeysOp(const Napi::CallbackInfo& info, const char* op, bool take) {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>();
    struct bpf_map* map = FindMap(env, op, name);
    auto buf = info[1].As<Napi::Buffer<uint8_t>>();
    const uint32_t ksz = bpf_map__key_size(map), vsz = bpf_map__value_size(map);
    if (buf.Length() % ksz != 0) Throw(env, op, EINVAL, name + ": buffer is not whole keys");
    if (IsPerCpu(bpf_map__type(map))) Throw(env, op, EINVAL, name + ": per-CPU maps are not supported");
    const uint32_t n = buf.Length() / ksz;
    int fd = bpf_map__fd(map);
    std::vector<uint8_t> keys(size_t(n) * ksz), vals(size_t(n) * vsz);
    uint32_t got = 0;
    for (uint32_t i = 0; i < n; i++) {
      const uint8_t* k = buf.Data() + size_t(i) * ksz;
      uint8_t* v = vals.data() + size_t(got) * vsz;
      int ret;
      if (!take) {
        ret = bpf_map_lookup_elem(fd, k, v);
      } else {
        ret = bpf_map_lookup_and_delete_elem(fd, k, v);
        if (ret < 0 && (errno == EINVAL || errno == EOPNOTSUPP || errno == 524)) {
          // Kernels before 5.14 have no lookup-and-delete for hash maps (nor stack maps before 6.9): read, then delete.
          ret = bpf_map_lookup_elem(fd, k, v);
          if (ret == 0) ret = bpf_map_delete_elem(fd, k);
        }
      }
      if (ret == 0) std::memcpy(keys.data() + size_t(got++) * ksz, k, ksz);
    }
    return Result(env, keys.data(), vals.data(), got, ksz, vsz, 1, false, false);
  }

  // updateKeys(name, keys: Buffer, values: Buffer): sets the given keys (concatenated) to the values (concatenated,
  // one per key; per-CPU maps are not supported). All or nothing per key, in order; throws at the first failure.
  Napi::Value UpdateKeys(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>();
    struct bpf_map* map = FindMap(env, "updateKeys", name);
    auto keys = info[1].As<Napi::Buffer<uint8_t>>();
    auto vals = info[2].As<Napi::Buffer<uint8_t>>();
    const uint32_t ksz = bpf_map__key_size(map), vsz = bpf_map__value_size(map);
    if (IsPerCpu(bpf_map__type(map))) Throw(env, "updateKeys", EINVAL, name + ": per-CPU maps are not supported");
    if (keys.Length() % ksz != 0 || vals.Length() != keys.Length() / ksz * vsz)
      Throw(env, "updateKeys", EINVAL, name + ": buffers are not whole keys and one value per key");
    const uint32_t n = keys.Length() / ksz;
    int fd = bpf_map__fd(map);
    for (uint32_t i = 0; i < n; i++)
      if (bpf_map_update_elem(fd, keys.Data() + size_t(i) * ksz, vals.Data() + size_t(i) * vsz, BPF_ANY) != 0)
        Throw(env, "updateKeys", errno, name);
    return Napi::Number::New(env, n);
  }

  // programs(): [{name, id, loaded, runCount, runTimeNs, recursionMisses}] for every program in the object.
  Napi::Value Programs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    struct bpf_object* obj = Obj(env, "programs");
    Napi::Array arr = Napi::Array::New(env);
    struct bpf_program* prog;
    bpf_object__for_each_program(prog, obj) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", bpf_program__name(prog));
      o.Set("section", bpf_program__section_name(prog));
      int fd = bpf_program__fd(prog);
      o.Set("loaded", fd >= 0);
      if (fd >= 0) {
        struct bpf_prog_info pi;
        std::memset(&pi, 0, sizeof pi);
        __u32 len = sizeof pi;
        if (bpf_obj_get_info_by_fd(fd, &pi, &len) == 0) {
          o.Set("id", pi.id);
          o.Set("runCount", Napi::Number::New(env, static_cast<double>(pi.run_cnt)));
          o.Set("runTimeNs", Napi::Number::New(env, static_cast<double>(pi.run_time_ns)));
          o.Set("recursionMisses", Napi::Number::New(env, static_cast<double>(pi.recursion_misses)));
        }
      }
      arr.Set(arr.Length(), o);
    }
    return arr;
  }

  // programTotals(): [recursionMisses, runCount, runTimeNs] summed over the object's loaded programs. What each interval
  // reads: programs() makes an object, names included, for every program of every tier, loaded or not.
  Napi::Value ProgramTotals(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    struct bpf_object* obj = Obj(env, "programTotals");
    double missed = 0, runs = 0, run_ns = 0;
    struct bpf_program* prog;
    bpf_object__for_each_program(prog, obj) {
      int fd = bpf_program__fd(prog);
      if (fd < 0) continue;
      struct bpf_prog_info pi;
      std::memset(&pi, 0, sizeof pi);
      __u32 len = sizeof pi;
      if (bpf_obj_get_info_by_fd(fd, &pi, &len) != 0) continue;
      missed += static_cast<double>(pi.recursion_misses);
      runs += static_cast<double>(pi.run_cnt);
      run_ns += static_cast<double>(pi.run_time_ns);
    }
    Napi::Array out = Napi::Array::New(env, 3);
    out.Set(0u, Napi::Number::New(env, missed));
    out.Set(1u, Napi::Number::New(env, runs));
    out.Set(2u, Napi::Number::New(env, run_ns));
    return out;
  }

  // layout(structName): {size, members: [{name, offset, size}]} from the object's own BTF, so user space can
  // check that its decoders agree with what the compiler laid out.
  Napi::Value Layout(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>();
    struct btf* btf = bpf_object__btf(Obj(env, "layout"));
    if (btf == nullptr) Throw(env, "layout", ENOENT, "object has no BTF");
    __s32 id = btf__find_by_name_kind(btf, name.c_str(), BTF_KIND_STRUCT);
    if (id < 0) Throw(env, "layout", ENOENT, "no struct " + name);
    const struct btf_type* t = btf__type_by_id(btf, id);
    Napi::Object o = Napi::Object::New(env);
    o.Set("size", t->size);
    Napi::Array members = Napi::Array::New(env);
    const struct btf_member* m = btf_members(t);
    for (unsigned i = 0; i < btf_vlen(t); i++, m++) {
      Napi::Object mo = Napi::Object::New(env);
      mo.Set("name", btf__name_by_offset(btf, m->name_off));
      mo.Set("offset", btf_member_bit_offset(t, i) / 8);
      mo.Set("size", Napi::Number::New(env, static_cast<double>(btf__resolve_size(btf, m->type))));
      members.Set(i, mo);
    }
    o.Set("members", members);
    return o;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    DoClose();
    return info.Env().Undefined();
  }

  // Closed at once for JavaScript (any later call is EBADF); the kernel's part runs in a worker thread.
  Napi::Value CloseAsync(const Napi::CallbackInfo& info) {
    auto* worker = new CloseWorker(info.Env(), std::move(rings_), std::move(links_), obj_);
    rings_.clear();
    links_.clear();
    perf_fds_.clear();
    staging_.clear();
    obj_ = nullptr;
    Napi::Promise p = worker->Promise();
    worker->Queue();
    return p;
  }

  // openRing(name, {maxBytes, periodMs}): starts draining a ring buffer map into a staging buffer of maxBytes.
  Napi::Value OpenRing(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>();
    struct bpf_map* map = FindMap(env, "openRing", name);
    if (bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF) Throw(env, "openRing", EINVAL, name + " is not a ring buffer");
    if (rings_.count(name) != 0) Throw(env, "openRing", EBUSY, name + " is already open");
    auto ring = std::make_unique<EventRing>();
    ring->max_bytes = 16 * 1024 * 1024;
    if (info.Length() > 1 && info[1].IsObject()) {
      Napi::Object o = info[1].As<Napi::Object>();
      if (o.Get("maxBytes").IsNumber()) ring->max_bytes = o.Get("maxBytes").As<Napi::Number>().Int64Value();
      if (o.Get("periodMs").IsNumber()) ring->period = std::chrono::milliseconds(o.Get("periodMs").As<Napi::Number>().Int64Value());
    }
    if (ring->max_bytes < 64 || ring->period.count() < 1 || ring->period.count() > 1000)
      Throw(env, "openRing", EINVAL, "maxBytes must be at least 64 and periodMs 1..1000");
    ring->rb = ring_buffer__new(bpf_map__fd(map), EventRing::OnRecord, ring.get(), nullptr);
    if (ring->rb == nullptr) Throw(env, "openRing", errno, name);
    EventRing* r = ring.get();
    try {
      r->thread = std::thread([r]() { r->Run(); });
    } catch (...) {
      Throw(env, "openRing", EAGAIN, "no thread for " + name);
    }
    rings_[name] = std::move(ring);
    return env.Undefined();
  }

  // takeRing(name): {data, count, dropped, taken}: the records staged since the last take and those the ring holds
  // now (each a u32 length, then its bytes, padded to 4), and the records turned away and handed over since
  // openRing, cumulative.
  Napi::Value TakeRing(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>();
    Obj(env, "takeRing");
    auto it = rings_.find(name);
    if (it == rings_.end()) Throw(env, "takeRing", ENOENT, name + " is not open");
    EventRing* r = it->second.get();
    // What the ring holds now is taken too: an interval's events are every one submitted before its end, however
    // long the thread's wait (and however late a busy host runs it).
    r->Consume();
    std::vector<uint8_t> out;
    uint64_t count, dropped, taken;
    {
      std::lock_guard<std::mutex> lock(r->mu);
      out.swap(r->staged);
      count = r->count;
      r->count = 0;
      r->taken += count;
      dropped = r->dropped;
      taken = r->taken;
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("data", Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size()));
    o.Set("count", static_cast<double>(count));
    o.Set("dropped", static_cast<double>(dropped));
    o.Set("taken", static_cast<double>(taken));
    return o;
  }

  struct bpf_object* obj_ = nullptr;
  Rings rings_;
  std::vector<struct bpf_link*> links_;
  // The perf events under the links (owned by them): what setPerfFreq retunes.
  std::vector<int> perf_fds_;
  std::map<std::string, Staging> staging_;
  AddonData* data_ = nullptr;
};

// ---- load(path, programs[], mapSizes?): Promise<BpfObject>; open + choose programs + load, off the JS thread --

class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, std::string path, std::vector<std::string> programs,
             std::vector<std::pair<std::string, uint32_t>> sizes, std::vector<std::pair<std::string, int64_t>> rodata)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), path_(std::move(path)),
        programs_(std::move(programs)), sizes_(std::move(sizes)), rodata_(std::move(rodata)) {}

  ~LoadWorker() override {
    if (obj_ != nullptr) bpf_object__close(obj_);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    // open: parse the ELF and BTF; nothing reaches the kernel yet.
    obj_ = bpf_object__open_file(path_.c_str(), nullptr);
    if (obj_ == nullptr) return Fail("open", errno, path_);
    // configure: exactly the chosen programs are loaded (the object's programs are all `?`, off by default).
    struct bpf_program* prog;
    bpf_object__for_each_program(prog, obj_) bpf_program__set_autoload(prog, false);
    for (const auto& name : programs_) {
      prog = bpf_object__find_program_by_name(obj_, name.c_str());
      if (prog == nullptr) return Fail("open", ENOENT, "no program named " + name);
      bpf_program__set_autoload(prog, true);
    }
    for (const auto& [name, size] : sizes_) {
      struct bpf_map* map = bpf_object__find_map_by_name(obj_, name.c_str());
      if (map == nullptr) return Fail("open", ENOENT, "no map named " + name);
      bpf_map__set_max_entries(map, size);
    }
    for (const auto& [name, value] : rodata_) {
      int err = SetRodata(name, value);
      if (err != 0) return Fail("open", err, "const volatile " + name);
    }
    // load: CO-RE relocation, map creation, the verifier.
    int err = bpf_object__load(obj_);
    // Loading parsed the kernel's BTF (several MB) in this worker thread's malloc arena and freed it; glibc keeps
    // freed arena memory resident until trimmed. Give it back, or each panel's load leaves megabytes behind.
    malloc_trim(0);
    if (err != 0) return Fail("load", -err, path_.substr(path_.find_last_of('/') + 1));
  }

  void OnOK() override {
    Napi::Env env = Env();
    auto* data = env.GetInstanceData<AddonData>();
    Napi::Object o = data->ctor.Value().New({});
    BpfObject::Unwrap(o)->Adopt(obj_);
    obj_ = nullptr;
    deferred_.Resolve(o);
  }

  void OnError(const Napi::Error&) override {
    deferred_.Reject(MakeError(Env(), op_, err_, what_).Value());
  }

 private:
  // Writes a `const volatile` global (the object's knobs) between open and load. Found through the object's BTF:
  // the .rodata DATASEC lists each variable's offset and size.
  int SetRodata(const std::string& name, int64_t value) {
    struct btf* btf = bpf_object__btf(obj_);
    if (btf == nullptr) return ENOENT;
    __s32 sec_id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
    if (sec_id < 0) return ENOENT;
    struct bpf_map* map = nullptr;
    struct bpf_map* m;
    bpf_object__for_each_map(m, obj_) {
      const char* n = bpf_map__name(m);
      size_t len = std::strlen(n);
      if (bpf_map__is_internal(m) && len >= 7 && std::strcmp(n + len - 7, ".rodata") == 0) map = m;
    }
    if (map == nullptr) return ENOENT;
    size_t size = 0;
    const void* initial = bpf_map__initial_value(map, &size);
    if (initial == nullptr) return ENOENT;
    std::vector<uint8_t> buf(static_cast<const uint8_t*>(initial), static_cast<const uint8_t*>(initial) + size);
    uint8_t* data = buf.data();
    auto commit = [&]() { return -bpf_map__set_initial_value(map, data, size); };
    const struct btf_type* sec = btf__type_by_id(btf, sec_id);
    const struct btf_var_secinfo* vi = btf_var_secinfos(sec);
    for (unsigned i = 0; i < btf_vlen(sec); i++, vi++) {
      const struct btf_type* var = btf__type_by_id(btf, vi->type);
      if (name != btf__name_by_offset(btf, var->name_off)) continue;
      if (vi->offset + vi->size > size) return ERANGE;
      switch (vi->size) {
        case 1: { uint8_t v = static_cast<uint8_t>(value); std::memcpy(data + vi->offset, &v, 1); return commit(); }
        case 2: { uint16_t v = static_cast<uint16_t>(value); std::memcpy(data + vi->offset, &v, 2); return commit(); }
        case 4: { uint32_t v = static_cast<uint32_t>(value); std::memcpy(data + vi->offset, &v, 4); return commit(); }
        case 8: std::memcpy(data + vi->offset, &value, 8); return commit();
        default: return EINVAL;
      }
    }
    return ENOENT;
  }

  void Fail(const char* op, int err, const std::string& what) {
    op_ = op;
    err_ = err;
    what_ = what;
    SetError(what);
  }

  Napi::Promise::Deferred deferred_;
  std::string path_;
  std::vector<std::string> programs_;
  std::vector<std::pair<std::string, uint32_t>> sizes_;
  std::vector<std::pair<std::string, int64_t>> rodata_;
  struct bpf_object* obj_ = nullptr;
  std::string op_;
  int err_ = 0;
  std::string what_;
};

Napi::Value Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsArray()) {
    throw Napi::TypeError::New(env, "load(path: string, programs: string[], options?: {mapSizes, rodata})");
  }
  std::vector<std::string> programs;
  Napi::Array arr = info[1].As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) programs.push_back(arr.Get(i).As<Napi::String>());
  std::vector<std::pair<std::string, uint32_t>> sizes;
  std::vector<std::pair<std::string, int64_t>> rodata;
  if (info.Length() > 2 && info[2].IsObject()) {
    Napi::Object opts = info[2].As<Napi::Object>();
    auto entries = [](Napi::Value v, auto&& add) {
      if (!v.IsObject()) return;
      Napi::Object o = v.As<Napi::Object>();
      Napi::Array names = o.GetPropertyNames();
      for (uint32_t i = 0; i < names.Length(); i++) {
        std::string name = names.Get(i).As<Napi::String>();
        add(name, o.Get(name).As<Napi::Number>().Int64Value());
      }
    };
    entries(opts.Get("mapSizes"), [&](const std::string& n, int64_t v) { sizes.emplace_back(n, static_cast<uint32_t>(v)); });
    entries(opts.Get("rodata"), [&](const std::string& n, int64_t v) { rodata.emplace_back(n, v); });
  }
  auto* worker = new LoadWorker(env, info[0].As<Napi::String>(), std::move(programs), std::move(sizes), std::move(rodata));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  auto* data = info.Env().GetInstanceData<AddonData>();
  data->error_class = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

// takeLog(): libbpf's recent warnings and errors (bounded), and clears them.
Napi::Value TakeLog(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  Napi::String s = Napi::String::New(info.Env(), g_log);
  g_log.clear();
  return s;
}

// kernelFunctionParams(name): the number of parameters of a kernel function per the running kernel's BTF, or -1
// when the kernel has no such function. Lets user space pick programs and knobs for the kernel's signatures.
// The running kernel's BTF, parsed once; it lives as long as the process.
struct btf* VmlinuxBtf(Napi::Env env) {
  static struct btf* vmlinux = nullptr;
  if (vmlinux == nullptr) {
    vmlinux = btf__load_vmlinux_btf();
    if (vmlinux == nullptr) Throw(env, "btf", errno, "kernel BTF");
  }
  return vmlinux;
}

Napi::Value KernelFunctionParams(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>();
  struct btf* vmlinux = VmlinuxBtf(env);
  __s32 id = btf__find_by_name_kind(vmlinux, name.c_str(), BTF_KIND_FUNC);
  if (id < 0) return Napi::Number::New(env, -1);
  const struct btf_type* proto = btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, id)->type);
  return Napi::Number::New(env, proto != nullptr && btf_is_func_proto(proto) ? btf_vlen(proto) : -1);
}

// ---- user stacks' names -------------------------------------------------------------------------------

// Files' symbol tables (elfutils' libdwfl), one per build id, the 512 most recently used kept open: a library mapped by
// every process is read once.
sym::Cache& SymbolCache() {
  static sym::Cache cache(512);
  return cache;
}

// A C++ symbol's name as its source spells it (_ZN2v88internal7Isolate4InitEv → v8::internal::Isolate::Init());
// other names as they are, without a version.
std::string Demangle(const std::string& versioned) {
  // A dynamic symbol's version (clock_gettime@GLIBC_2.2.5, memcpy@@GLIBC_2.14) is not part of its name.
  size_t at = versioned.find('@');
  std::string name = at != std::string::npos && at > 0 ? versioned.substr(0, at) : versioned;
  if (name.size() < 3 || name[0] != '_' || name[1] != 'Z') return name;
  int status = 0;
  char* out = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  std::string r = status == 0 && out != nullptr ? std::string(out) : name;
  std::free(out);
  return r;
}

// symbolizeFile(path, offsets: number[]): {ok, err, buildId, names: (string|null)[]}: the function each file offset is
// in, within the ELF file at path (/proc/PID/root/... for a process's own view of its files).
Napi::Value SymbolizeFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsArray()) {
    Napi::TypeError::New(env, "symbolizeFile(path, offsets)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>();
  Napi::Array in = info[1].As<Napi::Array>();
  std::vector<uint64_t> offsets(in.Length());
  for (uint32_t i = 0; i < in.Length(); i++) {
    Napi::Value v = in.Get(i);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    offsets[i] = d >= 0 ? static_cast<uint64_t>(d) : UINT64_MAX;
  }
  std::vector<sym::Symbol> out;
  sym::FileInfo fi = SymbolCache().lookup(path, offsets, out);
  Napi::Object r = Napi::Object::New(env);
  r.Set("ok", fi.ok);
  r.Set("err", fi.err);
  r.Set("buildId", fi.buildId);
  Napi::Array names = Napi::Array::New(env, out.size());
  for (size_t i = 0; i < out.size(); i++)
    names.Set(static_cast<uint32_t>(i), out[i].found ? Napi::Value(Napi::String::New(env, Demangle(out[i].name))) : env.Null());
  r.Set("names", names);
  Napi::Array fp = Napi::Array::New(env, out.size());
  for (size_t i = 0; i < out.size(); i++) fp.Set(static_cast<uint32_t>(i), out[i].framePointer);
  r.Set("framePointer", fp);
  return r;
}

// kernelEnum(name): the running kernel's enum of that name as [value, name] pairs, or null when it has none. Enums
// the kernel renumbers between versions (skb_drop_reason) are named by the kernel that numbered them.
Napi::Value KernelEnum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) Throw(env, "kernelEnum", EINVAL, "kernelEnum(name)");
  std::string name = info[0].As<Napi::String>();
  struct btf* vmlinux = VmlinuxBtf(env);
  __s32 id = btf__find_by_name_kind(vmlinux, name.c_str(), BTF_KIND_ENUM);
  if (id < 0) return env.Null();
  const struct btf_type* t = btf__type_by_id(vmlinux, id);
  const struct btf_enum* e = btf_enum(t);
  Napi::Array out = Napi::Array::New(env, btf_vlen(t));
  for (uint32_t i = 0; i < btf_vlen(t); i++) {
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(uint32_t(0), Napi::Number::New(env, static_cast<double>(e[i].val)));
    pair.Set(uint32_t(1), Napi::String::New(env, btf__name_by_offset(vmlinux, e[i].name_off)));
    out.Set(i, pair);
  }
  return out;
}

// lockFile(fd): an exclusive flock(2) on an open file, without waiting. true when taken, false when another open file
// holds it (another sixty recording to the same file). The kernel releases it when the file is closed or the process
// ends, however it ends: no lock file is left behind.
Napi::Value LockFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) Throw(env, "lock", EINVAL, "lockFile(fd)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) return Napi::Boolean::New(env, true);
  int err = errno;
  if (err == EWOULDBLOCK) return Napi::Boolean::New(env, false);
  Throw(env, "lock", err, std::string("flock: ") + strerror(err));
}

// readFiles(paths): each file's text (small files: /proc/PID/stat, status, io), or null where it cannot be opened or
// read (a process that ended between the listing and the read, a file that is not ours to read). One call for a
// whole /proc scan: in JavaScript each open, read and close is a call of its own, and they were most of a scan's
// time (about 20 µs a file, against 3 to 5 here). Invalid UTF-8 (a comm is any bytes) becomes U+FFFD, as Node's
// decoder does.
Napi::Value ReadFiles(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) Throw(env, "readFiles", EINVAL, "readFiles(paths)");
  Napi::Array paths = info[0].As<Napi::Array>();
  uint32_t n = paths.Length();
  Napi::Array out = Napi::Array::New(env, n);
  std::string path;
  std::vector<char> buf(64 * 1024);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value v = paths.Get(i);
    if (!v.IsString()) {
      out.Set(i, env.Null());
      continue;
    }
    path = v.As<Napi::String>().Utf8Value();
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      out.Set(i, env.Null());
      continue;
    }
    size_t len = 0;
    bool failed = false;
    for (;;) {
      if (len == buf.size()) buf.resize(buf.size() * 2);
      ssize_t r = read(fd, buf.data() + len, buf.size() - len);
      if (r < 0) {
        if (errno == EINTR) continue;
        failed = true;
        break;
      }
      if (r == 0) break;
      len += static_cast<size_t>(r);
    }
    close(fd);
    out.Set(i, failed ? env.Null() : Napi::String::New(env, buf.data(), len));
  }
  return out;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  libbpf_set_print(LogToBuffer);
  auto* data = new AddonData();
  env.SetInstanceData<AddonData>(data);
  Napi::Function ctor = BpfObject::Define(env);
  data->ctor = Napi::Persistent(ctor);
  // On environment teardown (process exit, worker exit), close whatever JavaScript left open.
  env.AddCleanupHook([data]() {
    for (BpfObject* o : data->open_objects) {
      o->DoClose();
      o->Forget();
    }
    data->open_objects.clear();
  });
  exports.Set("BpfObject", ctor);
  exports.Set("load", Napi::Function::New(env, Load, "load"));
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClass, "setErrorClass"));
  exports.Set("takeLog", Napi::Function::New(env, TakeLog, "takeLog"));
  exports.Set("lockFile", Napi::Function::New(env, LockFile, "lockFile"));
  exports.Set("readFiles", Napi::Function::New(env, ReadFiles, "readFiles"));
  exports.Set("kernelFunctionParams", Napi::Function::New(env, KernelFunctionParams, "kernelFunctionParams"));
  exports.Set("kernelEnum", Napi::Function::New(env, KernelEnum, "kernelEnum"));
  exports.Set("symbolizeFile", Napi::Function::New(env, SymbolizeFile, "symbolizeFile"));
  return exports;
}

NODE_API_MODULE(sixty, Init)
