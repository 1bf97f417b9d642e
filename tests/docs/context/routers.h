/* What docs/routers.md's C fragment takes as given. */
typedef struct worker_state {
    uint64_t done;
} worker_state;
extern const akt_behavior worker_behavior;
extern akt_system *sys;
extern void *job;
