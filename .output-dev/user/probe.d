.output-dev/user/probe.o: user/probe.c user/frame.h user/probe.h \
 user/prefix.h user/state.h include/sluice.h
user/frame.h:
user/probe.h:
user/prefix.h:
user/state.h:
include/sluice.h:
