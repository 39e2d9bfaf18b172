"""What a call's name resolves to: macros, regions of a kernel tree, the include graph."""
from __future__ import annotations

from reviewbot.c.extract import Param, Signature
from reviewbot.c.resolve import Includes, Macro, Target, accepts, macro_expansion, macros_named, reaches
from reviewbot.c.tree import DirTree


def test_compatibility_macro_is_read_with_its_continuation_lines():
    data = (b"#define vmf_insert_mixed(vma, addr, pfn) \\\n\tvmf_insert_mixed_flags(vma, addr, pfn, false)\n"
            b"#define vmf_insert_mixed_prot vmf_insert_mixed_p\n")
    (macro,) = macros_named("vmf_insert_mixed", "include/linux/mm.h", data)
    assert (macro.params, macro.line, macro.body) == (["vma", "addr", "pfn"], 1,
                                                      "vmf_insert_mixed_flags(vma, addr, pfn, false)")
    assert macro_expansion(macro, 3) == ("vmf_insert_mixed_flags", 4)
    (plain,) = macros_named("vmf_insert_mixed_prot", "include/linux/mm.h", data)
    assert plain.params is None and macro_expansion(plain, 4) == ("vmf_insert_mixed_p", 4)


def test_token_pasting_macro_is_checked_by_its_parameter_count_only(tmp_path):
    macro = Macro("dax_insert", "fs/dax.c", 3, ["kind", "vmf"], False, "dax_insert_##kind(vmf, false)")
    assert macro_expansion(macro, 2) is None
    target = Target("fs/dax.c", 3, True, macro=macro)
    tree = DirTree(tmp_path)
    assert accepts(target, 2, tree, None, "fs/dax.c").ok
    bad = accepts(target, 3, tree, None, "fs/dax.c")
    assert not bad.ok and "takes 2" in bad.why


def test_variadic_function_accepts_more_arguments():
    sig = Signature("dev_warn", [Param("const struct device *", "dev"), Param("const char *", "fmt")], "void", True)
    target = Target("drivers/base/core.c", 10, sig=sig)
    assert accepts(target, 4, None, None, "drivers/x.c").ok and not accepts(target, 1, None, None, "drivers/x.c").ok


def test_regions_of_a_kernel_tree():
    assert reaches("mm/memory.c", "arch/x86/mm/pat/memtype.c") and reaches("arch/x86/mm/fault.c", "mm/memory.c")
    assert not reaches("arch/arm/mm/fault.c", "arch/x86/mm/pat/memtype.c")
    assert not reaches("tools/perf/util/map.c", "mm/memory.c") and not reaches("mm/memory.c", "samples/bpf/x.c")
    assert reaches("tools/perf/util/map.c", "tools/lib/api/fs/fs.c")


def test_include_graph_settles_only_what_the_tree_holds(tmp_path):
    (tmp_path / "include/linux").mkdir(parents=True)
    (tmp_path / "include/linux/mm.h").write_text("int vmf_insert_mixed(void);\n")
    (tmp_path / "include/linux/pagemap.h").write_text("#include <linux/mm.h>\n")
    (tmp_path / "fs").mkdir()
    (tmp_path / "fs/a.c").write_text("#include <linux/pagemap.h>\n")
    (tmp_path / "fs/b.c").write_text("#include <stdio.h>\n#include <linux/pagemap.h_other>\n")
    (tmp_path / "fs/c.c").write_text("#include <stdio.h>\n")
    (tmp_path / "fs/d.c").write_text("#include <linux/fs.h>\n")
    includes = Includes(DirTree(tmp_path))
    headers = {"include/linux/mm.h"}
    assert includes.sees("fs/a.c", headers) is True
    assert includes.sees("fs/c.c", headers) is False  # a system header settles nothing
    assert includes.sees("fs/d.c", headers) is None  # linux/fs.h is missing from a tree that has linux/


def test_of_two_global_definitions_the_one_beside_the_caller_is_linked_with_it():
    from reviewbot.c.resolve import Resolution, candidates

    one = Signature("setup_dev", [Param("struct device *", "dev")], "int")
    two = Signature("setup_dev", [Param("struct device *", "dev"), Param("int", "flags")], "int")
    res = Resolution("setup_dev", [Target("drivers/net/a/main.c", 10, sig=one),
                                   Target("drivers/net/b/main.c", 20, sig=two)])
    assert [t.file for t in candidates(res, "drivers/net/a/probe.c")] == ["drivers/net/a/main.c"]
    assert len(candidates(res, "drivers/net/c/probe.c")) == 2  # neither is beside it: both stay
