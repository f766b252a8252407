// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Next-hop resolution toward a backend, so that bpf_fib_lookup() in the data
 * plane finds a neighbour: ask the kernel for the route (RTM_GETROUTE, the
 * netlink form of `ip route get`), then create the neighbour entry of the
 * gateway (or of the backend on a connected route) with NTF_USE, which makes
 * the kernel start ARP/ND resolution right away. A multipath route gets
 * every next hop resolved (RTM_F_FIB_MATCH returns the whole route): the
 * fib lookup spreads flows over all of them, and nothing else would make
 * the kernel resolve a next hop only XDP traffic uses.
 */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "internal.h"

struct nl_req {
	struct nlmsghdr nh;
	union {
		struct rtmsg rt;
		struct ndmsg nd;
	};
	char attrs[64];
};

static void add_attr(struct nlmsghdr *nh, int type, const void *data, int len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Returns nothing: req becomes an empty request of type with a body of
 * body bytes (rtmsg or ndmsg) and NLM_F_REQUEST | flags. */
static void nl_req_init(struct nl_req *req, int type, int flags, __u32 seq, size_t body)
{
	memset(req, 0, sizeof(*req));
	req->nh.nlmsg_len = NLMSG_LENGTH(body);
	req->nh.nlmsg_type = type;
	req->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	req->nh.nlmsg_seq = seq;
}

static int nl_open(void)
{
	struct timeval tv = { .tv_sec = 2 };
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return neg_errno();
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Send req, read one answer into buf; returns its length or -errno. */
static int nl_talk(int fd, struct nlmsghdr *req, char *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nh;
	ssize_t n;

	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return neg_errno();
	n = recv(fd, buf, len, 0);
	if (n < 0)
		return neg_errno();
	nh = (struct nlmsghdr *)buf;
	if (!NLMSG_OK(nh, (size_t)n))
		return -EIO;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(nh);

		return e->error;	/* 0 for an ACK */
	}
	return n;
}

/* Returns 0 after making sure ifindex has a neighbour entry for addr that
 * resolves (or already does). */
static int neigh_use(int fd, int family, int oif, const __u8 *addr, int alen, char *why,
		     size_t len)
{
	struct nl_req req;
	char buf[4096];
	int n, err;

	/* An entry that is usable (or fixed by the operator) is left alone:
	 * NTF_USE on a PERMANENT entry turns it INCOMPLETE on 6.x kernels. */
	nl_req_init(&req, RTM_GETNEIGH, 0, 2, sizeof(struct ndmsg));
	req.nd.ndm_family = family;
	req.nd.ndm_ifindex = oif;
	add_attr(&req.nh, NDA_DST, addr, alen);
	n = nl_talk(fd, &req.nh, buf, sizeof(buf));
	if (n > 0 && ((struct nlmsghdr *)buf)->nlmsg_type == RTM_NEWNEIGH) {
		struct ndmsg *nd = NLMSG_DATA((struct nlmsghdr *)buf);

		if (nd->ndm_state & (NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE |
				     NUD_STALE | NUD_DELAY | NUD_PROBE))
			return 0;
	}

	/* ip neigh add ADDR dev OIF + NTF_USE: create and start resolution */
	nl_req_init(&req, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_ACK, 3, sizeof(struct ndmsg));
	req.nd.ndm_family = family;
	req.nd.ndm_ifindex = oif;
	req.nd.ndm_state = NUD_NONE;
	req.nd.ndm_flags = NTF_USE;
	add_attr(&req.nh, NDA_DST, addr, alen);
	err = nl_talk(fd, &req.nh, buf, sizeof(buf));
	if (err < 0) {
		snprintf(why, len, "neighbour on ifindex %d: %s", oif, strerror(-err));
		return err;
	}
	return 0;
}

/* Returns 0 after resolving every next hop of dst's route when it is a
 * multipath one (*multipath set), their devices added to ifindex[0..*n)
 * (at most max). */
static int resolve_multipath(int fd, int family, const __u8 *dst, int alen, int *ifindex,
			     int max, int *n, bool *multipath, char *why, size_t len)
{
	struct nl_req req;
	struct rtattr *rta;
	char buf[8192];
	int got, rlen, err, i;

	nl_req_init(&req, RTM_GETROUTE, 0, 4, sizeof(struct rtmsg));
	req.rt.rtm_family = family;
	req.rt.rtm_dst_len = alen * 8;
	req.rt.rtm_flags = RTM_F_FIB_MATCH;
	add_attr(&req.nh, RTA_DST, dst, alen);
	got = nl_talk(fd, &req.nh, buf, sizeof(buf));
	if (got <= 0 || ((struct nlmsghdr *)buf)->nlmsg_type != RTM_NEWROUTE)
		return 0;	/* an older kernel: the one next hop is resolved */
	rlen = RTM_PAYLOAD((struct nlmsghdr *)buf);
	for (rta = RTM_RTA((struct rtmsg *)NLMSG_DATA((struct nlmsghdr *)buf)); RTA_OK(rta, rlen);
	     rta = RTA_NEXT(rta, rlen)) {
		struct rtnexthop *nh = RTA_DATA(rta);
		int left = RTA_PAYLOAD(rta);

		if (rta->rta_type != RTA_MULTIPATH)
			continue;
		*multipath = true;
		for (; RTNH_OK(nh, left); left -= NLMSG_ALIGN(nh->rtnh_len), nh = RTNH_NEXT(nh)) {
			struct rtattr *a = RTNH_DATA(nh);
			int alen_left = nh->rtnh_len - sizeof(*nh);
			const __u8 *gw = dst;

			for (; RTA_OK(a, alen_left); a = RTA_NEXT(a, alen_left))
				if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == (unsigned)alen)
					gw = RTA_DATA(a);
			err = neigh_use(fd, family, nh->rtnh_ifindex, gw, alen, why, len);
			if (err)
				return err;
			for (i = 0; i < *n && ifindex[i] != nh->rtnh_ifindex; i++)
				;
			if (i == *n && *n < max)
				ifindex[(*n)++] = nh->rtnh_ifindex;
		}
	}
	return 0;
}

