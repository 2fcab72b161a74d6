.output-dev/user/config.o: user/config.c user/config.h user/classes.h \
 user/state.h include/sluice.h user/pipeline.h user/feed.h user/prefix.h \
 user/source.h user/table.h user/diag.h user/names.h user/parse.h
user/config.h:
user/classes.h:
user/state.h:
include/sluice.h:
user/pipeline.h:
user/feed.h:
user/prefix.h:
user/source.h:
user/table.h:
user/diag.h:
user/names.h:
user/parse.h:
