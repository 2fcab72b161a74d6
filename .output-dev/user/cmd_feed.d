.output-dev/user/cmd_feed.o: user/cmd_feed.c user/journal.h user/state.h \
 include/sluice.h user/cmd.h user/diag.h user/names.h user/parse.h \
 user/prefix.h user/pipeline.h user/feed.h user/source.h user/table.h \
 user/print.h user/util.h
user/journal.h:
user/state.h:
include/sluice.h:
user/cmd.h:
user/diag.h:
user/names.h:
user/parse.h:
user/prefix.h:
user/pipeline.h:
user/feed.h:
user/source.h:
user/table.h:
user/print.h:
user/util.h:
