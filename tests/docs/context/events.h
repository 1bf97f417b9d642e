/* What docs/events.md's C fragments take as given. */
extern akt_system *sys;
extern akt_ctx *ctx;
extern akt_ref listener, auditor, probe_ref;
extern void *msg;
extern uint64_t id;
extern const char *url;
