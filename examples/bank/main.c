/*
 * bank -- accounts as persistent actors (bank.akt, docs/persistence.md).
 *
 * main forks the bank. The child starts a system whose journal and
 * snapshot store live in a temporary directory, runs deposits and
 * withdrawals against three accounts -- one withdrawal is an overdraft,
 * refused with its reason, which writes nothing -- prints every answer,
 * tells the parent the balances it was acknowledged, and waits. The
 * parent kills it with SIGKILL (no shutdown, nothing flushed) and starts a
 * fresh system on the same directory: every account recovers its balance
 * from its snapshot and events, and the parent checks them against what
 * the child was told. Exit status 0 when every balance is intact.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bank.akt.h"

#define TIMEOUT AKT_SEC(20)

static const char *const names[] = { "alice", "bob", "carol" };
#define NACCOUNTS 3

static void
check(akt_err err, const char *what)
{
    if (err != AKT_OK) {
        fprintf(stderr, "bank: %s: %s\n", what, akt_strerror(err));
        exit(1);
    }
}

/* --- the account -----------------------------------------------------------
 */

static void
apply_deposited(bank_AccountState *s, const bank_Deposited *e)
{
    s->balance += e->amount;
}

static void
apply_withdrawn(bank_AccountState *s, const bank_Withdrawn *e)
{
    s->balance -= e->amount;
}

static void
snapshot_offer(
    bank_AccountState *s, uint64_t seq, const bank_AccountSnapshot *snap)
{
    (void)seq;
    s->balance = snap->balance;
}

static bank_AccountSnapshot *
snapshot_take(const bank_AccountState *s)
{
    return bank_account_snapshot_new(s->balance);
}

static bank_Balance *
balance(const bank_AccountState *s, akt_ctx *ctx)
{
    return bank_balance_new(s->balance, akt_persistent_last_seq(ctx));
}

/* after the event is durable and applied: answer the command */
static void
deposited(
    bank_AccountState *s, akt_ctx *ctx, const bank_Deposited *e, void *arg)
{
    (void)e;
    (void)arg;
    bank_account_reply_deposit(ctx, balance(s, ctx));
}

static void
withdrawn(
    bank_AccountState *s, akt_ctx *ctx, const bank_Withdrawn *e, void *arg)
{
    (void)e;
    (void)arg;
    bank_account_reply_withdraw(ctx, balance(s, ctx));
}

static akt_err
on_deposit(bank_AccountState *s, akt_ctx *ctx, const bank_Deposit *m)
{
    (void)s;
    if (m->amount <= 0) {
        return akt_persistent_reply_error_text(
            ctx, AKT_EINVAL, "a deposit must be positive");
    }
    bank_Deposited *e = bank_deposited_new(m->amount);
    akt_err err = e ? bank_account_persist_deposited(ctx, e, deposited, NULL)
                    : AKT_ENOMEM;
    if (err != AKT_OK) {
        akt_msg_free(e);
        return akt_reply_error(ctx, err);
    }
    return AKT_OK;
}

static akt_err
on_withdraw(bank_AccountState *s, akt_ctx *ctx, const bank_Withdraw *m)
{
    if (m->amount > s->balance) {
        /* refused: no event, the balance stays */
        return akt_persistent_reply_error_text(ctx, AKT_EINVAL,
            "overdraft: balance %" PRId64 ", asked %" PRId64, s->balance,
            m->amount);
    }
    bank_Withdrawn *e = bank_withdrawn_new(m->amount);
    akt_err err = e ? bank_account_persist_withdrawn(ctx, e, withdrawn, NULL)
                    : AKT_ENOMEM;
    if (err != AKT_OK) {
        akt_msg_free(e);
        return akt_reply_error(ctx, err);
    }
    return AKT_OK;
}

static akt_err
on_get_balance(bank_AccountState *s, akt_ctx *ctx, const bank_GetBalance *m)
{
    (void)m;
    return bank_account_reply_get_balance(ctx, balance(s, ctx));
}

static const bank_AccountHandlers account = {
    .on_deposit = on_deposit,
    .on_withdraw = on_withdraw,
    .on_get_balance = on_get_balance,
    .apply_deposited = apply_deposited,
    .apply_withdrawn = apply_withdrawn,
    .snapshot_offer = snapshot_offer,
    .snapshot_take = snapshot_take,
    .snapshot_every = 2, /* recovery reads at most one event past it */
};

/* --- a bank: a system with persistence in dir ------------------------------
 */

typedef struct bank {
    akt_system *sys;
    akt_registry *reg;
    bank_AccountRef acc[NACCOUNTS];
} bank;

static void
bank_open(bank *b, const char *dir)
{
    char conf[1024];
    snprintf(conf, sizeof conf,
        "akt.persistence.journal.lmdb.dir = \"%s/journal\"\n"
        "akt.persistence.snapshot-store.lmdb.dir = \"%s/snapshots\"\n",
        dir, dir);
    akt_config *cfg;
    akt_config_error cerr;
    check(akt_config_parse_string(conf, strlen(conf), "bank", &cfg, &cerr),
        "config");
    check(akt_system_create("bank", cfg, &b->sys), "system");
    akt_config_release(cfg);
    check(akt_registry_new(&b->reg), "registry");
    check(bank_bank_register_types(b->reg), "types");
    check(akt_persistence_start(b->sys, b->reg, &cerr), "persistence");
    akt_props props;
    check(bank_account_props(&account, &props), "props");
    for (int i = 0; i < NACCOUNTS; i++) {
        akt_ref r;
        /* the name is the identity: persistence id "bank.Account|alice" */
        check(akt_spawn(b->sys, &props, names[i], &r), "spawn");
        b->acc[i] = bank_account_ref(r);
    }
}

static void
bank_close(bank *b)
{
    akt_system_free(b->sys);
    akt_registry_free(b->reg);
}

static int64_t
get_balance(bank *b, int i, uint64_t *seq)
{
    bank_Balance *r = NULL;
    check(bank_account_call_get_balance(
              b->acc[i], bank_get_balance_new(), TIMEOUT, &r, NULL),
        "get balance");
    int64_t v = r->balance;
    *seq = r->seq;
    akt_msg_free(r);
    return v;
}

static void
deposit(bank *b, int i, int64_t amount)
{
    bank_Balance *r = NULL;
    check(bank_account_call_deposit(
              b->acc[i], bank_deposit_new(amount), TIMEOUT, &r, NULL),
        "deposit");
    printf("%s: deposit %" PRId64 " -> balance %" PRId64 " (event %" PRIu64
           ")\n",
        names[i], amount, r->balance, r->seq);
    akt_msg_free(r);
}

static void
withdraw(bank *b, int i, int64_t amount)
{
    akt_future *f;
    check(bank_account_ask_withdraw(
              b->acc[i], bank_withdraw_new(amount), TIMEOUT, &f),
        "withdraw");
    bank_Balance *r = NULL;
    akt_err err = bank_account_ask_withdraw_wait(f, TIMEOUT, &r);
    if (err == AKT_OK) {
        printf("%s: withdraw %" PRId64 " -> balance %" PRId64 " (event %" PRIu64
               ")\n",
            names[i], amount, r->balance, r->seq);
        akt_msg_free(r);
    } else {
        printf("%s: withdraw %" PRId64 " refused: %s\n", names[i], amount,
            akt_future_error_text(f));
    }
    akt_future_release(f);
}

/* the child: serve, report the acknowledged balances on fd, wait to die */
static void
run_bank(const char *dir, int fd)
{
    bank b;
    bank_open(&b, dir);
    deposit(&b, 0, 100);
    withdraw(&b, 0, 30);
    deposit(&b, 1, 50);
    withdraw(&b, 1, 500); /* overdraft */
    deposit(&b, 0, 25);
    withdraw(&b, 0, 25);
    char line[128];
    int n = 0;
    for (int i = 0; i < NACCOUNTS; i++) {
        uint64_t seq;
        n += snprintf(line + n, sizeof line - (size_t)n, "%" PRId64 " ",
            get_balance(&b, i, &seq));
    }
    line[n - 1] = '\n';
    fflush(stdout);
    if (write(fd, line, (size_t)n) != n) {
        exit(1);
    }
    for (;;) {
        pause(); /* SIGKILL ends it: no akt_system_free, no flush */
    }
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int
main(void)
{
    char dir[] = "/tmp/akt-bank-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("bank: mkdtemp");
        return 1;
    }
    int fds[2];
    if (pipe(fds) != 0) {
        perror("bank: pipe");
        return 1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("bank: fork");
        return 1;
    }
    if (pid == 0) {
        close(fds[0]);
        run_bank(dir, fds[1]);
    }
    close(fds[1]);
    char line[128] = "";
    FILE *in = fdopen(fds[0], "r");
    if (in == NULL || fgets(line, sizeof line, in) == NULL) {
        fprintf(stderr, "bank: the bank died before it reported\n");
        return 1;
    }
    fclose(in);
    int64_t told[NACCOUNTS];
    if (sscanf(line, "%" SCNd64 " %" SCNd64 " %" SCNd64, &told[0], &told[1],
            &told[2])
        != 3) {
        fprintf(stderr, "bank: bad report '%s'\n", line);
        return 1;
    }
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    printf("killed the bank (SIGKILL): %s\n",
        WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? "yes" : "no");

    /* a fresh system on the same directory: recovery before each account's
     * first command */
    bank b;
    bank_open(&b, dir);
    int64_t got[NACCOUNTS];
    uint64_t seq[NACCOUNTS];
    for (int i = 0; i < NACCOUNTS; i++) {
        got[i] = get_balance(&b, i, &seq[i]);
    }
    printf("recovered: alice %" PRId64 ", bob %" PRId64 ", carol %" PRId64
           " (events %" PRIu64 ", %" PRIu64 ", %" PRIu64 ")\n",
        got[0], got[1], got[2], seq[0], seq[1], seq[2]);
    int bad = 0;
    for (int i = 0; i < NACCOUNTS; i++) {
        if (got[i] != told[i]) {
            printf("%s: acknowledged %" PRId64 ", recovered %" PRId64 "\n",
                names[i], told[i], got[i]);
            bad++;
        }
    }
    /* the numbering goes on after recovery: no sequence number reused */
    deposit(&b, 2, 5);
    bank_close(&b);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    if (bad) {
        printf("balances LOST\n");
        return 1;
    }
    printf("balances intact\n");
    return 0;
}
