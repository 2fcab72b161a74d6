.output-dev/user/cmd_top.o: user/cmd_top.c user/journal.h user/state.h \
 include/sluice.h user/cmd.h user/diag.h user/names.h user/print.h \
 user/util.h
user/journal.h:
user/state.h:
include/sluice.h:
user/cmd.h:
user/diag.h:
user/names.h:
user/print.h:
user/util.h:
