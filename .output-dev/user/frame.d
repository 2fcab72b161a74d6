.output-dev/user/frame.o: user/frame.c user/frame.h
user/frame.h:
