/* What docs/timers.md's C fragments take as given: the actor's own timer
 * messages (generated constructors), the behaviour it becomes, and a task. */
extern void *my_tick_new(void);
extern void *my_give_up_new(void);
extern const akt_behavior connected_behavior;
extern akt_system *sys;
extern akt_ctx *ctx;
extern akt_ref ref;
extern void *msg;
extern void fn(void *arg);
extern void fini(void *arg);
extern void *arg;
