/* What docs/persistence.md's C fragments take as given: the system. */
extern akt_system *sys;
