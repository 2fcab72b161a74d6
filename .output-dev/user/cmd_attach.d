.output-dev/user/cmd_attach.o: user/cmd_attach.c user/journal.h \
 user/state.h include/sluice.h user/attach.h user/cmd.h user/diag.h \
 user/names.h user/parse.h user/prefix.h user/print.h
user/journal.h:
user/state.h:
include/sluice.h:
user/attach.h:
user/cmd.h:
user/diag.h:
user/names.h:
user/parse.h:
user/prefix.h:
user/print.h:
