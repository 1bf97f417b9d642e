/*
 * remote-chat -- a chat room and its members in different akt systems
 * (processes, or hosts), talking only through remoting: the members hold a
 * remote ref to the room, the room holds proxies of its members (the
 * senders of their Join), and every message is a generated chat.* type.
 *
 *   remote-chat room [LISTEN_URL]              (default tcp://127.0.0.1:25520)
 *   remote-chat member NAME ROOM_PATH [LISTEN_URL]
 *       then type lines; each is posted to the room; EOF leaves
 *   remote-chat demo                           room + alice + bob, one process
 *
 * ROOM_PATH is what `room` prints, e.g.
 * akt://chat-room@127.0.0.1:25520/user/room. Set AKT_CHAT_COOKIE on every
 * process to require a shared secret.
 */
#define _DEFAULT_SOURCE /* usleep */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <akt/remote.h>

#include "chat.akt.h"

static void
check(akt_err err, const char *what)
{
    if (err != AKT_OK) {
        fprintf(stderr, "remote-chat: %s: %s\n", what, akt_strerror(err));
        exit(1);
    }
}

/* --- the room ----------------------------------------------------------------
 */

#define MAX_MEMBERS 64
/* touched by the Room actor only (one room per process) */
static chat_MemberRef members[MAX_MEMBERS];
static uint32_t nmembers;

static akt_err
room_join(chat_RoomState *state, akt_ctx *ctx, const chat_Join *msg)
{
    (void)state;
    akt_ref who = akt_ctx_sender(ctx);
    if (!akt_ref_is_none(who) && nmembers < MAX_MEMBERS) {
        members[nmembers++] = chat_member_ref(who); /* a Member joins */
    }
    printf("room: %s joined (%u members)\n",
        msg->name.ptr ? msg->name.ptr : "?", nmembers);
    fflush(stdout);
    chat_Joined *r = chat_joined_new(nmembers);
    akt_err err = r ? chat_room_reply_join(ctx, r) : AKT_ENOMEM;
    if (err != AKT_OK) {
        akt_msg_free(r);
    }
    return AKT_OK;
}

static akt_err
room_post(chat_RoomState *state, akt_ctx *ctx, const chat_Post *msg)
{
    (void)ctx;
    state->posts++;
    for (uint32_t i = 0; i < nmembers; i++) {
        chat_Post *copy = akt_msg_dup(msg);
        if (copy && chat_member_tell_post(members[i], copy) != AKT_OK) {
            akt_msg_free(copy);
        }
    }
    return AKT_OK;
}

static const chat_RoomHandlers room_handlers
    = { .on_join = room_join, .on_post = room_post };

/* --- a member
 * ------------------------------------------------------------------ */

static _Atomic int posts_seen;

static akt_err
member_joined(chat_MemberState *state, akt_ctx *ctx, const chat_Joined *msg)
{
    (void)state;
    (void)ctx;
    printf("joined: %u in the room\n", msg->members);
    fflush(stdout);
    return AKT_OK;
}

static akt_err
member_post(chat_MemberState *state, akt_ctx *ctx, const chat_Post *msg)
{
    (void)ctx;
    state->seen++;
    printf("[%s] %s\n", msg->author.ptr ? msg->author.ptr : "?",
        msg->text.ptr ? msg->text.ptr : "");
    fflush(stdout);
    atomic_fetch_add(&posts_seen, 1);
    return AKT_OK;
}

static const chat_MemberHandlers member_handlers
    = { .on_joined = member_joined, .on_post = member_post };

/* --- systems
 * -------------------------------------------------------------------- */

static akt_err
add_type(const akt_type *t, void *reg)
{
    return akt_registry_add(reg, t);
}

typedef struct node {
    akt_system *sys;
    akt_registry *reg;
} node;

static void
node_start(node *n, const char *name, const char *url)
{
    check(akt_system_create(name, NULL, &n->sys), "system");
    check(akt_registry_new(&n->reg), "registry");
    check(chat_chat_register(add_type, n->reg), "types");
    akt_remote_options o = { .listen_url = url,
        .cookie = getenv("AKT_CHAT_COOKIE"),
        .registry = n->reg };
    check(akt_remote_start(n->sys, &o), "remoting");
}

static void
node_stop(node *n)
{
    akt_remote_stop(n->sys);
    akt_system_free(n->sys);
    akt_registry_free(n->reg);
}

static akt_ref
spawn_room(node *n, char *path, size_t len)
{
    akt_props p;
    akt_ref room;
    check(chat_room_props(&room_handlers, &p), "props");
    check(akt_spawn(n->sys, &p, "room", &room), "spawn room");
    check(akt_remote_ref_path(n->sys, room, path, len), "room path");
    return room;
}

static akt_ref
join(node *n, const char *name, const char *room_path, chat_RoomRef *room)
{
    akt_props p;
    akt_ref me, r;
    check(chat_member_props(&member_handlers, &p), "props");
    check(akt_spawn(n->sys, &p, "me", &me), "spawn member");
    check(akt_remote_ref(n->sys, room_path, &r), "room ref");
    *room = chat_room_ref(r);
    /* a tell with the member as sender: the room keeps that ref */
    check(chat_room_tell_join_from(*room, chat_join_new(name), me), "join");
    return me;
}

static int
run_room(const char *url)
{
    node n;
    node_start(&n, "chat-room", url);
    char path[512];
    spawn_room(&n, path, sizeof(path));
    printf("room at %s\n", path);
    fflush(stdout);
    char buf[256];
    while (read(0, buf, sizeof(buf)) > 0) { }
    node_stop(&n);
    return 0;
}

static int
run_member(const char *name, const char *room_path, const char *url)
{
    char sysname[128];
    snprintf(sysname, sizeof(sysname), "chat-%s", name);
    node n;
    node_start(&n, sysname, url);
    chat_RoomRef room;
    join(&n, name, room_path, &room);
    char line[1024];
    while (fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0]
            && chat_room_tell_post(room, chat_post_new(name, line)) != AKT_OK) {
            fprintf(stderr, "remote-chat: post failed\n");
        }
    }
    node_stop(&n);
    return 0;
}

static int
run_demo(void)
{
    node r, a, b;
    node_start(&r, "chat-room", "tcp://127.0.0.1:0");
    char path[512];
    spawn_room(&r, path, sizeof(path));
    printf("room at %s\n", path);
    node_start(&a, "chat-alice", "tcp://127.0.0.1:0");
    node_start(&b, "chat-bob", "tcp://127.0.0.1:0");
    chat_RoomRef ra, rb;
    join(&a, "alice", path, &ra);
    join(&b, "bob", path, &rb);
    sleep(1); /* both joined (a real client would wait for Joined) */
    chat_room_tell_post(ra, chat_post_new("alice", "hi bob"));
    usleep(200000);
    chat_room_tell_post(rb, chat_post_new("bob", "hi alice"));
    for (int i = 0; i < 500 && atomic_load(&posts_seen) < 4; i++) {
        usleep(10000);
    }
    int ok = atomic_load(&posts_seen) == 4;
    printf("%s: %d of 4 posts delivered\n", ok ? "done" : "FAILED",
        atomic_load(&posts_seen));
    fflush(stdout);
    node_stop(&a);
    node_stop(&b);
    node_stop(&r);
    return ok ? 0 : 1;
}

int
main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && strcmp(argv[1], "demo") == 0) {
        return run_demo();
    }
    if (argc >= 2 && strcmp(argv[1], "room") == 0) {
        return run_room(argc > 2 ? argv[2] : "tcp://127.0.0.1:25520");
    }
    if (argc >= 4 && strcmp(argv[1], "member") == 0) {
        return run_member(
            argv[2], argv[3], argc > 4 ? argv[4] : "tcp://127.0.0.1:0");
    }
    fprintf(stderr,
        "usage: remote-chat room [LISTEN_URL]\n"
        "       remote-chat member NAME ROOM_PATH [LISTEN_URL]\n"
        "       remote-chat demo\n");
    return 2;
}
