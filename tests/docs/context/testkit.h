/* What docs/testkit.md's fragments take as given. */
extern akt_system *sys;
extern akt_probe *p;
extern akt_ref service;
extern void *req;
