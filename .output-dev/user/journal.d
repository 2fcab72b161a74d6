.output-dev/user/journal.o: user/journal.c user/diag.h user/journal.h \
 user/state.h include/sluice.h user/util.h
user/diag.h:
user/journal.h:
user/state.h:
include/sluice.h:
user/util.h:
