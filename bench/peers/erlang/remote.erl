%% Remote benchmarks for Erlang/OTP distribution -- the Erlang peer of
%% akt-remote-bench (issue 13 §2): two nodes on loopback, a private epmd.
%%
%% Build: make -C bench/peers/erlang          (erlc -> ebin/remote.beam)
%% Run:   bench/peers/erlang/erl-remote --scenario remote-tell|remote-ask|
%%            remote-pingpong [--n N]
%%
%% erl-remote starts a private epmd on a free loopback port, the server node
%% (remote:serve/0: a registered sink, a gen_server echo, a pingpong
%% partner) and this client node, both -name x@127.0.0.1 with one cookie.
%% Scenarios, as akt-remote-bench's:
%%   remote-tell      one process sends N small messages ({ping, I}) to the
%%                    remote sink, which answers when it has counted N
%%                    (messages/s, one way)
%%   remote-ask       gen_server:call to the remote echo, one outstanding,
%%                    from one process (asks/s, p50/p99) -- akt's
%%                    remote-ask from a plain thread
%%   remote-pingpong  a process sends {ping, Self, I} to the remote partner,
%%                    which sends {pong, I} back; the next ping goes from
%%                    the pong's receive (round_trips/s, p50/p99) -- akt's
%%                    remote-ask-actor
%% Every result is ONE JSON object on its own line (docs/profiler.md), with
%% "transport":"tcp" and cpu_us_per_rt / cpu_us_per_msg: the CPU time of
%% both nodes' OS processes (/proc/<pid>/stat, clock ticks of 10 ms) per
%% round trip or message.
-module(remote).
-behaviour(gen_server).

-export([main/0, serve/0]).
-export([init/1, handle_call/3, handle_cast/2]).

main() ->
    Args = init:get_plain_arguments(),
    Rc = try run(parse(Args, #{n => 100000})) of
             R -> R
         catch
             throw:{usage, Msg} ->
                 io:format(standard_error, "erl-remote: ~s~n", [Msg]),
                 2
         end,
    halt(Rc).

parse([], O) -> O;
parse(["--scenario", V | R], O) -> parse(R, O#{scenario => V});
parse(["--n", V | R], O) -> parse(R, O#{n => list_to_integer(V)});
parse(["--server", V | R], O) -> parse(R, O#{server => list_to_atom(V)});
parse([A | _], _) -> throw({usage, "unknown argument " ++ A}).

%% ---------------------------------------------------------------- server --

serve() ->
    register(sink, spawn(fun() -> sink(0, 0, none) end)),
    register(partner, spawn(fun partner/0)),
    {ok, _} = gen_server:start({local, echo}, ?MODULE, [], []),
    receive stop -> halt(0) end.

sink(Target, Count, Client) ->
    receive
        {reset, N, From} -> From ! {reset_ok, self()}, sink(N, 0, From);
        {ping, _} when Count + 1 =:= Target ->
            Client ! {done, Count + 1}, sink(Target, Count + 1, Client);
        {ping, _} -> sink(Target, Count + 1, Client)
    end.

partner() ->
    receive
        {ping, From, I} -> From ! {pong, I}, partner();
        {cpu, From} -> From ! {cpu, cpu_s()}, partner()
    end.

init([]) -> {ok, nostate}.
handle_call(Req, _From, S) -> {reply, Req, S}.
handle_cast(_, S) -> {noreply, S}.

%% ---------------------------------------------------------------- client --

run(#{scenario := Sc, n := N, server := Srv}) ->
    true = net_kernel:connect_node(Srv),
    case Sc of
        "remote-tell" -> tell(Srv, N), 0;
        "remote-ask" -> ask(Srv, N), 0;
        "remote-pingpong" -> pingpong(Srv, N), 0;
        _ -> throw({usage, "unknown scenario " ++ Sc})
    end;
run(_) -> throw({usage, "--scenario and --server are required"}).

%% the OS process's CPU time (user + system of all the VM's threads, its
%% schedulers' busy waiting included, as for the other runtimes), seconds
cpu_s() ->
    {ok, B} = file:read_file("/proc/" ++ os:getpid() ++ "/stat"),
    S = binary_to_list(B),
    %% the fields after the command name in parentheses: 14 utime, 15 stime
    Rest = string:trim(lists:nthtail(string:rchr(S, $)), S)),
    F = string:lexemes(Rest, " "),
    Ticks = list_to_integer(lists:nth(12, F)) + list_to_integer(lists:nth(13, F)),
    Ticks / 100.

remote_cpu(Srv) ->
    {partner, Srv} ! {cpu, self()},
    receive {cpu, C} -> C end.

tell(Srv, N) ->
    Sink = {sink, Srv},
    Sink ! {reset, N, self()},
    receive {reset_ok, _} -> ok end,
    C0 = cpu_s() + remote_cpu(Srv),
    T0 = erlang:monotonic_time(),
    send_n(Sink, N),
    receive {done, N} -> ok end,
    S = secs(T0),
    Cpu = cpu_s() + remote_cpu(Srv) - C0,
    emit("remote-tell", N, N, S, N / S, "messages/s", null, null,
         [{cpu_us_per_msg, Cpu * 1.0e6 / N}]).

send_n(_, 0) -> ok;
send_n(Sink, I) -> Sink ! {ping, I}, send_n(Sink, I - 1).

ask(Srv, N) ->
    Echo = {echo, Srv},
    _ = gen_server:call(Echo, warmup),
    C0 = cpu_s() + remote_cpu(Srv),
    T0 = erlang:monotonic_time(),
    Lat = ask_n(Echo, N, []),
    S = secs(T0),
    Cpu = cpu_s() + remote_cpu(Srv) - C0,
    {P50, P99} = pct(Lat),
    emit("remote-ask", N, 2 * N, S, N / S, "asks/s", P50, P99,
         [{cpu_us_per_rt, Cpu * 1.0e6 / N}]).

ask_n(_, 0, Acc) -> Acc;
ask_n(Echo, I, Acc) ->
    T = erlang:monotonic_time(),
    I = gen_server:call(Echo, I),
    ask_n(Echo, I - 1, [erlang:monotonic_time() - T | Acc]).

pingpong(Srv, N) ->
    P = {partner, Srv},
    P ! {ping, self(), 0},
    receive {pong, 0} -> ok end,
    C0 = cpu_s() + remote_cpu(Srv),
    T0 = erlang:monotonic_time(),
    Lat = pp_n(P, N, []),
    S = secs(T0),
    Cpu = cpu_s() + remote_cpu(Srv) - C0,
    {P50, P99} = pct(Lat),
    emit("remote-pingpong", N, 2 * N, S, N / S, "round_trips/s", P50, P99,
         [{cpu_us_per_rt, Cpu * 1.0e6 / N}]).

pp_n(_, 0, Acc) -> Acc;
pp_n(P, I, Acc) ->
    T = erlang:monotonic_time(),
    P ! {ping, self(), I},
    receive {pong, I} -> ok end,
    pp_n(P, I - 1, [erlang:monotonic_time() - T | Acc]).

secs(T0) ->
    erlang:convert_time_unit(erlang:monotonic_time() - T0, native,
                             microsecond) / 1.0e6.

pct(Lat) ->
    L = lists:sort(Lat),
    N = length(L),
    Us = fun(X) -> erlang:convert_time_unit(X, native, nanosecond) / 1000 end,
    {Us(lists:nth(N div 2 + 1, L)), Us(lists:nth(max(1, (N * 99) div 100), L))}.

%% ------------------------------------------------------------------ json --

otp_version() ->
    Root = code:root_dir(),
    Rel = erlang:system_info(otp_release),
    F = filename:join([Root, "releases", Rel, "OTP_VERSION"]),
    case file:read_file(F) of
        {ok, B} -> string:trim(binary_to_list(B));
        _ -> Rel
    end.

cpu_model() ->
    case file:read_file("/proc/cpuinfo") of
        {ok, B} ->
            Lines = string:split(binary_to_list(B), "\n", all),
            case [L || L <- Lines, string:prefix(L, "model name") =/= nomatch] of
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
num(X) -> float_to_list(float(X), [{decimals, 2}]).

emit(Sc, N, Msgs, Secs, Rate, Unit, P50, P99, Extra) ->
    Ex = lists:flatten([io_lib:format(",\"~s\":~s", [K, num(V)])
                        || {K, V} <- Extra]),
    io:format("{\"runtime\":\"erlang\",\"scenario\":\"~s\",\"params\":"
              "{\"n\":~b},\"messages\":~b,\"seconds\":~s,\"rate\":~s,"
              "\"unit\":\"~s\",\"threads\":~b,\"p50_us\":~s,\"p99_us\":~s,"
              "\"transport\":\"tcp\"~s,\"version\":\"~s\","
              "\"machine\":{\"cores\":~b,\"cpu\":\"~s\"}}~n",
              [Sc, N, Msgs, float_to_list(float(Secs), [{decimals, 6}]),
               float_to_list(float(Rate), [{decimals, 1}]), Unit,
               erlang:system_info(schedulers_online), num(P50), num(P99),
               Ex, otp_version(), erlang:system_info(logical_processors),
               cpu_model()]).
