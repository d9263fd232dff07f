// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * showdot.c - `gpugate show --format dot`: what `show` prints, as a
 * Graphviz DOT graph. One cluster per protected function (its isolation
 * domain) holding a cluster for its IOMMU group; the ports from the root
 * complex down with their ACS state, the peer ports acs.peers looks at, the
 * card's foreign functions, and edges for the PCIe hierarchy. Each port and
 * function is coloured by the findings `check` makes there: the same model
 * and the same checks as `show`, nothing judged again here.
 *
 * Every string goes out through dot_puts(): names and drivers come from
 * sysfs and may hold quotes, backslashes, newlines or bytes that are not
 * UTF-8. Node ids are the function's address and the node's name, so the
 * output is the same for the same tree.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "model.h"
#include "show.h"
#include "source.h"

/* A node's colour: the worst of its findings, in this order. */
enum dot_state { DS_NONE, DS_OK, DS_WARN, DS_FAIL, DS_UNKNOWN, DS_COUNT };

static const struct {
	const char *name, *fill;
} dot_states[DS_COUNT] = {
	[DS_NONE] = { "not checked", "white" },	 [DS_OK] = { "ok", "palegreen" },
	[DS_WARN] = { "warning", "khaki" },	 [DS_FAIL] = { "failed", "salmon" },
	[DS_UNKNOWN] = { "undetermined", "orange" },
};

/* What a node is within one protected function's domain. */
enum dot_role { ROLE_SELF, ROLE_PATH, ROLE_PEER, ROLE_FOREIGN, ROLE_MEMBER };

struct dot {
	FILE *out;
	struct model *m;
	const struct report *r;
	struct pdev *d; /* the protected function whose domain is drawn */
};

/*
 * @s inside a DOT quoted string: '"' and '\' escaped, and every byte that
 * is not printable ASCII written as the four characters \xHH, so that no
 * name can end the string, start an escape such as \N, or break UTF-8.
 */
static void dot_puts(FILE *out, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(out, "\\%c", *c);
		else if (*c < 0x20 || *c > 0x7e)
			fprintf(out, "\\\\x%02x", *c);
		else
			fputc(*c, out);
	}
}

/* One left-justified label line, escaped. */
static void dot_line(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dot_line(FILE *out, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	dot_puts(out, buf);
	fputs("\\l", out);
}

/*
 * The quoted id of node @name in @x's domain: "BDF/NAME", or, for a
 * cluster (@cluster; dot wants the prefix), "cluster_BDF/NAME".
 */
static void dot_id_of(const struct dot *x, bool cluster, const char *name)
{
	fputs(cluster ? "\"cluster_" : "\"", x->out);
	dot_puts(x->out, x->d->bdf);
	fputc('/', x->out);
	dot_puts(x->out, name);
	fputc('"', x->out);
}

static void dot_id(const struct dot *x, const char *name)
{
	dot_id_of(x, false, name);
}

static enum dot_state dot_finding_state(const struct finding *f)
{
	if (f->undetermined)
		return DS_UNKNOWN;
	if (f->status == ST_FAIL)
		return DS_FAIL;
	if (f->status == ST_WARN)
		return DS_WARN;
	return f->status == ST_SKIP ? DS_NONE : DS_OK;
}

/*
 * The findings on device @dev at @port ("" for the device's own), one
 * label line each; @all false: passing ones only counted. Returns the
 * worst state.
 */
static enum dot_state dot_findings(FILE *out, const struct report *r, const char *dev,
				   const char *port, bool all)
{
	enum dot_state worst = DS_NONE;
	int passed = 0;

	for (int i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];
		enum dot_state s = dot_finding_state(f);

		if (strcmp(f->device, dev) || strcmp(f->port, port) || s == DS_NONE)
			continue;
		worst = s > worst ? s : worst;
		if (s == DS_OK && !all) {
			passed++;
			continue;
		}
		dot_line(out, "%s %s: %s", f->id, dot_states[s].name, f->actual);
		if (f->expected[0])
			dot_line(out, "  expected: %s", f->expected);
	}
	if (passed)
		dot_line(out, "%d other check%s ok", passed, passed == 1 ? "" : "s");
	return worst;
}

/* The colour of a node, from its state (written after its label). */
static void dot_node_end(FILE *out, enum dot_state s)
{
	fprintf(out, "\", fillcolor=\"%s\"];\n", dot_states[s].fill);
}

static bool dot_is_peer(const struct pdev *b, const struct pdev *o)
{
	return o != b && o->nchildren && pdev_is_bridge(o);
}

/* The role of function @o in @x's domain, and false when it has none. */
static bool dot_role_of(const struct dot *x, struct pdev *o, enum dot_role *role)
{
	struct model *m = x->m;

	*role = ROLE_SELF;
	if (o == x->d)
		return true;
	for (int i = 0; !x->d->path_err && i < x->d->path_len; i++) {
		struct pdev *b = &m->devs[x->d->path[i]];

		*role = ROLE_PATH;
		if (o == b)
			return true;
		*role = ROLE_PEER;
		for (int k = model_peer_first(m, b); k >= 0; k = m->devs[k].peer_next)
			if (&m->devs[k] == o && dot_is_peer(b, o))
				return true;
	}
	*role = ROLE_FOREIGN;
	return o->foreign && model_same_card(o, x->d);
}

static void dot_self(const struct dot *x)
{
	struct pdev *d = x->d;
	char ats[192];
	enum dot_state s;

	show_ats_state(d, ats, sizeof(ats));
	dot_line(x->out, "%s  %04x:%04x class %04x", d->bdf, d->vendor, d->device,
		 (unsigned int)d->class);
	dot_line(x->out, "%s, driver %s", d->matched ? "matched" : "companion", show_driver(x->m, d));
	dot_line(x->out, "override %s", show_override(x->m, d));
	dot_line(x->out, "ATS: %s", ats);
	s = dot_findings(x->out, x->r, d->bdf, "", false);
	dot_node_end(x->out, s);
}

static void dot_port(const struct dot *x, struct pdev *b, enum dot_role role)
{
	static const char *const roles[] = { [ROLE_PATH] = "path", [ROLE_PEER] = "peer",
					     [ROLE_FOREIGN] = "foreign function" };
	char acs[192];

	show_acs_state(b, acs, sizeof(acs));
	dot_line(x->out, "%s  %s", b->bdf,
		 model_config(b) ? "bridge" : caps_type_name(b->caps.pcie_type));
	dot_line(x->out, "%s, driver %s", roles[role], show_driver(x->m, b));
	dot_line(x->out, "%s", acs);
	dot_node_end(x->out, dot_findings(x->out, x->r, x->d->bdf, b->bdf, true));
}

/* Node @name (a group member's entry, or a function of the domain). */
static void dot_node(const struct dot *x, const char *name)
{
	int k = model_find(x->m, name);
	struct pdev *o = k >= 0 ? &x->m->devs[k] : NULL;
	enum dot_role role;

	fputs("    ", x->out);
	dot_id(x, name);
	fputs(" [label=\"", x->out);
	if (o && dot_role_of(x, o, &role)) {
		if (role == ROLE_SELF)
			dot_self(x);
		else
			dot_port(x, o, role);
		return;
	}
	dot_line(x->out, "%s", name);
	if (o)
		dot_line(x->out, "%04x:%04x class %04x, driver %s", o->vendor, o->device,
			 (unsigned int)o->class, show_driver(x->m, o));
	else
		dot_line(x->out, "not a PCI function gpugate knows");
	dot_line(x->out, "group member");
	dot_node_end(x->out, DS_NONE);
}

static bool dot_is_member(const struct pdev *d, const char *name)
{
	for (int i = 0; i < d->nmembers; i++)
		if (!strcmp(d->members[i], name))
			return true;
	return false;
}

/* The IOMMU group's cluster: its number, type and members. */
static void dot_group(const struct dot *x)
{
	const struct pdev *d = x->d;
	char type[32];

	fputs("  subgraph ", x->out);
	dot_id_of(x, true, "group");
	fputs(" {\n    style=\"dashed\"; label=\"", x->out);
	if (!x->m->src->live)
		dot_line(x->out, "IOMMU group unknown (not in an lspci dump)");
	else if (d->group < 0)
		dot_line(x->out, "no IOMMU group (no IOMMU)");
	else if (d->nmembers < 0)
		dot_line(x->out, "IOMMU group %d (%s), members unreadable: %s", d->group,
			 show_group_type(d, type, sizeof(type)), strerror(-d->nmembers));
	else
		dot_line(x->out, "IOMMU group %d (%s), %d member%s", d->group,
			 show_group_type(d, type, sizeof(type)), d->nmembers,
			 d->nmembers == 1 ? "" : "s");
	fputs("\";\n", x->out);
	if (!dot_is_member(d, d->bdf))
		dot_node(x, d->bdf);
	for (int i = 0; i < d->nmembers; i++)
		dot_node(x, d->members[i]);
	fputs("  }\n", x->out);
}

/* An edge from node @from to node @to. */
static void dot_edge(const struct dot *x, const char *from, const char *to)
{
	fputs("  ", x->out);
	dot_id(x, from);
	fputs(" -> ", x->out);
	dot_id(x, to);
	fputs(";\n", x->out);
}

/* Node @o when the group cluster did not hold it, and its edge from @from. */
static void dot_outside(const struct dot *x, const char *from, const struct pdev *o)
{
	if (!dot_is_member(x->d, o->bdf) && o != x->d)
		dot_node(x, o->bdf);
	dot_edge(x, from, o->bdf);
}

/*
 * Edges to the group's other members from their bridge, where that bridge
 * is drawn (a port of the path, or a peer).
 */
static void dot_member_edges(const struct dot *x)
{
	enum dot_role role;

	for (int i = 0; i < x->d->nmembers; i++) {
		int k = model_find(x->m, x->d->members[i]);
		struct pdev *o = k >= 0 ? &x->m->devs[k] : NULL;

		if (!o || o->parent < 0 || dot_role_of(x, o, &role) ||
		    !dot_role_of(x, &x->m->devs[o->parent], &role) || role == ROLE_FOREIGN)
			continue;
		dot_edge(x, x->m->devs[o->parent].bdf, o->bdf);
	}
}

/* The root complex node: where the path starts, or why it is unknown. */
static void dot_root(const struct dot *x)
{
	const struct pdev *d = x->d;
	struct model *m = x->m;

	fputs("  ", x->out);
	dot_id(x, "root");
	fputs(" [shape=\"ellipse\", label=\"", x->out);
	if (d->path_err)
		dot_line(x->out, "path to the root complex unknown");
	else if (d->path_len && m->devs[d->path[0]].path_err)
		dot_line(x->out, "above %s unknown: %s", m->devs[d->path[0]].bdf,
			 m->devs[d->path[0]].path_why);
	else
		dot_line(x->out, "root complex, domain %04x", d->domain);
	dot_node_end(x->out, d->path_err ? DS_UNKNOWN : DS_NONE);
}

/* The path from the root complex down to the function, with the peers. */
static void dot_path(const struct dot *x)
{
	struct model *m = x->m;
	const struct pdev *d = x->d;
	const char *from = "root";

	dot_root(x);
	if (d->path_err)
		return;
	for (int i = 0; i < d->path_len; i++) {
		struct pdev *b = &m->devs[d->path[i]];

		for (int k = model_peer_first(m, b); k >= 0; k = m->devs[k].peer_next)
			if (dot_is_peer(b, &m->devs[k]))
				dot_outside(x, from, &m->devs[k]);
		dot_outside(x, from, b);
		from = b->bdf;
	}
	dot_edge(x, from, d->bdf);
	for (int k = model_card_first(m, d); k >= 0; k = m->devs[k].card_next)
		if (m->devs[k].foreign)
			dot_outside(x, from, &m->devs[k]);
	dot_member_edges(x);
}

static void dot_domain(const struct dot *x)
{
	fputs("subgraph ", x->out);
	dot_id_of(x, true, "domain");
	fputs(" {\n  label=\"", x->out);
	dot_line(x->out, "isolation domain of %s", x->d->bdf);
	fputs("\";\n", x->out);
	dot_group(x);
	dot_path(x);
	fputs("}\n", x->out);
}

/* The host's own findings, and the colours' key. */
static void dot_host(FILE *out, const struct report *r, int n)
{
	enum dot_state s;

	fputs("\"host\" [shape=\"note\", label=\"", out);
	dot_line(out, "host");
	if (!n)
		dot_line(out, "no function matches the policy");
	s = dot_findings(out, r, "", "", false);
	dot_node_end(out, s);
	fputs("subgraph \"cluster_key\" {\n  label=\"key: the worst check finding there\";\n", out);
	for (int i = 0; i < DS_COUNT; i++)
		fprintf(out, "  \"key/%s\" [label=\"%s\", fillcolor=\"%s\"];\n", dot_states[i].name,
			dot_states[i].name, dot_states[i].fill);
	fputs("}\n", out);
}

int show_dot(FILE *out, struct model *m, const struct policy *p)
{
	struct report r = { .mode = "check" };
	struct ctx c = { .m = m, .p = p, .r = &r };
	int n = 0;

	checks_run(&c);
	fputs("digraph \"gpugate\" {\n"
	      "graph [rankdir=\"TB\", labeljust=\"l\", label=\"gpugate show: the isolation domain of each protected function\"];\n"
	      "node [shape=\"box\", style=\"filled\", fontsize=\"10\"];\n",
	      out);
	for (int i = 0; i < m->ndevs; i++) {
		struct dot x = { .out = out, .m = m, .r = &r, .d = &m->devs[i] };

		if (!pdev_protected(x.d))
			continue;
		dot_domain(&x);
		n++;
	}
	dot_host(out, &r, n);
	fputs("}\n", out);
	report_free(&r);
	if (c.oom)
		return -ENOMEM;
	return ferror(out) ? -EIO : 0;
}
