.output-dev/user/source.o: user/source.c user/diag.h user/source.h \
 include/sluice.h
user/diag.h:
user/source.h:
include/sluice.h:
