/* What docs/remoting.md's C fragment takes as given. */
extern akt_system *sys;
