%% Savina-style benchmarks for Erlang/OTP -- the Erlang peer of akt's
%% akt-savina and of bench/peers/caf.
%%
%% Build: make -C bench/peers/erlang          (erlc -> ebin/savina.beam)
%% Run:   bench/peers/erlang/erl-savina --scenario pingpong [--n N] [--actors A]
%%        bench/peers/erlang/erl-savina --scenario all | --list
%%
%% The VM runs with its default schedulers (one per core: 2 here) and the JIT.
%% Every result is ONE JSON object on its own line (schema: docs/profiler.md).
%% Messages are small terms (an integer or a small tuple), copied into the
%% receiver per send as Erlang always does. Exit status 3: the scenario does
%% not apply to Erlang (ask_outside: there is no plain OS thread to ask from).
-module(savina).
-behaviour(gen_server).

-export([main/0, main/1]).
-export([init/1, handle_call/3, handle_cast/2]).

-define(SCENARIOS, [pingpong, counting, fjthrput, fjcreate, threadring,
                    chameneos, big, memory, ask_inside, ask_outside]).

%% ------------------------------------------------------------------ main --

main() ->
    main(init:get_plain_arguments()).

main(Args) ->
    Rc = try run(parse(Args, #{})) of
             R -> R
         catch
             throw:{usage, Msg} ->
                 io:format(standard_error, "erl-savina: ~s~n"
                           "usage: erl-savina --scenario NAME|all [--n N] "
                           "[--actors A]\n       erl-savina --list~n", [Msg]),
                 2
         end,
    halt(Rc).

parse([], O) -> O;
parse(["--list" | _], _) -> list;
parse([[$-, $- | _] = A | Rest], O) ->
    case string:split(A, "=") of
        [K, V] -> parse_kv(K, V, Rest, O);
        [K] ->
            case Rest of
                [V | Rest2] -> parse_kv(K, V, Rest2, O);
                [] -> throw({usage, "missing value for " ++ K})
            end
    end;
parse([A | _], _) -> throw({usage, "unknown argument " ++ A}).

parse_kv("--scenario", V, Rest, O) -> parse(Rest, O#{scenario => V});
parse_kv("--n", V, Rest, O) -> parse(Rest, O#{n => pos_int(V)});
parse_kv("--actors", V, Rest, O) -> parse(Rest, O#{actors => pos_int(V)});
parse_kv("--threads", V, Rest, O) ->
    %% Accepted for symmetry with the other runtimes; the VM's scheduler
    %% count is set by +S on the command line (erl-savina passes it through).
    _ = pos_int(V), parse(Rest, O);
parse_kv(K, _, _, _) -> throw({usage, "unknown argument " ++ K}).

pos_int(V) ->
    case string:to_integer(V) of
        {I, ""} when I > 0 -> I;
        _ -> throw({usage, "bad number " ++ V})
    end.

run(list) ->
    [io:format("~s~n", [S]) || S <- ?SCENARIOS],
    0;
run(#{scenario := "all"} = O) ->
    lists:foreach(fun(S) -> scenario(S, O) end, ?SCENARIOS -- [ask_outside]),
    0;
run(#{scenario := S} = O) ->
    case lists:member(S, [atom_to_list(X) || X <- ?SCENARIOS]) of
        true -> scenario(list_to_atom(S), O);
        false -> throw({usage, "unknown scenario " ++ S})
    end;
run(_) -> throw({usage, "--scenario is required"}).

opt(K, O, Default) -> maps:get(K, O, Default).

now_ns() -> erlang:monotonic_time(nanosecond).
secs(T0) -> (now_ns() - T0) / 1.0e9.

%% ------------------------------------------------------------- scenarios --

%% pingpong: 2 processes bounce one message, n round trips.
scenario(pingpong, O) ->
    N = opt(n, O, 1000000),
    Main = self(),
    T0 = now_ns(),
    Pong = spawn(fun pong_loop/0),
    Ping = spawn(fun() -> receive go -> ping_loop(Pong, N), Main ! done end end),
    Ping ! go,
    receive done -> ok end,
    S = secs(T0),
    emit(pingpong, [{n, N}], 2 * N, S, N / S, "round_trips/s"),
    0;

%% counting: 1 producer -> 1 counter, n messages, then ask the total.
scenario(counting, O) ->
    N = opt(n, O, 10000000),
    Main = self(),
    T0 = now_ns(),
    Counter = spawn(fun() -> counter_loop(0) end),
    Prod = spawn(fun() ->
                         receive go -> ok end,
                         produce(Counter, 1, N),
                         Counter ! {get, self()},
                         receive {total, T} -> Main ! {done, T} end
                 end),
    Prod ! go,
    Total = receive {done, T} -> T end,
    S = secs(T0),
    case Total =:= N * (N + 1) div 2 of
        true -> ok;
        false -> io:format(standard_error, "counting: wrong total~n", []), halt(1)
    end,
    emit(counting, [{n, N}], N, S, N / S, "messages/s"),
    0;

%% fjthrput: 1 sender, n messages round-robin over `actors` workers.
scenario(fjthrput, O) ->
    N = opt(n, O, 1000000),
    A = opt(actors, O, 60),
    Main = self(),
    T0 = now_ns(),
    Expects = [N div A + (case I < N rem A of true -> 1; false -> 0 end)
               || I <- lists:seq(0, A - 1)],
    Workers = list_to_tuple([spawn(fun() -> fj_worker(E, Main) end)
                             || E <- Expects]),
    Active = length([E || E <- Expects, E > 0]),
    Sender = spawn(fun() -> receive go -> fj_send(Workers, A, 0, N) end end),
    Sender ! go,
    wait_n(done, Active),
    S = secs(T0),
    [exit(P, kill) || {P, 0} <- lists:zip(tuple_to_list(Workers), Expects)],
    emit(fjthrput, [{n, N}, {actors, A}], N, S, N / S, "messages/s"),
    0;

%% fjcreate: a creator spawns n processes; each gets one message, replies to
%% a separate collector and stops.
scenario(fjcreate, O) ->
    N = opt(n, O, 20000),
    Main = self(),
    T0 = now_ns(),
    Coll = spawn(fun() -> collect(N), Main ! done end),
    Creator = spawn(fun() -> receive go -> fjc_create(Coll, 0, N) end end),
    Creator ! go,
    receive done -> ok end,
    S = secs(T0),
    emit(fjcreate, [{n, N}], 2 * N, S, N / S, "actors/s"),
    0;

%% threadring: `actors` processes in a ring pass one token n hops.
scenario(threadring, O) ->
    N = opt(n, O, 10000000),
    A = opt(actors, O, 100),
    Main = self(),
    T0 = now_ns(),
    Ring = [spawn(fun() -> receive {next, Nx} -> ring_loop(Nx, Main) end end)
            || _ <- lists:seq(1, A)],
    [First | _] = Ring,
    Nexts = tl(Ring) ++ [First],
    [P ! {next, Nx} || {P, Nx} <- lists:zip(Ring, Nexts)],
    First ! N,
    receive done -> ok end,
    S = secs(T0),
    [P ! stop || P <- Ring],
    emit(threadring, [{n, N}, {actors, A}], N, S, N / S, "hops/s"),
    0;

%% chameneos: `actors` chameneos meet pairwise in a mall, n meetings.
scenario(chameneos, O) ->
    N = opt(n, O, 200000),
    C = opt(actors, O, 100),
    Main = self(),
    T0 = now_ns(),
    Mall = spawn(fun() -> mall_loop(N, 0, C, none, Main) end),
    Cs = [spawn(fun() -> chameneo_loop(Mall, I rem 3) end)
          || I <- lists:seq(0, C - 1)],
    [P ! go || P <- Cs],
    receive done -> ok end,
    S = secs(T0),
    emit(chameneos, [{n, N}, {actors, C}], 4 * N, S, N / S, "meetings/s"),
    0;

%% big: `actors` workers; each sends n pings to random peers, each answered
%% by a pong; the next ping goes out when the pong is back.
scenario(big, O) ->
    N = opt(n, O, 20000),
    A = opt(actors, O, 120),
    Main = self(),
    T0 = now_ns(),
    Ws = [spawn(fun() -> receive {init, All} ->
                                 big_loop(I, N, All, A, Main, I + 1)
                         end end)
          || I <- lists:seq(0, A - 1)],
    All = list_to_tuple(Ws),
    [P ! {init, All} || P <- Ws],
    [P ! go || P <- Ws],
    wait_n(done, A),
    S = secs(T0),
    [P ! stop || P <- Ws],
    Msgs = 2 * N * A,
    emit(big, [{n, N}, {actors, A}], Msgs, S, Msgs / S, "messages/s"),
    0;

%% memory: RSS delta per idle process (spawned, has run, waiting) over n.
%% The harness keeps no list of the pids while measuring: it finds them
%% afterwards with erlang:processes() to stop them.
scenario(memory, O) ->
    N = opt(n, O, 1000000),
    Main = self(),
    Before0 = erlang:processes(),
    erlang:garbage_collect(),
    timer:sleep(50),
    Before = rss_bytes(),
    %% A separate collector counts the ready signals, as in the CAF peer
    %% (the spawning process's own heap would otherwise be GC'd with a
    %% growing mailbox).
    Coll = spawn(fun() -> wait_n(ready, N), Main ! done end),
    T0 = now_ns(),
    spawn_idle(Coll, N),
    receive done -> ok end,
    S = secs(T0),
    After = rss_bytes(),
    Per = (After - Before) / N,
    New = erlang:processes() -- Before0,
    [exit(P, kill) || P <- New, P =/= self()],
    emit(memory, [{n, N}], N, S, Per, "bytes/actor"),
    0;

%% ask_inside: one process asks a gen_server (gen_server:call), one request
%% outstanding, n times.
scenario(ask_inside, O) ->
    N = opt(n, O, 200000),
    Main = self(),
    {ok, Server} = gen_server:start(?MODULE, [], []),
    T0 = now_ns(),
    spawn(fun() ->
                  receive go -> ok end,
                  Lats = ask_loop(Server, N, []),
                  Main ! done,
                  {P50, P99} = percentiles(Lats),
                  Main ! {lat, P50, P99}
          end) ! go,
    receive done -> ok end,
    S = secs(T0),
    {P50, P99} = receive {lat, A, B} -> {A, B} end,
    gen_server:stop(Server),
    emit(ask_inside, [{n, N}], 2 * N, S, N / S, "asks/s", P50, P99),
    0;

scenario(ask_outside, _O) ->
    io:format(standard_error,
              "erl-savina: ask_outside does not apply to Erlang "
              "(no plain OS thread outside the VM to ask from)~n", []),
    3.

%% ---------------------------------------------------------- actor bodies --

pong_loop() ->
    receive
        {ping, From, K} -> From ! {pong, K}, pong_loop();
        stop -> ok
    end.

ping_loop(Pong, 0) -> Pong ! stop;
ping_loop(Pong, N) ->
    Pong ! {ping, self(), N},
    receive {pong, _} -> ping_loop(Pong, N - 1) end.

counter_loop(Sum) ->
    receive
        X when is_integer(X) -> counter_loop(Sum + X);
        {get, From} -> From ! {total, Sum}
    end.

produce(_, I, N) when I > N -> ok;
produce(C, I, N) -> C ! I, produce(C, I + 1, N).

fj_worker(0, _) -> receive stop -> ok end;
fj_worker(1, Main) -> receive _ -> Main ! done end;
fj_worker(L, Main) -> receive _ -> fj_worker(L - 1, Main) end.

fj_send(_, _, I, N) when I >= N -> ok;
fj_send(Ws, A, I, N) ->
    element(I rem A + 1, Ws) ! I,
    fj_send(Ws, A, I + 1, N).

collect(0) -> ok;
collect(L) -> receive _ -> collect(L - 1) end.

fjc_create(_, I, N) when I >= N -> ok;
fjc_create(Coll, I, N) ->
    W = spawn(fun() -> receive X -> Coll ! X end end),
    W ! I,
    fjc_create(Coll, I + 1, N).

ring_loop(Next, Main) ->
    receive
        0 -> Main ! done, ring_loop(Next, Main);
        K when is_integer(K) -> Next ! K - 1, ring_loop(Next, Main);
        stop -> ok
    end.

complement(A, A) -> A;
complement(A, B) -> 3 - A - B.

mall_loop(Left, Stopped, Total, Waiting, Main) ->
    receive
        {meet, From, _Color} when Left =:= 0 ->
            From ! stop,
            case Stopped + 1 of
                Total -> Main ! done;
                St -> mall_loop(0, St, Total, Waiting, Main)
            end;
        {meet, From, Color} ->
            case Waiting of
                {W, WColor} ->
                    W ! {mate, Color},
                    From ! {mate, WColor},
                    mall_loop(Left - 1, Stopped, Total, none, Main);
                none ->
                    mall_loop(Left, Stopped, Total, {From, Color}, Main)
            end
    end.

chameneo_loop(Mall, Color) ->
    receive
        go -> Mall ! {meet, self(), Color}, chameneo_loop(Mall, Color);
        {mate, Other} ->
            C2 = complement(Color, Other),
            Mall ! {meet, self(), C2},
            chameneo_loop(Mall, C2);
        stop -> ok
    end.

%% Same generator as CAF's std::minstd_rand (seeded with idx + 1).
minstd(S) -> (S * 48271) rem 2147483647.

big_ping(Idx, All, A, Seed) ->
    S2 = minstd(Seed),
    T0 = S2 rem A,
    T = case T0 of Idx -> (T0 + 1) rem A; _ -> T0 end,
    element(T + 1, All) ! {ping, Idx},
    S2.

big_loop(Idx, Left, All, A, Sink, Seed) ->
    receive
        {ping, From} ->
            element(From + 1, All) ! pong,
            big_loop(Idx, Left, All, A, Sink, Seed);
        pong when Left =:= 0 ->
            Sink ! done,
            big_loop(Idx, Left, All, A, Sink, Seed);
        Go when Go =:= go; Go =:= pong ->
            S2 = big_ping(Idx, All, A, Seed),
            big_loop(Idx, Left - 1, All, A, Sink, S2);
        stop -> ok
    end.

spawn_idle(_, 0) -> ok;
spawn_idle(Coll, N) ->
    spawn(fun() -> Coll ! ready, receive stop -> ok end end),
    spawn_idle(Coll, N - 1).

wait_n(_, 0) -> ok;
wait_n(Msg, N) -> receive Msg -> wait_n(Msg, N - 1) end.

ask_loop(_, 0, Acc) -> Acc;
ask_loop(Server, K, Acc) ->
    T = now_ns(),
    R = gen_server:call(Server, {ping, K}, infinity),
    L = now_ns() - T,
    case R =:= K + 1 of
        true -> ask_loop(Server, K - 1, [L | Acc]);
        false -> io:format(standard_error, "ask: wrong reply~n", []), halt(1)
    end.

%% gen_server callbacks for ask_inside
init([]) -> {ok, nostate}.
handle_call({ping, X}, _From, S) -> {reply, X + 1, S}.
handle_cast(_, S) -> {noreply, S}.

%% --------------------------------------------------------------- helpers --

percentiles([]) -> {null, null};
percentiles(Ns) ->
    T = list_to_tuple(lists:sort(Ns)),
    Len = tuple_size(T),
    At = fun(Q) -> element(min(Len, round(Q * (Len - 1)) + 1), T) / 1000 end,
    {At(0.50), At(0.99)}.

rss_bytes() ->
    {ok, B} = file:read_file("/proc/self/statm"),
    [_, Rss | _] = string:lexemes(binary_to_list(B), " \n"),
    list_to_integer(Rss) * 4096.

otp_version() ->
    Rel = erlang:system_info(otp_release),
    F = filename:join([code:root_dir(), "releases", Rel, "OTP_VERSION"]),
    case file:read_file(F) of
        {ok, V} -> string:trim(binary_to_list(V));
        _ -> Rel
    end.

cpu_model() ->
    case file:read_file("/proc/cpuinfo") of
        {ok, B} ->
            Lines = string:split(binary_to_list(B), "\n", all),
            case [L || L <- Lines, lists:prefix("model name", L)] of
                [L | _] ->
                    [_, M] = string:split(L, ":"),
                    json_escape(string:trim(M));
                [] -> "unknown"
            end;
        _ -> "unknown"
    end.

json_escape(S) ->
    lists:flatmap(fun($") -> "\\\""; ($\\) -> "\\\\"; (C) -> [C] end, S).

num(null) -> "null";
num(X) -> float_to_list(float(X), [{decimals, 3}]).

emit(Sc, Params, Msgs, Secs, Rate, Unit) ->
    emit(Sc, Params, Msgs, Secs, Rate, Unit, null, null).

emit(Sc, Params, Msgs, Secs, Rate, Unit, P50, P99) ->
    Ps = string:join([io_lib:format("\"~s\":~b", [K, V]) || {K, V} <- Params],
                     ","),
    io:format("{\"runtime\":\"erlang\",\"scenario\":\"~s\",\"params\":{~s},"
              "\"messages\":~b,\"seconds\":~s,\"rate\":~s,\"unit\":\"~s\","
              "\"threads\":~b,\"p50_us\":~s,\"p99_us\":~s,\"version\":\"~s\","
              "\"machine\":{\"cores\":~b,\"cpu\":\"~s\"}}~n",
              [Sc, Ps, Msgs, float_to_list(float(Secs), [{decimals, 6}]),
               float_to_list(float(Rate), [{decimals, 1}]), Unit,
               erlang:system_info(schedulers_online), num(P50), num(P99),
               otp_version(), erlang:system_info(logical_processors),
               cpu_model()]).
