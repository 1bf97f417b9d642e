// Remote benchmarks for CAF 0.17's io middleman (BASP over TCP) -- the CAF
// peer of akt-remote-bench (issue 13 §2). Two processes on loopback: this
// program re-executes itself as the server (--serve), which publishes one
// actor on a free port; the client reaches it with remote_actor.
//
// Build: make -C bench/peers/caf              (g++ -O2, caf_core + caf_io)
// Run:   bench/peers/caf/caf-remote --scenario remote-tell|remote-ask|
//            remote-pingpong [--n N]
//
// Scenarios, as akt-remote-bench's (and bench/peers/erlang/remote.erl):
//   remote-tell      a scoped_actor sends N (tell, i) to the remote server,
//                    which answers when it has counted N (messages/s)
//   remote-ask       request(...).receive from a plain thread (a
//                    scoped_actor), one outstanding (asks/s, p50/p99)
//   remote-pingpong  a local actor sends (pp, i) and sends the next from
//                    the handler of the (pong, i) that comes back
//                    (round_trips/s, p50/p99)
// Both processes run 2 scheduler workers (scheduler.max-threads = 2). One
// JSON line per result (docs/profiler.md), with "transport":"tcp" and
// cpu_us_per_rt / cpu_us_per_msg: user+system CPU of both processes per
// round trip or message (the server's from its rusage at exit, its start
// included: a small overestimate).
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace caf;

using r_tell = atom_constant<atom("rtell")>;
using r_reset = atom_constant<atom("rreset")>;
using r_done = atom_constant<atom("rdone")>;
using r_ping = atom_constant<atom("rping")>;
using r_pp = atom_constant<atom("rpp")>;
using r_pong = atom_constant<atom("rpong")>;
using r_go = atom_constant<atom("rgo")>;

