.output-dev/user/print.o: user/print.c user/diag.h user/print.h \
 user/util.h
user/diag.h:
user/print.h:
user/util.h:
