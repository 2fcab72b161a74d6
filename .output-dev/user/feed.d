.output-dev/user/feed.o: user/feed.c user/diag.h user/feed.h \
 user/prefix.h user/parse.h user/util.h
user/diag.h:
user/feed.h:
user/prefix.h:
user/parse.h:
user/util.h:
