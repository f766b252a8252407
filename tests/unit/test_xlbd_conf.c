// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xlbd's configuration parser (no root): the shipped example, defaults,
 * and bad files, each rejected with the right line and a message that says
 * what is wrong.
 *
 * The Makefile links unit tests with libxlb and libxlbpolicy only, so the
 * parser's source is compiled into this test directly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../user/xlbd/xlbd.h"

static int passed, failed;

#define CHECK(cond, ...)						\
	do {								\
		if (cond) {						\
			passed++;					\
		} else {						\
			failed++;					\
			printf("FAIL %s:%d: ", __FILE__, __LINE__);	\
			printf(__VA_ARGS__);				\
			printf("\n");					\
		}							\
	} while (0)

static char tmpdir[] = "/tmp/test_xlbd_conf.XXXXXX";
static char path[128];
static struct xlbd_conf conf;
static char err[XLBD_ERR_MAX];

static int load_text(const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	err[0] = 0;
	return xlbd_conf_load(path, &conf, err, sizeof(err));
}

#define POOL(body) "pools = ( { vip = \"tcp 198.18.0.10:80\"; demand = { target = 100; };\n" body "\n} );\n"

static void test_example(void)
{
	int rc = xlbd_conf_load("user/xlbd/xlbd.conf.example", &conf, err, sizeof(err));
	const struct xlbd_pool_conf *p = &conf.pools[0];
	char vb[64];

	CHECK(rc == 0, "example rejected: %s", err);
	if (rc)
		return;
	CHECK(conf.n_pools == 1, "example: %zu pools", conf.n_pools);
	CHECK(conf.has_vips, "example: vips section not seen");
	CHECK(!strcmp(p->name, "web"), "name %s", p->name);
	CHECK(!strcmp(xlb_fmt_vip(&p->vip, vb, sizeof(vb)), "tcp 198.18.0.10:80"), "vip %s", vb);
	CHECK(p->health.type == XLBD_HC_HTTP && p->health.port == 8080 &&
	      !strcmp(p->health.path, "/healthz") && p->health.status == 200,
	      "health parsed wrong");
	CHECK(p->policy.demand.target == 2000 && p->policy.demand.step_down == 1,
	      "demand parsed wrong");
	CHECK(p->policy.time.enabled && p->policy.time.n == 1 &&
	      p->policy.time.sched[0].capacity == 4 && p->policy.time.sched[0].duration_s == 7200,
	      "schedule parsed wrong");
	CHECK(p->policy.predictive.enabled && p->policy.predictive.horizon_s == 60 &&
	      p->policy.predictive.headroom == 1.1, "predictive parsed wrong");
	CHECK(!strcmp(conf.metrics, "127.0.0.1:9143"), "metrics %s", conf.metrics);
	CHECK(strstr(conf.warnings, "on_scale_up hook /usr/local/lib/xlbd/start-backend") != NULL,
	      "missing hook not warned about: '%s'", conf.warnings);
}

static void test_defaults(void)
{
	const struct xlbd_pool_conf *p = &conf.pools[0];
	int rc = load_text(POOL(""));

	CHECK(rc == 0, "minimal file rejected: %s", err);
	if (rc)
		return;
	CHECK(conf.interval_s == 1 && !strcmp(conf.state_dir, "/var/lib/xlbd") &&
	      !strncmp(conf.metrics, "127.0.0.1:", 10), "agent defaults");
	CHECK(p->health.type == XLBD_HC_TCP && p->health.interval_s == 2 && p->health.rise == 2 &&
	      p->health.fall == 3, "HAProxy health defaults");
	CHECK(p->policy.demand.window_s == 300, "stabilization default %u", p->policy.demand.window_s);
	CHECK(p->signal == XLBD_SIG_NEW_FLOWS && p->weight == 100 && p->policy.min == 1,
	      "pool defaults");
	CHECK(!p->policy.predictive.enabled && !p->policy.time.enabled, "optional policies off");
	CHECK(!strcmp(p->name, "pool1"), "default name %s", p->name);
	CHECK(!conf.has_vips && !conf.warnings[0], "unexpected warnings '%s'", conf.warnings);
}

/* Each bad file: expected line and a fragment of the message. */
static void test_bad(void)
{
	static const struct { const char *text; int line; const char *msg; } bad[] = {
		{ "pools = ( { vip = \"tcp 198.18.0.10:80\";\n demand = { target = 1; } } ) );\n",
		  2, "syntax error" },
		{ "agent = { interval = 0; };\n" POOL(""), 1, "bad interval 0" },
		{ "agent = {\n interval = \"1\"; };\n" POOL(""), 2, "must be a number" },
		{ "agent = {\n metrics = \"localhost\"; };\n" POOL(""), 2, "bad metrics address" },
		{ "agent = {\n colour = 1; };\n" POOL(""), 2, "unknown key 'colour'" },
		{ "wat = 1;\n" POOL(""), 1, "top level: unknown key 'wat'" },
		{ "agent = {};\n", 0, "no pools" },
		{ "pools = ( {\n demand = { target = 1; }; } );\n", 1, "missing 'vip'" },
		{ "pools = ( {\n vip = \"198.18.0.10:80\"; demand = { target = 1; }; } );\n", 2,
		  "bad vip" },
		{ "pools = ( {\n vip = \"sctp 198.18.0.10:80\"; demand = { target = 1; }; } );\n", 2,
		  "bad vip" },
		{ "pools = ( {\n vip = \"tcp 198.18.0.10:80\"; } );\n", 1, "missing demand" },
		{ POOL(" signal = \"requests\";"), 2, "unknown signal 'requests'" },
		{ POOL(" min = 5; max = 2;"), 2, "min 5 above max 2" },
		{ POOL(" max = 0;"), 2, "bad max 0" },
		{ POOL(" weight = 70000;"), 2, "bad weight 70000" },
		{ POOL(" slow_start = -1;"), 2, "bad slow_start" },
		{ POOL(" max = 2.5;"), 2, "must be an integer" },
		{ POOL(" health = { type = \"icmp\"; port = 80; };"), 2, "unknown health type 'icmp'" },
		{ POOL(" health = { type = \"tcp\"; };"), 2, "health: missing 'port'" },
		{ POOL(" health = { type = \"http\"; port = 80; path = \"healthz\"; };"), 2,
		  "bad path" },
		{ POOL(" health = { port = 80; interval = 1.0; timeout = 2.0; };"), 2,
		  "timeout 2 s longer than interval 1 s" },
		{ POOL(" health = { port = 80; rise = 0; };"), 2, "bad rise 0" },
		{ POOL(" health = { port = 80; status = 999; };"), 2, "bad status 999" },
		{ "pools = ( { vip = \"tcp 198.18.0.10:80\";\n demand = { tolerance = 0.1; }; } );\n",
		  2, "set target" },
		{ "pools = ( { vip = \"tcp 198.18.0.10:80\";\n demand = { high = 10; low = 20; }; } );\n",
		  2, "low 20 must be below high 10" },
		{ POOL(" schedules = ( {\n cron = \"0 25 * * *\"; duration = 60; capacity = 2; } );"), 3,
		  "hour" },
		{ POOL(" schedules = ( { capacity = 2; } );"), 2, "needs cron and duration" },
		{ POOL(" predictive = { enabled = true;\n horizon = \"60\"; };"), 3, "must be a number" },
		{ POOL(" predictive = { wat = 1; };"), 2, "unknown key 'wat'" },
		{ "pools = ( { vip = \"tcp 198.18.0.10:80\"; demand = { target = 1; }; },\n"
		  " { vip = \"tcp 198.18.0.10:80\"; demand = { target = 1; }; } );\n", 2, "two pools" },
		{ "pools = ( { name = \"a\"; vip = \"tcp 198.18.0.10:80\"; demand = { target = 1; }; },\n"
		  " { name = \"a\"; vip = \"tcp 198.18.0.10:81\"; demand = { target = 1; }; } );\n", 2,
		  "duplicate pool name 'a'" },
		{ POOL(" name = \"a b\";"), 2, "bad pool name" },
		{ "pools = { vip = \"tcp 198.18.0.10:80\"; };\n", 1, "must be a list" },
	};
	char want[160];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = load_text(bad[i].text);
		if (bad[i].line)
			snprintf(want, sizeof(want), "%s:%d: ", path, bad[i].line);
		else	/* about the whole file: no line */
			snprintf(want, sizeof(want), "%s: ", path);
		CHECK(rc == -EINVAL, "bad file %zu accepted (rc %d)", i, rc);
		CHECK(!strncmp(err, want, strlen(want)), "bad file %zu: want line %d, got '%s'", i,
		      bad[i].line, err);
		CHECK(strstr(err, bad[i].msg) != NULL, "bad file %zu: want '%s' in '%s'", i,
		      bad[i].msg, err);
	}
	/* A failed load leaves the caller's configuration as it was. */
	load_text(POOL(" max = 7;"));
	rc = load_text(POOL(" max = 0;"));
	CHECK(rc && conf.pools[0].policy.max == 7, "failed load changed the output");

	err[0] = 0;
	rc = xlbd_conf_load("/nonexistent/xlbd.conf", &conf, err, sizeof(err));
	CHECK(rc == -ENOENT && strstr(err, "No such file"), "missing file: %d '%s'", rc, err);
}

static void test_warnings(void)
{
	int rc;

	rc = load_text("vips = ( { proto = \"tcp\"; address = \"198.18.0.11\"; port = 80; } );\n"
		       POOL(" on_scale_up = \"/nonexistent/hook\";"));
	CHECK(rc == 0, "warnings must not fail the load: %s", err);
	CHECK(strstr(conf.warnings, "/nonexistent/hook") != NULL, "missing hook: '%s'",
	      conf.warnings);
	CHECK(strstr(conf.warnings, "not in this file's vips") != NULL,
	      "vip missing from vips not warned: '%s'", conf.warnings);
	rc = load_text("vips = ( { proto = \"tcp\"; address = \"198.18.0.10\"; port = 80; } );\n"
		       POOL(" on_scale_up = \"/bin/true\";"));
	CHECK(rc == 0 && !conf.warnings[0], "clean file warned: '%s'", conf.warnings);
}

static void test_listen(void)
{
	struct sockaddr_storage ss;
	unsigned len;

	CHECK(!xlbd_parse_listen("127.0.0.1:9143", &ss, &len) && ss.ss_family == AF_INET,
	      "v4 listen");
	CHECK(!xlbd_parse_listen("[::1]:9143", &ss, &len) && ss.ss_family == AF_INET6, "v6 listen");
	CHECK(xlbd_parse_listen("::1:9143", &ss, &len), "unbracketed v6 accepted");
	CHECK(xlbd_parse_listen("127.0.0.1:", &ss, &len), "empty port accepted");
	CHECK(xlbd_parse_listen("127.0.0.1:70000", &ss, &len), "port 70000 accepted");
	CHECK(xlbd_parse_listen("localhost:80", &ss, &len), "host name accepted");
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/xlbd.conf", tmpdir);
	test_example();
	test_defaults();
	test_bad();
	test_warnings();
	test_listen();
	unlink(path);
	rmdir(tmpdir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