namespace {

using clk = std::chrono::steady_clock;

double secs_since(clk::time_point t0) {
  return std::chrono::duration<double>(clk::now() - t0).count();
}

double cpu_s(int who) {
  rusage ru;
  getrusage(who, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec
         + ru.ru_stime.tv_usec / 1e6;
}

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
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

void emit(const char* scenario, int64_t n, int64_t messages, double seconds,
          double rate, const char* unit, double p50, double p99,
          const char* cpu_key, double cpu_us) {
  std::printf("{\"runtime\":\"caf\",\"scenario\":\"%s\",\"params\":{\"n\":%"
              PRId64 "},\"messages\":%" PRId64 ",\"seconds\":%.6f,"
              "\"rate\":%.1f,\"unit\":\"%s\",\"threads\":2,\"p50_us\":%s,"
              "\"p99_us\":%s,\"transport\":\"tcp\",\"%s\":%.2f,"
              "\"version\":\"%d.%d.%d\",\"machine\":{\"cores\":%ld,"
              "\"cpu\":\"%s\"}}\n",
              scenario, n, messages, seconds, rate, unit,
              num_or_null(p50).c_str(), num_or_null(p99).c_str(), cpu_key,
              cpu_us, CAF_MAJOR_VERSION, CAF_MINOR_VERSION, CAF_PATCH_VERSION,
              sysconf(_SC_NPROCESSORS_ONLN), cpu_model().c_str());
  std::fflush(stdout);
}

void percentiles(std::vector<double>& v, double& p50, double& p99) {
  std::sort(v.begin(), v.end());
  p50 = v[v.size() / 2];
  p99 = v[static_cast<size_t>(static_cast<double>(v.size()) * 0.99)];
}

struct config : actor_system_config {
  config() {
    load<io::middleman>();
    set("scheduler.max-threads", static_cast<size_t>(2));
  }
};

// ---------------------------------------------------------------- server ---

struct server_state {
  int64_t target = -1;
  int64_t count = 0;
  actor client;
};

behavior server_fn(stateful_actor<server_state>* self) {
  return {
    [=](r_reset, int64_t n) {
      self->state.target = n;
      self->state.count = 0;
      self->state.client = actor_cast<actor>(self->current_sender());
      return r_reset::value;
    },
    [=](r_tell, int64_t) {
      if (++self->state.count == self->state.target)
        self->send(self->state.client, r_done::value, self->state.count);
    },
    [=](r_ping, int64_t i) { return i; },
    [=](r_pp, int64_t i) {
      self->send(actor_cast<actor>(self->current_sender()), r_pong::value, i);
    },
  };
}

int serve() {
  config cfg;
  actor_system sys{cfg};
  auto srv = sys.spawn(server_fn);
  auto port = sys.middleman().publish(srv, 0, "127.0.0.1");
  if (!port) {
    std::fprintf(stderr, "caf-remote: publish: %s\n",
                 sys.render(port.error()).c_str());
    return 1;
  }
  std::printf("READY %u\n", static_cast<unsigned>(*port));
  std::fflush(stdout);
  char buf[16];
  while (read(0, buf, sizeof buf) > 0) {
  }
  anon_send_exit(srv, exit_reason::user_shutdown);
  return 0;
}

// ---------------------------------------------------------------- client ---

struct pp_state {
  actor srv;
  actor main;
  int64_t left = 0;
  clk::time_point t;
  std::shared_ptr<std::vector<double>> lat;
};

behavior pinger_fn(stateful_actor<pp_state>* self, actor srv, int64_t n,
                   actor main, std::shared_ptr<std::vector<double>> lat) {
  self->state.srv = srv;
  self->state.main = main;
  self->state.left = n;
  self->state.lat = lat;
  return {
    [=](r_go) {
      self->state.t = clk::now();
      self->send(self->state.srv, r_pp::value, self->state.left);
    },
    [=](r_pong, int64_t) {
      auto& st = self->state;
      st.lat->push_back(
        std::chrono::duration<double, std::micro>(clk::now() - st.t).count());
      if (--st.left == 0) {
        self->send(st.main, r_done::value, int64_t{0});
        self->quit();
        return;
      }
      st.t = clk::now();
      self->send(st.srv, r_pp::value, st.left);
    },
  };
}

int client(const char* self_path, const std::string& scenario, int64_t n) {
  int in[2], out[2];
  if (pipe(in) != 0 || pipe(out) != 0)
    return 1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[1]);
    close(out[0]);
    execl(self_path, self_path, "--serve", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  FILE* f = fdopen(out[0], "r");
  unsigned port = 0;
  if (f == nullptr || std::fscanf(f, "READY %u", &port) != 1) {
    std::fprintf(stderr, "caf-remote: the server did not start\n");
    return 1;
  }
  int rc = 0;
  double cpu_self = 0;
  double secs = 0, p50 = -1, p99 = -1;
  {
    config cfg;
    actor_system sys{cfg};
    auto srv = sys.middleman().remote_actor("127.0.0.1",
                                            static_cast<uint16_t>(port));
    if (!srv) {
      std::fprintf(stderr, "caf-remote: remote_actor: %s\n",
                   sys.render(srv.error()).c_str());
      return 1;
    }
    scoped_actor self{sys};
    double c0 = cpu_s(RUSAGE_SELF);
    if (scenario == "remote-tell") {
      self->request(*srv, infinite, r_reset::value, n).receive([](r_reset) {},
                                                               [](error&) {});
      auto t0 = clk::now();
      for (int64_t i = 0; i < n; ++i)
        self->send(*srv, r_tell::value, i);
      self->receive([](r_done, int64_t) {});
      secs = secs_since(t0);
    } else if (scenario == "remote-ask") {
      std::vector<double> lat;
      lat.reserve(static_cast<size_t>(n));
      auto t0 = clk::now();
      for (int64_t i = 0; i < n; ++i) {
        auto t = clk::now();
        self->request(*srv, infinite, r_ping::value, i)
          .receive([&](int64_t) {},
                   [&](error& e) {
                     std::fprintf(stderr, "caf-remote: %s\n",
                                  sys.render(e).c_str());
                     rc = 1;
                   });
        lat.push_back(
          std::chrono::duration<double, std::micro>(clk::now() - t).count());
      }
      secs = secs_since(t0);
      percentiles(lat, p50, p99);
    } else if (scenario == "remote-pingpong") {
      auto lat = std::make_shared<std::vector<double>>();
      lat->reserve(static_cast<size_t>(n));
      auto t0 = clk::now();
      auto p = sys.spawn(pinger_fn, *srv, n, actor_cast<actor>(self), lat);
      self->send(p, r_go::value);
      self->receive([](r_done, int64_t) {});
      secs = secs_since(t0);
      percentiles(*lat, p50, p99);
    } else {
      std::fprintf(stderr, "caf-remote: unknown scenario %s\n",
                   scenario.c_str());
      rc = 2;
    }
    cpu_self = cpu_s(RUSAGE_SELF) - c0;
  }
  close(in[1]);
  int st;
  waitpid(pid, &st, 0);
  if (rc != 0)
    return rc;
  double cpu = (cpu_self + cpu_s(RUSAGE_CHILDREN)) * 1e6 / static_cast<double>(n);
  if (scenario == "remote-tell")
    emit("remote-tell", n, n, secs, n / secs, "messages/s", -1, -1,
         "cpu_us_per_msg", cpu);
  else if (scenario == "remote-ask")
    emit("remote-ask", n, 2 * n, secs, n / secs, "asks/s", p50, p99,
         "cpu_us_per_rt", cpu);
  else
    emit("remote-pingpong", n, 2 * n, secs, n / secs, "round_trips/s", p50,
         p99, "cpu_us_per_rt", cpu);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::string scenario;
  int64_t n = 20000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--serve") == 0)
      return serve();
    if (std::strcmp(argv[i], "--scenario") == 0 && i + 1 < argc)
      scenario = argv[++i];
    else if (std::strcmp(argv[i], "--n") == 0 && i + 1 < argc)
      n = std::atoll(argv[++i]);
    else {
      std::fprintf(stderr, "usage: caf-remote --scenario remote-tell|"
                           "remote-ask|remote-pingpong [--n N]\n");
      return 2;
    }
  }
  if (scenario.empty() || n <= 0) {
    std::fprintf(stderr, "caf-remote: --scenario and a positive --n\n");
    return 2;
  }
  return client(argv[0], scenario, n);
}
