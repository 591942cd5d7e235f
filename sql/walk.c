/*
 * sql/walk.c: the children of a node of libpg_query's protobuf tree.
 *
 * The translator's tree walks (aggregates in an expression, parameters'
 * contexts, the tables a statement reads...) each decide what to do at a
 * node; how to reach its children is the same for all of them: every
 * message-typed field, for a oneof only the member that is set.  A Node
 * is a oneof of some 240 fields, so its set member is looked up directly
 * (scanning them all was most of a walk's time).
 */
#include <string.h>

#include "sql/sql_int.h"

bool sql__children(const ProtobufCMessage *m,
		   bool (*fn)(const ProtobufCMessage *child, void *ctx),
		   void *ctx)
{
	if (m == NULL) {
		return false;
	}
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *base = (const char *)m;
	if (d == &pg_query__node__descriptor) {
		const Node *n = (const Node *)m;
		const ProtobufCFieldDescriptor *f =
			n->node_case == PG_QUERY__NODE__NODE__NOT_SET
				? NULL
				: protobuf_c_message_descriptor_get_field(
					  d, (unsigned)n->node_case);
		ProtobufCMessage *c = NULL;
		if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE &&
		    f->label != PROTOBUF_C_LABEL_REPEATED) {
			memcpy(&c, base + f->offset, sizeof c);
		}
		return c != NULL && fn(c, ctx);
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE) {
			continue;
		}
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0) {
			uint32_t which;
			memcpy(&which, base + f->quantifier_offset,
			       sizeof which);
			if (which != f->id) {
				continue;
			}
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n;
			ProtobufCMessage **items;
			memcpy(&n, base + f->quantifier_offset, sizeof n);
			memcpy(&items, base + f->offset, sizeof items);
			for (size_t j = 0; j < n && items != NULL; j++) {
				if (items[j] != NULL && fn(items[j], ctx)) {
					return true;
				}
			}
		} else {
			ProtobufCMessage *c;
			memcpy(&c, base + f->offset, sizeof c);
			if (c != NULL && fn(c, ctx)) {
				return true;
			}
		}
	}
	return false;
}

const PgQuery__FuncCall *sql__range_function_call(
	const PgQuery__RangeFunction *rf)
{
	if (rf->n_functions != 1 ||
	    rf->functions[0]->node_case != PG_QUERY__NODE__NODE_LIST ||
	    rf->functions[0]->list->n_items < 1 ||
	    rf->functions[0]->list->items[0]->node_case !=
		    PG_QUERY__NODE__NODE_FUNC_CALL) {
		return NULL;
	}
	return rf->functions[0]->list->items[0]->func_call;
}
