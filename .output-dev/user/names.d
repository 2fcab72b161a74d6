.output-dev/user/names.o: user/names.c user/names.h include/sluice.h
user/names.h:
include/sluice.h:
