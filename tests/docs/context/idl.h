/* What docs/idl.md's C fragments take as given (next to greeter.akt.h). */
extern akt_system *sys;
extern akt_props props;
extern akt_ref ref;
extern akt_future *future;
extern demo_Greeting *reply;
