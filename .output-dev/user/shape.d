.output-dev/user/shape.o: user/shape.c \
 /usr/include/libnl3/netlink/netlink.h \
 /usr/include/libnl3/netlink/netlink-compat.h \
 /usr/include/libnl3/netlink/version.h \
 /usr/include/libnl3/netlink/errno.h /usr/include/libnl3/netlink/types.h \
 /usr/include/libnl3/netlink/handlers.h \
 /usr/include/libnl3/netlink/netlink-kernel.h \
 /usr/include/libnl3/netlink/socket.h \
 /usr/include/libnl3/netlink/object.h /usr/include/libnl3/netlink/utils.h \
 /usr/include/libnl3/netlink/list.h \
 /usr/include/libnl3/netlink/route/link.h \
 /usr/include/libnl3/netlink/cache.h /usr/include/libnl3/netlink/msg.h \
 /usr/include/libnl3/netlink/attr.h /usr/include/libnl3/netlink/addr.h \
 /usr/include/libnl3/netlink/data.h \
 /usr/include/libnl3/netlink/route/qdisc.h \
 /usr/include/libnl3/netlink/route/tc.h \
 /usr/include/libnl3/netlink/route/class.h \
 /usr/include/libnl3/netlink/route/qdisc/htb.h \
 /usr/include/libnl3/netlink/route/qdisc/fifo.h \
 /usr/include/libnl3/netlink/route/qdisc/fq_codel.h user/diag.h \
 user/shape.h user/state.h include/sluice.h user/util.h
/usr/include/libnl3/netlink/netlink.h:
/usr/include/libnl3/netlink/netlink-compat.h:
/usr/include/libnl3/netlink/version.h:
/usr/include/libnl3/netlink/errno.h:
/usr/include/libnl3/netlink/types.h:
/usr/include/libnl3/netlink/handlers.h:
/usr/include/libnl3/netlink/netlink-kernel.h:
/usr/include/libnl3/netlink/socket.h:
/usr/include/libnl3/netlink/object.h:
/usr/include/libnl3/netlink/utils.h:
/usr/include/libnl3/netlink/list.h:
/usr/include/libnl3/netlink/route/link.h:
/usr/include/libnl3/netlink/cache.h:
/usr/include/libnl3/netlink/msg.h:
/usr/include/libnl3/netlink/attr.h:
/usr/include/libnl3/netlink/addr.h:
/usr/include/libnl3/netlink/data.h:
/usr/include/libnl3/netlink/route/qdisc.h:
/usr/include/libnl3/netlink/route/tc.h:
/usr/include/libnl3/netlink/route/class.h:
/usr/include/libnl3/netlink/route/qdisc/htb.h:
/usr/include/libnl3/netlink/route/qdisc/fifo.h:
/usr/include/libnl3/netlink/route/qdisc/fq_codel.h:
user/diag.h:
user/shape.h:
user/state.h:
include/sluice.h:
user/util.h:
