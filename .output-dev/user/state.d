.output-dev/user/state.o: user/state.c user/diag.h user/state.h \
 include/sluice.h user/table_build.h user/parse.h user/prefix.h \
 user/util.h .output-dev/sluice.skel.h
user/diag.h:
user/state.h:
include/sluice.h:
user/table_build.h:
user/parse.h:
user/prefix.h:
user/util.h:
.output-dev/sluice.skel.h:
