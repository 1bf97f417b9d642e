/* What docs/shutdown.md's C fragment takes as given: the service's drain
 * request (a generated constructor would return its own message type). */
extern void *drain_msg_new(void);
extern akt_system *sys;
extern akt_ref service;
