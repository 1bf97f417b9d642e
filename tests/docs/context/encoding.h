/* What docs/encoding.md's C fragments take as given. */
extern akt_system *sys;
extern const void *data;
extern size_t len;
extern void *msg;
