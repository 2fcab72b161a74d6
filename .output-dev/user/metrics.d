.output-dev/user/metrics.o: user/metrics.c user/journal.h user/state.h \
 include/sluice.h user/metrics.h user/names.h user/table.h user/prefix.h \
 user/util.h
user/journal.h:
user/state.h:
include/sluice.h:
user/metrics.h:
user/names.h:
user/table.h:
user/prefix.h:
user/util.h:
