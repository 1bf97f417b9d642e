// Savina-style benchmarks for CAF 0.17 — the CAF peer of akt's akt-savina.
//
// Build: make -C bench/peers/caf        (g++ -O2, links libcaf_core)
// Run:   bench/peers/caf/caf-savina --scenario pingpong [--n N] [--actors A]
//        bench/peers/caf/caf-savina --scenario all
//        bench/peers/caf/caf-savina --list
//
// Every result is printed as ONE JSON object on its own line, in the schema of
// docs/profiler.md. Rules held equal with the other runtimes: the scheduler
// has exactly 2 workers (scheduler.max-threads = 2, overridable with
// --threads), messages carry a small integer payload and are allocated per
// send as CAF allocates them for any user (one mailbox_element per send),
// parameters are the same names and defaults as akt-savina and the Erlang peer.
#include <caf/all.hpp>
#include <caf/config.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace caf;

using b_go = atom_constant<atom("bgo")>;
using b_get = atom_constant<atom("bget")>;
using b_done = atom_constant<atom("bdone")>;
using b_ping = atom_constant<atom("bping")>;
using b_pong = atom_constant<atom("bpong")>;
using b_meet = atom_constant<atom("bmeet")>;
using b_mate = atom_constant<atom("bmate")>;
using b_stop = atom_constant<atom("bstop")>;
using b_ready = atom_constant<atom("bready")>;

namespace {

using clk = std::chrono::steady_clock;

double secs_since(clk::time_point t0) {
  return std::chrono::duration<double>(clk::now() - t0).count();
}

// ---------------------------------------------------------------- output ---

struct options {
  std::string scenario;
  int64_t n = -1;      // -1: scenario default
  int64_t actors = -1; // -1: scenario default
  int threads = 2;
};

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto p = line.find(':');
      if (p == std::string::npos)
        break;
      auto s = line.substr(p + 1);
      s.erase(0, s.find_first_not_of(" \t"));
      std::string out;
      for (char c : s) {
        if (c == '"' || c == '\\')
          out += '\\';
        out += c;
      }
      return out;
    }
  }
  return "unknown";
}

std::string num_or_null(double v) {
  if (v < 0)
    return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

void emit(const options& o, const std::string& scenario,
          const std::string& params, int64_t messages, double seconds,
          double rate, const char* unit, double p50_us = -1,
          double p99_us = -1) {
  char ver[32];
  std::snprintf(ver, sizeof ver, "%d.%d.%d", CAF_MAJOR_VERSION,
                CAF_MINOR_VERSION, CAF_PATCH_VERSION);
  std::printf("{\"runtime\":\"caf\",\"scenario\":\"%s\",\"params\":{%s},"
              "\"messages\":%" PRId64 ",\"seconds\":%.6f,\"rate\":%.1f,"
              "\"unit\":\"%s\",\"threads\":%d,\"p50_us\":%s,\"p99_us\":%s,"
              "\"version\":\"%s\",\"machine\":{\"cores\":%ld,\"cpu\":\"%s\"}}\n",
              scenario.c_str(), params.c_str(), messages, seconds, rate, unit,
              o.threads, num_or_null(p50_us).c_str(),
              num_or_null(p99_us).c_str(), ver, sysconf(_SC_NPROCESSORS_ONLN),
              cpu_model().c_str());
  std::fflush(stdout);
}

std::string p_n(int64_t n) {
  return "\"n\":" + std::to_string(n);
}

std::string p_na(int64_t n, int64_t a) {
  return "\"n\":" + std::to_string(n) + ",\"actors\":" + std::to_string(a);
}

int64_t pick(int64_t v, int64_t dflt) {
  return v > 0 ? v : dflt;
}

void percentiles(std::vector<double>& v, double& p50, double& p99) {
  if (v.empty()) {
    p50 = p99 = -1;
    return;
  }
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(q * (v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
  };
  p50 = at(0.50);
  p99 = at(0.99);
}

struct system_holder {
  actor_system_config cfg;
  std::unique_ptr<actor_system> sys;
  explicit system_holder(int threads) {
    cfg.set("scheduler.max-threads", static_cast<size_t>(threads));
    sys.reset(new actor_system(cfg));
  }
};

// -------------------------------------------------------------- pingpong ---
// 2 actors bounce one message; n round trips.

behavior pong_fn(event_based_actor* self) {
  return {
    [=](b_ping, int64_t k) {
      self->send(actor_cast<actor>(self->current_sender()), b_pong::value, k);
    },
    [=](b_stop) { self->quit(); },
  };
}

struct ping_state {
  int64_t left = 0;
  actor pong;
  actor main;
};

behavior ping_fn(stateful_actor<ping_state>* self, actor pong, int64_t n,
                 actor main) {
  self->state.left = n;
  self->state.pong = pong;
  self->state.main = main;
  return {
    [=](b_go) { self->send(self->state.pong, b_ping::value, self->state.left); },
    [=](b_pong, int64_t) {
      auto& st = self->state;
      if (--st.left == 0) {
        self->send(st.pong, b_stop::value);
        self->send(st.main, b_done::value);
        self->quit();
        return;
      }
      self->send(st.pong, b_ping::value, st.left);
    },
  };
}

void run_pingpong(const options& o) {
  int64_t n = pick(o.n, 1000000);
  system_holder h(o.threads);
  auto& sys = *h.sys;
  scoped_actor self{sys};
  auto t0 = clk::now();
  auto pong = sys.spawn(pong_fn);
  auto ping = sys.spawn(ping_fn, pong, n, actor_cast<actor>(self));
  self->send(ping, b_go::value);
  self->receive([](b_done) {});
  double s = secs_since(t0);
  emit(o, "pingpong", p_n(n), 2 * n, s, n / s, "round_trips/s");
}

// -------------------------------------------------------------- counting ---
// 1 producer -> 1 counter, n messages, then ask the total.

struct counter_state {
  int64_t sum = 0;
};

behavior counter_fn(stateful_actor<counter_state>* self) {
  return {
    [=](int64_t x) { self->state.sum += x; },
    [=](b_get) {
      self->quit();
      return self->state.sum;
    },
  };
}

behavior producer_fn(event_based_actor* self, actor counter, int64_t n,
                     actor main) {
  return {
    [=](b_go) {
      for (int64_t i = 1; i <= n; ++i)
        self->send(counter, i);
      self->request(counter, infinite, b_get::value).then([=](int64_t total) {
        self->send(main, b_done::value, total);
        self->quit();
      });
    },
  };
}

void run_counting(const options& o) {
  int64_t n = pick(o.n, 10000000);
  system_holder h(o.threads);
  auto& sys = *h.sys;
  scoped_actor self{sys};
  auto t0 = clk::now();
  auto counter = sys.spawn(counter_fn);
  auto prod = sys.spawn(producer_fn, counter, n, actor_cast<actor>(self));
  self->send(prod, b_go::value);
  int64_t total = 0;
  self->receive([&](b_done, int64_t t) { total = t; });
  double s = secs_since(t0);
  if (total != n * (n + 1) / 2) {
    std::fprintf(stderr, "counting: wrong total %" PRId64 "\n", total);
    std::exit(1);
  }
  emit(o, "counting", p_n(n), n, s, n / s, "messages/s");
}

// -------------------------------------------------------------- fjthrput ---
// 1 sender, n messages round-robin over `actors` workers.

struct fjw_state {
  int64_t left = 0;
};

behavior fj_worker_fn(stateful_actor<fjw_state>* self, int64_t expect,
                      actor main) {
  self->state.left = expect;
  return {
    [=](int64_t) {
      if (--self->state.left == 0) {
        self->send(main, b_done::value);
        self->quit();
      }
    },
  };
}

behavior fj_sender_fn(event_based_actor* self,
                      std::shared_ptr<std::vector<actor>> ws, int64_t n) {
  return {
    [=](b_go) {
      auto& v = *ws;
      size_t w = v.size();
      for (int64_t i = 0; i < n; ++i)
        self->send(v[static_cast<size_t>(i) % w], i);
      self->quit();
    },
  };
}

void run_fjthrput(const options& o) {
  int64_t n = pick(o.n, 1000000);
  int64_t a = pick(o.actors, 60);
  system_holder h(o.threads);
  auto& sys = *h.sys;
  scoped_actor self{sys};
  auto t0 = clk::now();
  auto ws = std::make_shared<std::vector<actor>>();
  int64_t active = 0;
  for (int64_t i = 0; i < a; ++i) {
    int64_t expect = n / a + (i < n % a ? 1 : 0);
    if (expect > 0) {
      ws->push_back(sys.spawn(fj_worker_fn, expect, actor_cast<actor>(self)));
      ++active;
    }
  }
  auto sender = sys.spawn(fj_sender_fn, ws, n);
  self->send(sender, b_go::value);
  for (int64_t i = 0; i < active; ++i)
    self->receive([](b_done) {});
  double s = secs_since(t0);
  emit(o, "fjthrput", p_na(n, a), n, s, n / s, "messages/s");
}

// -------------------------------------------------------------- fjcreate ---
// A creator spawns n actors; each gets one message, replies to a separate
// collector and stops.

behavior fjc_worker_fn(event_based_actor* self, actor coll) {
  return {
    [=](int64_t x) {
      self->send(coll, x);
      self->quit();
    },
  };
}

struct coll_state {
  int64_t left = 0;
};

behavior fjc_collector_fn(stateful_actor<coll_state>* self, int64_t n,
                          actor main) {
  self->state.left = n;
  return {
    [=](int64_t) {
      if (--self->state.left == 0) {
        self->send(main, b_done::value);
        self->quit();
      }
    },
  };
}

behavior fjc_creator_fn(event_based_actor* self, actor coll, int64_t n) {
  return {
    [=](b_go) {
      for (int64_t i = 0; i < n; ++i) {
        auto w = self->spawn(fjc_worker_fn, coll);
        self->send(w, i);
      }
      self->quit();
    },
  };
}

void run_fjcreate(const options& o) {
  int64_t n = pick(o.n, 20000);
  system_holder h(o.threads);
  auto& sys = *h.sys;
  scoped_actor self{sys};
  auto t0 = clk::now();
  auto coll = sys.spawn(fjc_collector_fn, n, actor_cast<actor>(self));
  auto creator = sys.spawn(fjc_creator_fn, coll, n);
  self->send(creator, b_go::value);
  self->receive([](b_done) {});
  double s = secs_since(t0);
  emit(o, "fjcreate", p_n(n), 2 * n, s, n / s, "actors/s");
}

// ------------------------------------------------------------ threadring ---
// `actors` actors in a ring pass one token n hops.

behavior ring_fn(event_based_actor* self,
                 std::shared_ptr<std::vector<actor>> ring, size_t idx,
                 actor main) {
  size_t next = (idx + 1) % ring->size();
  return {
    [=](int64_t k) {
      if (k == 0)
        self->send(main, b_done::value);
      else
        self->send((*ring)[next], k - 1);
    },
    [=](b_stop) { self->quit(); },
  };
}

void run_threadring(const options& o) {
  int64_t n = pick(o.n, 10000000);
  int64_t a = pick(o.actors, 100);
  system_holder h(o.threads);
  auto& sys = *h.sys;
  scoped_actor self{sys};
  auto t0 = clk::now();
  auto ring = std::make_shared<std::vector<actor>>(static_cast<size_t>(a));
  for (size_t i = 0; i < static_cast<size_t>(a); ++i)
    (*ring)[i] = sys.spawn(ring_fn, ring, i, actor_cast<actor>(self));
  self->send((*ring)[0], n);
  self->receive([](b_done) {});
  double s = secs_since(t0);
  for (auto& r : *ring)
    self->send(r, b_stop::value);
  ring->clear();
  emit(o, "threadring", p_na(n, a), n, s, n / s, "hops/s");
}

// ------------------------------------------------------------- chameneos ---
// `actors` chameneos meet pairwise in a mall, n meetings in total.

int complement(int a, int b) {
  return a == b ? a : 3 - a - b;
}

struct mall_state {
  int64_t left = 0;
  int64_t stopped = 0;
  int64_t total = 0;
  bool waiting = false;
  actor wactor;
  int wcolor = 0;
  actor main;
};

behavior mall_fn(stateful_actor<mall_state>* self, int64_t n, int64_t c,
                 actor main) {
  self->state.left = n;
  self->state.total = c;
  self->state.main = main;
  return {
    [=](b_meet, int color) {
      auto& st = self->state;
      auto from = actor_cast<actor>(self->current_sender());
      if (st.left == 0) {
        self->send(from, b_stop::value);
        if (++st.stopped == st.total) {
          self->send(st.main, b_done::value);
          self->quit();
        }
      } else if (st.waiting) {
        self->send(st.wactor, b_mate::value, color);
        self->send(from, b_mate::value, st.wcolor);
        st.waiting = false;
        st.wactor = nullptr;
        --st.left;
      } else {
        st.waiting = true;
        st.wactor = std::move(from);
        st.wcolor = color;
      }
    },
  };
}

struct cham_state {
  int color = 0;
};

behavior chameneo_fn(stateful_actor<cham_state>* self, actor mall, int color) {
  self->state.color = color;
  return {
    [=](b_go) { self->send(mall, b_meet::value, self->state.color); },
    [=](b_mate, int other) {
      self->state.color = complement(self->state.color, other);
      self->send(mall, b_meet::value, self->state.color);
    },
    [=](b_stop) { self->quit(); },
  };
}

void run_chameneos(const options& o) {
  int64_t n = pick(o.n, 200000);
  int64_t c = pick(o.actors, 100);
  system_holder h(o.threads);
  auto& sys = *h.sys;
  scoped_actor self{sys};
  auto t0 = clk::now();
  auto mall = sys.spawn(mall_fn, n, c, actor_cast<actor>(self));
  std::vector<actor> cs;
  for (int64_t i = 0; i < c; ++i)
    cs.push_back(sys.spawn(chameneo_fn, mall, static_cast<int>(i % 3)));
  for (auto& x : cs)
    self->send(x, b_go::value);
  self->receive([](b_done) {});
  double s = secs_since(t0);
  emit(o, "chameneos", p_na(n, c), 4 * n, s, n / s, "meetings/s");
}

// ------------------------------------------------------------------- big ---
// `actors` workers; each sends n pings to random peers, each ping answered
// by a pong; the next ping goes out when the pong is back.

struct big_state {
  int64_t left = 0;
  std::minstd_rand rng;
};

behavior big_fn(stateful_actor<big_state>* self,
                std::shared_ptr<std::vector<actor>> all, int64_t idx,
                int64_t n, actor sink) {
  self->state.left = n;
  self->state.rng.seed(static_cast<unsigned>(idx + 1));
  auto send_ping = [=] {
    auto& st = self->state;
    size_t w = all->size();
    size_t t = st.rng() % w;
    if (t == static_cast<size_t>(idx))
      t = (t + 1) % w;
    --st.left;
    self->send((*all)[t], b_ping::value, idx);
  };
  return {
    [=](b_go) { send_ping(); },
    [=](b_ping, int64_t from) {
      self->send((*all)[static_cast<size_t>(from)], b_pong::value);
    },
    [=](b_pong) {
      if (self->state.left == 0)
        self->send(sink, b_done::value);
      else
        send_ping();
    },
    [=](b_stop) { self->quit(); },
  };
}

void run_big(const options& o) {
  int64_t n = pick(o.n, 20000);
  int64_t a = pick(o.actors, 120);
  system_holder h(o.threads);
  auto& sys = *h.sys;
  scoped_actor self{sys};
  auto t0 = clk::now();
  auto all = std::make_shared<std::vector<actor>>(static_cast<size_t>(a));
  for (int64_t i = 0; i < a; ++i)
    (*all)[static_cast<size_t>(i)] =
      sys.spawn(big_fn, all, i, n, actor_cast<actor>(self));
  for (auto& x : *all)
    self->send(x, b_go::value);
  for (int64_t i = 0; i < a; ++i)
    self->receive([](b_done) {});
  double s = secs_since(t0);
  for (auto& x : *all)
    self->send(x, b_stop::value);
  all->clear();
  int64_t msgs = 2 * n * a;
  emit(o, "big", p_na(n, a), msgs, s, msgs / s, "messages/s");
}

// ---------------------------------------------------------------- memory ---
// RSS delta per idle actor (spawned, initialized, waiting) over n actors.

long rss_bytes() {
  long pages_total = 0, pages_rss = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr)
    return -1;
  if (std::fscanf(f, "%ld %ld", &pages_total, &pages_rss) != 2)
    pages_rss = -1;
  std::fclose(f);
  return pages_rss * sysconf(_SC_PAGESIZE);
}

behavior idle_fn(event_based_actor* self, actor coll) {
  self->send(coll, b_ready::value);
  return {
    [=](b_stop) { self->quit(); },
  };
}

behavior ready_counter_fn(stateful_actor<coll_state>* self, int64_t n,
                          actor main) {
  self->state.left = n;
  return {
    [=](b_ready) {
      if (--self->state.left == 0) {
        self->send(main, b_done::value);
        self->quit();
      }
    },
  };
}

void run_memory(const options& o) {
  int64_t n = pick(o.n, 1000000);
  system_holder h(o.threads);
  auto& sys = *h.sys;
  scoped_actor self{sys};
  // Touch the handle array first so that its pages count in the baseline.
  std::vector<actor> v(static_cast<size_t>(n));
  std::memset(static_cast<void*>(v.data()), 0, v.size() * sizeof(actor));
  auto coll = sys.spawn(ready_counter_fn, n, actor_cast<actor>(self));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  long before = rss_bytes();
  auto t0 = clk::now();
  for (int64_t i = 0; i < n; ++i)
    v[static_cast<size_t>(i)] = sys.spawn(idle_fn, coll);
  self->receive([](b_done) {});
  double s = secs_since(t0);
  long after = rss_bytes();
  double per = static_cast<double>(after - before) / static_cast<double>(n);
  for (auto& x : v)
    self->send(x, b_stop::value);
  v.clear();
  emit(o, "memory", p_n(n), n, s, per, "bytes/actor");
}

// ----------------------------------------------------------- ask, inside ---
// One actor asks another (request().then), one request outstanding, n times.

behavior server_fn(event_based_actor* self) {
  return {
    [=](b_ping, int64_t x) { return x + 1; },
    [=](b_stop) { self->quit(); },
  };
}

struct asker_state {
  int64_t left = 0;
  clk::time_point t;
};

void ask_next(stateful_actor<asker_state>* self, actor server, actor main,
              std::shared_ptr<std::vector<double>> lat) {
  auto& st = self->state;
  if (st.left == 0) {
    self->send(main, b_done::value);
    self->quit();
    return;
  }
  st.t = clk::now();
  self->request(server, infinite, b_ping::value, st.left)
    .then([=](int64_t r) {
      auto& s2 = self->state;
      lat->push_back(
        std::chrono::duration<double, std::micro>(clk::now() - s2.t).count());
      if (r != s2.left + 1) {
        std::fprintf(stderr, "ask: wrong reply\n");
        std::exit(1);
      }
      --s2.left;
      ask_next(self, server, main, lat);
    });
}

behavior asker_fn(stateful_actor<asker_state>* self, actor server, int64_t n,
                  actor main, std::shared_ptr<std::vector<double>> lat) {
  self->state.left = n;
  return {
    [=](b_go) { ask_next(self, server, main, lat); },
  };
}

void run_ask_inside(const options& o) {
  int64_t n = pick(o.n, 200000);
  system_holder h(o.threads);
  auto& sys = *h.sys;
  scoped_actor self{sys};
  auto lat = std::make_shared<std::vector<double>>();
  lat->reserve(static_cast<size_t>(n));
  auto t0 = clk::now();
  auto server = sys.spawn(server_fn);
  auto asker = sys.spawn(asker_fn, server, n, actor_cast<actor>(self), lat);
  self->send(asker, b_go::value);
  self->receive([](b_done) {});
  double s = secs_since(t0);
  self->send(server, b_stop::value);
  double p50, p99;
  percentiles(*lat, p50, p99);
  emit(o, "ask_inside", p_n(n), 2 * n, s, n / s, "asks/s", p50, p99);
}

// ---------------------------------------------------------- ask, outside ---
// A plain thread (main, through a scoped_actor) asks an actor and blocks for
// the reply, n times.

void run_ask_outside(const options& o) {
  int64_t n = pick(o.n, 20000);
  system_holder h(o.threads);
  auto& sys = *h.sys;
  scoped_actor self{sys};
  std::vector<double> lat;
  lat.reserve(static_cast<size_t>(n));
  auto server = sys.spawn(server_fn);
  auto t0 = clk::now();
  for (int64_t i = 0; i < n; ++i) {
    auto t = clk::now();
    self->request(server, infinite, b_ping::value, i)
      .receive(
        [&](int64_t r) {
          if (r != i + 1) {
            std::fprintf(stderr, "ask_outside: wrong reply\n");
            std::exit(1);
          }
        },
        [&](error& e) {
          std::fprintf(stderr, "ask_outside: %s\n", to_string(e).c_str());
          std::exit(1);
        });
    lat.push_back(
      std::chrono::duration<double, std::micro>(clk::now() - t).count());
  }
  double s = secs_since(t0);
  self->send(server, b_stop::value);
  double p50, p99;
  percentiles(lat, p50, p99);
  emit(o, "ask_outside", p_n(n), 2 * n, s, n / s, "asks/s", p50, p99);
}

// ------------------------------------------------------------------ main ---

const std::vector<std::pair<std::string, std::function<void(const options&)>>>&
scenarios() {
  static const std::vector<
    std::pair<std::string, std::function<void(const options&)>>>
    tbl = {
      {"pingpong", run_pingpong},     {"counting", run_counting},
      {"fjthrput", run_fjthrput},     {"fjcreate", run_fjcreate},
      {"threadring", run_threadring}, {"chameneos", run_chameneos},
      {"big", run_big},               {"memory", run_memory},
      {"ask_inside", run_ask_inside}, {"ask_outside", run_ask_outside},
    };
  return tbl;
}

[[noreturn]] void usage(int rc) {
  std::fprintf(rc == 0 ? stdout : stderr,
               "usage: caf-savina --scenario NAME|all [--n N] [--actors A] "
               "[--threads T]\n       caf-savina --list\n");
  std::exit(rc);
}

int64_t parse_int(const char* s, const char* what) {
  char* end = nullptr;
  long long v = std::strtoll(s, &end, 10);
  if (end == s || *end != '\0' || v <= 0) {
    std::fprintf(stderr, "caf-savina: bad value for %s: %s\n", what, s);
    std::exit(2);
  }
  return v;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string val;
    bool has_val = false;
    auto eq = a.find('=');
    if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
      val = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_val = true;
    }
    auto next = [&]() -> std::string {
      if (has_val)
        return val;
      if (i + 1 >= argc)
        usage(2);
      return argv[++i];
    };
    if (a == "--scenario")
      o.scenario = next();
    else if (a == "--n")
      o.n = parse_int(next().c_str(), "--n");
    else if (a == "--actors")
      o.actors = parse_int(next().c_str(), "--actors");
    else if (a == "--threads")
      o.threads = static_cast<int>(parse_int(next().c_str(), "--threads"));
    else if (a == "--list") {
      for (auto& s : scenarios())
        std::printf("%s\n", s.first.c_str());
      return 0;
    } else if (a == "--help" || a == "-h")
      usage(0);
    else {
      std::fprintf(stderr, "caf-savina: unknown argument %s\n", a.c_str());
      usage(2);
    }
  }
  if (o.scenario.empty())
    usage(2);
  if (o.scenario == "all") {
    for (auto& s : scenarios())
      s.second(o);
    return 0;
  }
  for (auto& s : scenarios())
    if (s.first == o.scenario) {
      s.second(o);
      return 0;
    }
  std::fprintf(stderr, "caf-savina: unknown scenario %s\n",
               o.scenario.c_str());
  return 2;
}
