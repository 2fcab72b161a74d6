.output-dev/user/main.o: user/main.c user/cmd.h user/diag.h user/names.h \
 include/sluice.h user/print.h user/state.h user/util.h
user/cmd.h:
user/diag.h:
user/names.h:
include/sluice.h:
user/print.h:
user/state.h:
user/util.h:
