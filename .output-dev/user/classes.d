.output-dev/user/classes.o: user/classes.c user/classes.h user/state.h \
 include/sluice.h user/diag.h user/journal.h user/parse.h user/prefix.h \
 user/shape.h user/table.h
user/classes.h:
user/state.h:
include/sluice.h:
user/diag.h:
user/journal.h:
user/parse.h:
user/prefix.h:
user/shape.h:
user/table.h:
