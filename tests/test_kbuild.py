"""kbuild: which object or module a kernel C file is linked into, from the tree's Makefiles."""
from __future__ import annotations

from reviewbot.c.kbuild import (
    APART,
    BUILTIN,
    EITHER,
    LINKED,
    MAYBE,
    MODULE,
    NOT_KNOWN,
    SAME,
    UNKNOWN,
    Kbuild,
    Unit,
    parse_kconfig,
    parse_makefile,
)
from reviewbot.c.tree import DirTree

EXT4_LIKE = """\
# SPDX-License-Identifier: GPL-2.0
obj-$(CONFIG_EXT4_FS) += ext4.o

ext4-y	:= balloc.o bitmap.o \\
		inode.o super.o   # the core
ext4-$(CONFIG_EXT4_FS_POSIX_ACL)	+= acl.o
ext4-inode-test-objs			+= inode-test.o
obj-$(CONFIG_EXT4_KUNIT_TESTS)		+= ext4-inode-test.o
ifdef CONFIG_FS_VERITY
ext4-y += verity.o
else
ext4-y += noverity.o
endif
CRYPTO_OBJS := crypto.o crypto_policy.o
ext4-$(CONFIG_FS_ENCRYPTION) += $(CRYPTO_OBJS) $(addprefix sub/,a.o b.o)
CFLAGS_super.o := -DX=1
ccflags-y += -I$(src)/private.o
hostprogs := mkhash
mkhash-objs := mkhash.o
$(obj)/table.o: $(obj)/table.h
\t$(call cmd,gen) tool.o
"""


def test_makefile_lists_are_read_with_continuations_conditionals_and_variables():
    made = parse_makefile("fs/ext4", EXT4_LIKE)
    assert made.lists["inode.o"] == ["ext4-y"] and made.lists["super.o"] == ["ext4-y"]
    assert made.lists["acl.o"] == ["ext4-$(CONFIG_EXT4_FS_POSIX_ACL)"]
    assert made.lists["verity.o"] == ["ext4-y"] and made.lists["noverity.o"] == ["ext4-y"]  # both branches: maybe
    assert made.lists["crypto_policy.o"] == ["ext4-$(CONFIG_FS_ENCRYPTION)"]
    assert made.lists["sub/b.o"] == ["ext4-$(CONFIG_FS_ENCRYPTION)"]
    assert made.lists["ext4.o"] == ["obj-$(CONFIG_EXT4_FS)"]
    assert made.lists["mkhash.o"] == ["mkhash-objs"]  # read, but mkhash.o is in no obj- list: no unit
    assert "private.o" not in made.lists and "tool.o" not in made.lists and "table.o" not in made.lists


def test_kconfig_types():
    text = ("config EXT4_FS\n\ttristate \"The Extended 4 (ext4) filesystem\"\n\tselect JBD2\n\n"
            "menuconfig EXT4_FS_POSIX_ACL\n\tbool \"Ext4 POSIX Access Control Lists\"\n"
            "config EXT4_KUNIT_TESTS\n\tdef_tristate KUNIT_ALL_TESTS\n"
            "config EXT4_DEBUG\n\tdepends on EXT4_FS\n\nif FOO\nconfig BAR\n\tdef_bool y\nendif\n")
    assert parse_kconfig(text) == {"EXT4_FS": "tristate", "EXT4_FS_POSIX_ACL": "bool",
                                   "EXT4_KUNIT_TESTS": "tristate", "BAR": "bool"}


def _tree(tmp_path, files: dict[str, str]) -> DirTree:
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    return DirTree(tmp_path)


def test_units_and_relations_of_a_kernel_shaped_tree(tmp_path):
    tree = _tree(tmp_path, {
        "fs/Kconfig": "config EXT4_FS\n\ttristate \"ext4\"\nconfig EXT4_FS_POSIX_ACL\n\tbool \"acl\"\n",
        "fs/ext4/Makefile": EXT4_LIKE,
        "lib/Makefile": "lib-y := sort.o\nobj-y += bsearch.o\nobj-$(CONFIG_CRC_ITU_T) += crc-itu-t.o\n",
        "lib/Kconfig": "config CRC_ITU_T\n\ttristate \"CRC ITU-T V.41 functions\"\n",
        "drivers/misc/Makefile": "obj-m += dummy_mod.o\nobj-$(CONFIG_MYSTERY) += mystery.o\n"
                                 "obj-$(CONFIG_BOOLY) += booly/\n",
        "drivers/misc/booly/Kbuild": "obj-y += booly.o\n",
        "drivers/misc/booly/Makefile": "obj-m += not_read.o\n",
    })
    kb = Kbuild(tree)
    assert kb.units("fs/ext4/inode.c") == {Unit("fs/ext4/ext4.o", EITHER)}
    assert kb.units("fs/ext4/sub/a.c") == {Unit("fs/ext4/ext4.o", EITHER)}
    assert kb.units("lib/sort.c") == {Unit("lib/sort.o", BUILTIN)}
    assert kb.units("drivers/misc/dummy_mod.c") == {Unit("drivers/misc/dummy_mod.o", MODULE)}
    assert kb.units("drivers/misc/mystery.c") == {Unit("drivers/misc/mystery.o", NOT_KNOWN)}
    assert kb.units("drivers/misc/booly/booly.c") == {Unit("drivers/misc/booly/booly.o", BUILTIN)}  # Kbuild wins
    assert kb.units("drivers/misc/booly/not_read.c") == frozenset()
    assert kb.units("fs/ext4/mkhash.c") == frozenset()  # a host program's object
    assert kb.relation("fs/ext4/acl.c", "fs/ext4/sub/b.c") == SAME
    assert kb.relation("lib/sort.c", "lib/bsearch.c") == LINKED
    assert kb.relation("fs/ext4/inode.c", "lib/bsearch.c") == APART  # ext4.ko may be a module
    assert kb.relation("lib/crc-itu-t.c", "lib/sort.c") == APART
    assert kb.relation("drivers/misc/mystery.c", "lib/sort.c") == MAYBE  # CONFIG_MYSTERY's type is unknown
    assert kb.relation("fs/ext4/inode.c", "fs/ext4/not_listed.c") == UNKNOWN


def test_a_makefile_that_doubles_its_own_variable_stays_small():
    """"a-y += x.o $(a-y) $(a-y)" repeated: each line once doubled the expansion (40 lines: 19 s, 80
    would have taken minutes and gigabytes). A patch can bring such a Makefile."""
    lines = [f"a-y += x{n}.o $(a-y) $(a-y)" for n in range(200)] + ["obj-y += a.o b.o"]
    made = parse_makefile("drivers/evil", "\n".join(lines) + "\n")
    assert {f"x{n}.o" for n in range(200)} <= set(made.lists)
    assert made.lists["b.o"] == ["obj-y"]


def test_init_mounts_is_a_composite_object_of_init(tmp_path):
    """init/Makefile: obj-y := main.o mounts.o, mounts-y := do_mounts.o: do_mounts.c is built in
    (the reader once took "mounts" for a variable that lists no objects)."""
    (tmp_path / "init").mkdir()
    (tmp_path / "init/Makefile").write_text("obj-y := main.o version.o mounts.o\nmounts-y := do_mounts.o\n"
                                            "mounts-$(CONFIG_BLK_DEV_RAM) += do_mounts_rd.o\n")
    (tmp_path / "Makefile").write_text("obj-y += init/\n")
    kbuild = Kbuild(DirTree(tmp_path))
    assert kbuild.units("init/do_mounts.c") == kbuild.units("init/do_mounts_rd.c") != frozenset()
    assert {u.mode for u in kbuild.units("init/do_mounts.c")} == {BUILTIN}
