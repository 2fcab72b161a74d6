.output-dev/user/table.o: user/table.c user/prefix.h user/state.h \
 include/sluice.h user/table.h user/table_build.h user/parse.h \
 user/diag.h user/journal.h user/util.h
user/prefix.h:
user/state.h:
include/sluice.h:
user/table.h:
user/table_build.h:
user/parse.h:
user/diag.h:
user/journal.h:
user/util.h:
