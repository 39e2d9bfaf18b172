"""The declared type of the struct member a function is stored in, and whether a function fits it."""
from __future__ import annotations

from reviewbot.c.extract import Param, Signature
from reviewbot.c.members import member_stores, member_type
from reviewbot.c.tree import DirTree
from reviewbot.c.values import FnType, mismatch

HEADER = """\
typedef int (*irq_handler_t)(int irq, void *dev_id);
struct irq_ops {
	irq_handler_t handler;
	void (*mask)(struct irq_data *d);
	union {
		int (*set_type)(struct irq_data *d, unsigned int flow_type);
	};
	struct irq_ops *parent;
};
"""
DRIVER = """\
#include <linux/irq_ops.h>

static struct irq_ops chip_ops[] = {
	{ .handler = chip_irq, .mask = chip_mask },
	{ .set_type = chip_set_type },
};

static void chip_init(struct irq_ops *ops, struct chip *chip)
{
	struct irq_ops local = (struct irq_ops){ .mask = chip_mask };

	ops->parent->handler = chip_irq;
	chip->ops.mask = chip_mask;
	local.set_type = chip_set_type;
}
"""


def test_stores_know_their_struct_and_the_member_type_is_read_from_the_tree(tmp_path):
    (tmp_path / "include/linux").mkdir(parents=True)
    (tmp_path / "include/linux/irq_ops.h").write_text(HEADER)
    (tmp_path / "drivers").mkdir()
    (tmp_path / "drivers/chip.c").write_text(DRIVER)
    tree = DirTree(tmp_path)
    data = DRIVER.encode()
    stores = {(s.function, s.line): s.struct for n in ("chip_irq", "chip_mask", "chip_set_type")
              for s in member_stores(n, "drivers/chip.c", data, tree)}
    assert stores == {("chip_irq", 4): "irq_ops", ("chip_mask", 4): "irq_ops", ("chip_set_type", 5): "irq_ops",
                      ("chip_mask", 10): "irq_ops", ("chip_irq", 12): "irq_ops",
                      ("chip_mask", 13): None,  # struct chip is not in the tree
                      ("chip_set_type", 14): "irq_ops"}
    handler = member_type("irq_ops", "handler", "drivers/chip.c", tree)
    assert [p.type for p in handler.fn.params] == ["int", "void *"]  # through the typedef
    set_type = member_type("irq_ops", "set_type", "drivers/chip.c", tree)  # in an anonymous union
    assert [p.type for p in set_type.fn.params] == ["struct irq_data *", "unsigned int"]
    assert member_type("irq_ops", "parent", "drivers/chip.c", tree).struct == "irq_ops"
    assert member_type("irq_ops", "nosuch", "drivers/chip.c", tree) is None


def test_a_function_fits_a_slot_by_count_and_by_plain_types_only():
    slot = FnType([Param("struct irq_data *", "d"), Param("unsigned int", None)], False, "")

    def sig(*types):
        return Signature("f", [Param(t, None) for t in types], "int")
    assert mismatch(slot, sig("struct irq_data *", "unsigned")) is None
    assert mismatch(slot, sig("struct irq_data *")) == "takes 2 parameters"
    assert mismatch(slot, sig("struct irq_desc *", "unsigned int")) == \
        "takes struct irq_data * as parameter 1, not struct irq_desc *"
    assert mismatch(slot, sig("struct irq_data *", "u32")) is None  # a typedef: may be the same type
    assert mismatch(slot, sig("const struct irq_data *", "unsigned int")) is not None
    # a qualifier of the parameter itself is no part of the function's type (6.1 has such
    # definitions: long f(struct file *, const unsigned int cmd, unsigned long) in an ioctl slot)
    assert mismatch(slot, sig("struct irq_data *const", "const unsigned int")) is None

