.output-dev/user/cmd_apply.o: user/cmd_apply.c user/journal.h \
 user/state.h include/sluice.h user/attach.h user/classes.h user/cmd.h \
 user/config.h user/pipeline.h user/feed.h user/prefix.h user/source.h \
 user/table.h user/diag.h user/names.h user/print.h
user/journal.h:
user/state.h:
include/sluice.h:
user/attach.h:
user/classes.h:
user/cmd.h:
user/config.h:
user/pipeline.h:
user/feed.h:
user/prefix.h:
user/source.h:
user/table.h:
user/diag.h:
user/names.h:
user/print.h:
