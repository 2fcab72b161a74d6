.output-dev/user/attach.o: user/attach.c user/attach.h user/state.h \
 include/sluice.h user/diag.h user/names.h user/shape.h user/util.h
user/attach.h:
user/state.h:
include/sluice.h:
user/diag.h:
user/names.h:
user/shape.h:
user/util.h:
