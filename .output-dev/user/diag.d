.output-dev/user/diag.o: user/diag.c user/diag.h
user/diag.h:
