/* What docs/cluster.md's C fragments take as given. */
extern akt_system *sys;
extern akt_registry *reg;
