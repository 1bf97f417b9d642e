/* What docs/fsm.md's C fragment takes as given. */
extern akt_system *sys;
extern akt_ref ref;
