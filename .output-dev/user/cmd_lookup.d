.output-dev/user/cmd_lookup.o: user/cmd_lookup.c user/journal.h \
 user/state.h include/sluice.h user/cmd.h user/diag.h user/parse.h \
 user/prefix.h user/print.h user/probe.h
user/journal.h:
user/state.h:
include/sluice.h:
user/cmd.h:
user/diag.h:
user/parse.h:
user/prefix.h:
user/print.h:
user/probe.h:
