.output-dev/user/cmd_exporter.o: user/cmd_exporter.c user/cmd.h \
 user/config.h user/classes.h user/state.h include/sluice.h \
 user/pipeline.h user/feed.h user/prefix.h user/source.h user/table.h \
 user/diag.h user/metrics.h user/print.h
user/cmd.h:
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
user/metrics.h:
user/print.h:
