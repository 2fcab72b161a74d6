.output-dev/user/table_build.o: user/table_build.c user/table_build.h \
 user/parse.h user/prefix.h include/sluice.h user/util.h
user/table_build.h:
user/parse.h:
user/prefix.h:
include/sluice.h:
user/util.h:
