.output-dev/user/parse.o: user/parse.c user/parse.h user/prefix.h \
 include/sluice.h user/util.h
user/parse.h:
user/prefix.h:
include/sluice.h:
user/util.h:
