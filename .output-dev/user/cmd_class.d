.output-dev/user/cmd_class.o: user/cmd_class.c user/journal.h \
 user/state.h include/sluice.h user/classes.h user/cmd.h user/diag.h \
 user/metrics.h user/names.h user/parse.h user/prefix.h user/print.h \
 user/table.h user/util.h
user/journal.h:
user/state.h:
include/sluice.h:
user/classes.h:
user/cmd.h:
user/diag.h:
user/metrics.h:
user/names.h:
user/parse.h:
user/prefix.h:
user/print.h:
user/table.h:
user/util.h:
