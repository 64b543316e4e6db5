/* SPDX-License-Identifier: Apache-2.0 */
/* Device rules: parsing and its errors, the v1 replay (last rule wins for a
 * device, 'a' switches, holes refused), and the eBPF program, run by a tiny
 * interpreter, giving the v1 verdict for every access (no root needed). */
/* cmocka.h needs these first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
/* clang-format on */

#include <linux/bpf.h>

#include "runtime/internal.h"
#include "util/error.h"

static int parse_rules(const char *text, struct rt_dev_rule **ret, size_t *ret_n,
                       struct pp_error *err)
{
	json_object *j = json_tokener_parse(text);
	int r;

	assert_non_null(j);
	r = rt_dev_rules_parse(j, NULL, 0, ret, ret_n, err);
	json_object_put(j);
	return r;
}

static void expect_error(const char *text, const char *msg)
{
	struct pp_error err = {0};
	struct rt_dev_rule *rules = NULL;
	struct rt_dev_policy p = {0};
	size_t n = 0;
	int r = parse_rules(text, &rules, &n, &err);

	if (r == 0) {
		r = rt_dev_policy_compute(rules, n, n - 11, &p, &err);
		free(rules);
		rt_dev_policy_clear(&p);
	}
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err.msg, msg);
}

static void test_rule_errors(void **state)
{
	(void)state;
	expect_error(
	    "[{\"allow\": false}, {\"allow\": true, \"type\": \"c\", \"access\": \"rwx\"}]",
	    "linux.resources.devices[1].access: invalid 'rwx'");
	expect_error("[{\"allow\": true, \"type\": \"x\", \"access\": \"r\"}]",
	             "linux.resources.devices[0].type: invalid 'x'");
	expect_error(
	    "[{}, {}, {\"allow\": true, \"type\": \"c\", \"major\": -5, \"access\": \"r\"}]",
	    "linux.resources.devices[0].allow: Required value");
	expect_error("[{\"allow\": true, \"type\": \"c\", \"major\": -5, \"access\": \"r\"}]",
	             "linux.resources.devices[0].major: invalid -5");
	expect_error("[{\"allow\": true, \"type\": \"c\", \"access\": \"\"}]",
	             "linux.resources.devices[0].access: invalid ''");
	expect_error("[{\"allow\": true, \"type\": \"a\", \"major\": 1, \"access\": \"r\"}]",
	             "linux.resources.devices[0]: type 'a' (all devices) takes no major or minor");
	expect_error("[{\"allow\": true, \"type\": \"c\", \"major\": 10, \"access\": \"rw\"},"
	             " {\"allow\": false, \"type\": \"c\", \"major\": 10, \"minor\": 232,"
	             "  \"access\": \"r\"}]",
	             "linux.resources.devices[1]: denying 'c 10:232 r' cannot take away part of "
	             "the earlier rule 'c 10:* rw' (the cgroup v1 devices controller would "
	             "ignore it)");
	expect_error("[{\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 232,"
	             "  \"access\": \"rw\"},"
	             " {\"allow\": false, \"type\": \"c\", \"major\": 10, \"access\": \"w\"}]",
	             "linux.resources.devices[1]: denying 'c 10:* w' cannot take away part of "
	             "the earlier rule 'c 10:232 rw' (the cgroup v1 devices controller would "
	             "ignore it)");
}

static void test_defaults(void **state)
{
	struct pp_error err = {0};
	struct rt_dev_rule *rules = NULL;
	struct rt_device null_dev = {
	    .path = (char *)"/dev/null", .type = 'c', .major = 1, .minor = 3};
	json_object *j = json_tokener_parse("[{\"allow\": false, \"access\": \"rwm\"}]");
	size_t n = 0;
	char buf[64];

	(void)state;
	assert_int_equal(rt_dev_rules_parse(j, NULL, 0, &rules, &n, &err), 0);
	assert_int_equal(n, 12);
	rt_dev_rule_format(&rules[0], buf);
	assert_string_equal(buf, "a");
	assert_false(rules[0].allow);
	rt_dev_rule_format(&rules[1], buf);
	assert_string_equal(buf, "c *:* m");
	rt_dev_rule_format(&rules[9], buf);
	assert_string_equal(buf, "c 136:* rwm");
	free(rules);
	/* a linux.devices node of the same path replaces runc's default rule */
	assert_int_equal(rt_dev_rules_parse(j, &null_dev, 1, &rules, &n, &err), 0);
	assert_int_equal(n, 11);
	for (size_t i = 0; i < n; i++)
		assert_false(rules[i].major == 1 && rules[i].minor == 3);
	free(rules);
	json_object_put(j);
}

/* ---- a BPF interpreter for the instructions rt_dev_bpf_build emits ---- */

static int run_bpf(const struct bpf_insn *p, size_t n, uint32_t type, uint32_t major,
                   uint32_t minor, uint32_t access)
{
	uint32_t ctx[3] = {type | (access << 16), major, minor};
	uint64_t r[11] = {0};

	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		uint32_t d32 = (uint32_t)r[i->dst_reg];

		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			assert_int_equal(i->src_reg, BPF_REG_1);
			assert_int_equal(i->imm, 0);
			r[i->dst_reg] = ctx[i->off / 4];
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			r[i->dst_reg] = (uint32_t)r[i->src_reg];
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			r[i->dst_reg] = d32 & (uint32_t)i->imm;
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			r[i->dst_reg] = d32 >> i->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[i->dst_reg] = (uint64_t)(int64_t)i->imm;
			break;
		case BPF_JMP32 | BPF_JNE | BPF_K:
			if (d32 != (uint32_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP32 | BPF_JEQ | BPF_K:
			if (d32 == (uint32_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)r[0];
		default:
			fail_msg("unexpected opcode %#x at %zu", i->code, pc);
		}
		assert_true(pc < n);
	}
	fail_msg("ran off the end");
	return -1;
}

/* Every access to a set of devices around the rules' numbers: the
 * program's verdict is the v1 policy's. */
static void check_program(const struct rt_dev_policy *p)
{
	static const uint32_t majors[] = {1, 5, 10, 136, 4000};
	static const uint32_t minors[] = {0, 3, 200, 229, 232, 237};
	void *prog = NULL;
	size_t n = 0;

	rt_dev_bpf_build(p, &prog, &n);
	for (int t = 0; t < 2; t++)
		for (size_t a = 0; a < 5; a++)
			for (size_t b = 0; b < 6; b++)
				for (unsigned acc = 1; acc <= 7; acc++) {
					char type = t ? 'b' : 'c';
					bool want = rt_dev_policy_allows(p, type, majors[a],
					                                 minors[b], acc);
					int got = run_bpf(
					    prog, n, t ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
					    majors[a], minors[b], acc);

					assert_int_equal(got, want ? 1 : 0);
				}
	free(prog);
}

static void policy_of(const char *text, struct rt_dev_policy *p)
{
	struct pp_error err = {0};
	struct rt_dev_rule *rules = NULL;
	size_t n = 0;

	assert_int_equal(parse_rules(text, &rules, &n, &err), 0);
	assert_int_equal(rt_dev_policy_compute(rules, n, n - 11, p, &err), 0);
	free(rules);
}

#define DENY "{\"allow\": false, \"access\": \"rwm\"}"
#define FUSE(a, x) \
	"{\"allow\": " a ", \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"" x "\"}"
#define RW (RT_DEV_ACC_READ | RT_DEV_ACC_WRITE)

static void test_policy_and_program(void **state)
{
	struct rt_dev_policy p = {0};

	(void)state;
	/* no rules at all: runc's whitelist of defaults */
	policy_of("[]", &p);
	assert_false(p.default_allow);
	assert_true(rt_dev_policy_allows(&p, 'c', 1, 3, RW));
	assert_true(rt_dev_policy_allows(&p, 'c', 10, 232, RT_DEV_ACC_MKNOD));
	assert_true(rt_dev_policy_allows(&p, 'b', 8, 0, RT_DEV_ACC_MKNOD));
	assert_false(rt_dev_policy_allows(&p, 'c', 10, 232, RT_DEV_ACC_READ));
	assert_false(rt_dev_policy_allows(&p, 'c', 10, 237, RW));
	assert_true(rt_dev_policy_allows(&p, 'c', 136, 4, RW));
	check_program(&p);
	rt_dev_policy_clear(&p);
	/* the last rule for a device wins, either way */
	policy_of("[" DENY ", " FUSE("true", "rw") ", " FUSE("false", "rw") "]", &p);
	assert_false(rt_dev_policy_allows(&p, 'c', 10, 229, RT_DEV_ACC_READ));
	check_program(&p);
	rt_dev_policy_clear(&p);
	policy_of("[" DENY ", " FUSE("false", "rw") ", " FUSE("true", "rw") "]", &p);
	assert_true(rt_dev_policy_allows(&p, 'c', 10, 229, RW));
	check_program(&p);
	rt_dev_policy_clear(&p);
	/* a partial deny leaves the rest of the exception */
	policy_of("[" DENY ", " FUSE("true", "rw") ", " FUSE("false", "w") "]", &p);
	assert_true(rt_dev_policy_allows(&p, 'c', 10, 229, RT_DEV_ACC_READ));
	assert_false(rt_dev_policy_allows(&p, 'c', 10, 229, RW));
	check_program(&p);
	rt_dev_policy_clear(&p);
	/* allow all, then a blacklist: an overlap of access denies */
	policy_of("[{\"allow\": true, \"access\": \"rwm\"}, " FUSE("false", "w") "]", &p);
	assert_true(p.default_allow);
	assert_true(rt_dev_policy_allows(&p, 'c', 10, 232, RW));
	assert_false(rt_dev_policy_allows(&p, 'c', 10, 229, RW));
	assert_true(rt_dev_policy_allows(&p, 'c', 10, 229, RT_DEV_ACC_READ));
	check_program(&p);
	rt_dev_policy_clear(&p);
	/* an 'a' rule after others starts over */
	policy_of("[" FUSE("true", "rw") ", " DENY "]", &p);
	assert_false(rt_dev_policy_allows(&p, 'c', 10, 229, RT_DEV_ACC_READ));
	check_program(&p);
	rt_dev_policy_clear(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rule_errors),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_policy_and_program),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
