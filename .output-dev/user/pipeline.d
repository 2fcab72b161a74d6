.output-dev/user/pipeline.o: user/pipeline.c user/diag.h user/pipeline.h \
 user/feed.h user/prefix.h user/source.h include/sluice.h user/state.h \
 user/table.h
user/diag.h:
user/pipeline.h:
user/feed.h:
user/prefix.h:
user/source.h:
include/sluice.h:
user/state.h:
user/table.h:
