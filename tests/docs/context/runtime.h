/* What docs/runtime.md's C fragments take as given (each block is compiled
 * on its own, so what one block declares another uses from here). */
extern akt_system *sys;
extern akt_ctx *ctx;
extern akt_err rc;
extern akt_ref c, other;
extern void *arg;
extern const akt_behavior b, parent_beh;
extern akt_err my_start(void *state, akt_ctx *ctx);
extern void my_stop(void *state, akt_ctx *ctx);
extern void my_pre(
    void *state, akt_ctx *ctx, akt_err reason, const void *failed_msg);
extern akt_err my_post(void *state, akt_ctx *ctx, akt_err reason);
