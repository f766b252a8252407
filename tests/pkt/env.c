// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The packet tests' private network namespace: see env.h. */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env.h"
#include "netns.h"

int env_ifindex[ENV_SUBNETS];
const char *const env_dev[ENV_SUBNETS] = {
	"xin0", "xbe0", "xnn0", "xmt0", "xnr0", "xsm0", "xdc0" };
static const int env_mtu[ENV_SUBNETS] = { 1500, 1500, 1500, 1400, 1500, 1300, 1500 };
/* Neighbour host numbers per subnet: [from, to], from > to: none. */
static const int env_nbr[ENV_SUBNETS][2] = {
	{ 50, 50 }, { 10, 19 }, { 1, 0 }, { 10, 10 }, { 10, 10 }, { 10, 10 }, { 1, 0 } };

const uint8_t MAC_CLIENT[6] = { 0x02, 0xc1, 0x00, 0x00, 0x00, 0x01 };
const uint8_t MAC_LB[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };	/* xin0 */

/* Distinctive prefixes: the low bytes here must be replaced per flow. */
const struct xlb_config env_cfg = {
	.encap_src6 = { 0xfd, 0x00, 0x78, 0x6c, 0x62, 0x00, 0, 0, 0, 0, 0x5a, 0x5a,
			0xaa, 0xaa, 0xbb, 0xbb },
	.encap_src4 = { 198, 19, 0xaa, 0xbb },
};

int env_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == 0 ? 0 : -1;
}

void env_dev_mac(int s, uint8_t mac[6])
{
	const uint8_t m[6] = { 0x02, 0, 0, 0, (uint8_t)s, 0x01 };

	memcpy(mac, m, 6);
}

int env_subnet_of(const char *addr)
{
	uint8_t a[16];

	pkt_addr(addr, a);
	return pkt_family(addr) == 4 ? a[2] : a[3];
}

void env_nbr_mac(const char *addr, uint8_t mac[6])
{
	uint8_t a[16];
	int v6 = pkt_family(addr) == 6;

	pkt_addr(addr, a);
	mac[0] = 0x02;
	mac[1] = 0xbe;
	mac[2] = (v6 ? 0x60 : 0) | env_subnet_of(addr);
	mac[3] = 0;
	mac[4] = 0;
	mac[5] = a[v6 ? 15 : 3];
}

int env_setup(void)
{
	FILE *ip;
	int s, h, rc;

	rc = tl_netns_begin("packet tests", &ip);
	if (rc)
		return rc;
	for (s = 0; s < ENV_SUBNETS; s++) {
		const char *d = env_dev[s];

		fprintf(ip, "link add %s address 02:00:00:00:%02x:01 mtu %d type veth "
			"peer name %.3s1 address 02:00:00:00:%02x:02 mtu %d\n",
			d, s, env_mtu[s], d, s, env_mtu[s]);
	}
	if (tl_netns_end(ip))
		return -1;
	/* The peers need no IPv6: with it, they send MLD reports and DAD
	 * probes (forwarding joins all-routers groups) for a second or two,
	 * which a program attached to xdc0 would count. */
	for (s = 0; s < ENV_SUBNETS; s++) {
		char path[96];

		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%.3s1/disable_ipv6",
			 env_dev[s]);
		if (tl_write_file(path, "1")) {
			printf("Error: cannot write %s\n", path);
			return -1;
		}
	}
	ip = popen("ip -batch -", "w");
	if (!ip)
		return -errno;
	for (s = 0; s < ENV_SUBNETS; s++) {
		const char *d = env_dev[s];

		fprintf(ip, "link set %s up\nlink set %.3s1 up\n", d, d);
		fprintf(ip, "addr add 198.18.%d.1/24 dev %s\n", s, d);
		fprintf(ip, "addr add fd00:%x::1/64 dev %s nodad\n", s, d);
		for (h = env_nbr[s][0]; h <= env_nbr[s][1]; h++) {
			fprintf(ip, "neigh add 198.18.%d.%d lladdr 02:be:%02x:00:00:%02x "
				"dev %s nud permanent\n", s, h, s, h, d);
			/* fd00:S::H with H's decimal digits: ::10 ends in 0x10 */
			fprintf(ip, "neigh add fd00:%x::%d lladdr 02:be:%02x:00:00:%02x "
				"dev %s nud permanent\n", s, h, 0x60 | s, h / 10 * 16 + h % 10, d);
		}
	}
	rc = pclose(ip);
	if (rc) {
		printf("Error: setting up the test netns failed (ip -batch exit %d)\n", rc);
		return -1;
	}
	for (s = 0; s < ENV_SUBNETS; s++) {
		env_ifindex[s] = if_nametoindex(env_dev[s]);
		if (!env_ifindex[s]) {
			printf("Error: %s missing after setup\n", env_dev[s]);
			return -1;
		}
	}
	return 0;
}

int env_open(struct th *t, const char *name)
{
	int err;

	th_begin(t, name, env_ifindex[0]);
	err = th_open(t);
	if (err)
		return err;
	err = xlb_config_set(t->xlb, &env_cfg);
	if (err)
		th_fail(t, "xlb_config_set: %s", xlb_errmsg(t->xlb));
	return err;
}

size_t env_exp_fwd(struct th *t, int be, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t smac[6], dmac[6];
	struct pkt_encap e = {
		.smac = smac,
		.dmac = dmac,
		.src4 = env_cfg.encap_src4,
		.src6 = env_cfg.encap_src6,
	};
	const char *addr;

	if (be < 0 || be >= t->nbe)
		return 0;
	addr = t->be[be].text;
	e.backend = addr;
	env_dev_mac(env_subnet_of(addr), smac);
	env_nbr_mac(addr, dmac);
	return pkt_exp_encap(out, in, len, &e);
}

size_t env_frame(uint8_t *b, const char *src, uint16_t sport, const char *dst,
		 uint16_t dport, uint8_t proto, size_t paylen)
{
	return env_frame_flags(b, src, sport, dst, dport, proto, PKT_TCP_SYN, paylen);
}

size_t env_frame_flags(uint8_t *b, const char *src, uint16_t sport, const char *dst,
		       uint16_t dport, uint8_t proto, uint8_t tcp_flags, size_t paylen)
{
	struct pkt_flow f = {
		.smac = MAC_CLIENT,
		.dmac = MAC_LB,
		.ip = { .src = src, .dst = dst, .proto = proto, .tos = 0x28,
			.ttl = 61, .frag = PKT_DF, .id = 0x1234, .flowlabel = 0x12345 },
		.sport = sport,
		.dport = dport,
		.tcp_flags = tcp_flags,
		.seq = 0x11223344,
		.paylen = paylen,
	};

	return pkt_frame(b, &f);
}

size_t env_icmp_err(uint8_t *b, const char *vip, uint16_t vport, uint8_t proto,
		    uint8_t type, uint8_t code, size_t qextra)
{
	int v4 = pkt_family(vip) == 4;
	const char *client = v4 ? CLIENT4 : CLIENT6;
	uint8_t l4[256], q[256], icmp[512];
	struct pkt_ip qip = { .src = vip, .dst = client, .proto = proto, .frag = PKT_DF };
	struct pkt_flow f = {
		.smac = MAC_CLIENT, .dmac = MAC_LB,
		.ip = { .src = v4 ? "198.18.0.254" : "fd00::fe", .dst = vip,
			.proto = v4 ? 1 : 58, .tos = 0xc0 },
	};
	size_t n;

	n = proto == 6 ? pkt_tcp(l4, vport, 40000, 99, PKT_TCP_SYN | PKT_TCP_ACK, 0) :
			 pkt_udp(l4, vport, 5353, 20);
	pkt_ip(q, &qip, l4, n);
	n = pkt_icmp_err(icmp, type, code, 1300, q, (v4 ? 20 : 40) + qextra);
	return pkt_frame_l4(b, &f, icmp, n);
}