int xlb_neigh_resolve(const struct xlb_addr *addr, int *ifindex, int max, int *nif,
		      bool *multipath, char *why, size_t len)
{
	bool v4 = xlb_addr_is_v4(addr);
	int family = v4 ? AF_INET : AF_INET6, alen = v4 ? 4 : 16;
	const __u8 *dst = v4 ? &addr->addr[12] : addr->addr;
	__u8 gw[16];
	bool have_gw = false;
	struct nl_req req;
	struct rtattr *rta;
	struct rtmsg *rtm;
	char buf[4096];
	int fd, n, rlen, oif = 0, err;

	fd = nl_open();
	if (fd < 0) {
		snprintf(why, len, "netlink: %s", strerror(-fd));
		return fd;
	}
	nl_req_init(&req, RTM_GETROUTE, 0, 1, sizeof(struct rtmsg));
	req.rt.rtm_family = family;
	req.rt.rtm_dst_len = alen * 8;
	add_attr(&req.nh, RTA_DST, dst, alen);
	n = nl_talk(fd, &req.nh, buf, sizeof(buf));
	if (n <= 0) {
		err = n ? n : -EIO;
		snprintf(why, len, "no route: %s", strerror(-err));
		goto out;
	}
	rtm = NLMSG_DATA((struct nlmsghdr *)buf);
	if (((struct nlmsghdr *)buf)->nlmsg_type != RTM_NEWROUTE) {
		err = -EIO;
		snprintf(why, len, "route lookup: unexpected answer");
		goto out;
	}
	rlen = RTM_PAYLOAD((struct nlmsghdr *)buf);
	for (rta = RTM_RTA(rtm); RTA_OK(rta, rlen); rta = RTA_NEXT(rta, rlen)) {
		if (rta->rta_type == RTA_OIF)
			oif = *(int *)RTA_DATA(rta);
		else if (rta->rta_type == RTA_GATEWAY && RTA_PAYLOAD(rta) == (unsigned)alen) {
			memcpy(gw, RTA_DATA(rta), alen);
			have_gw = true;
		}
	}
	if (!oif || rtm->rtm_type != RTN_UNICAST) {
		err = -ENETUNREACH;
		snprintf(why, len, "no unicast route");
		goto out;
	}
	ifindex[0] = oif;
	*nif = 1;

	err = neigh_use(fd, family, oif, have_gw ? gw : dst, alen, why, len);
	if (!err)
		err = resolve_multipath(fd, family, dst, alen, ifindex, max, nif, multipath, why,
					len);
out:
	close(fd);
	return err;
}
