"""How bench/history.py sorts real commits into its classes, read from the diff alone, on reduced
git.git commits: a function moved to another file (1a99fe8010), a compatibility macro (ec580eaaa3),
a plain re-sign with its callers updated, and a renamed file (whose update cannot be left out)."""
from __future__ import annotations

from bench.history import caller_files, diff_hints, drop_file

MOVE = """\
diff --git a/builtin/bugreport.c b/builtin/bugreport.c
--- a/builtin/bugreport.c
+++ b/builtin/bugreport.c
@@ -140,7 +140,7 @@ int cmd_bugreport(int argc,
-	switch (safe_create_leading_directories(report_path.buf)) {
+	switch (safe_create_leading_directories(the_repository, report_path.buf)) {
diff --git a/object-file.c b/object-file.c
--- a/object-file.c
+++ b/object-file.c
@@ -90,52 +90,6 @@ int mkdir_in_gitdir(const char *path)
-enum scld_error safe_create_leading_directories(char *path)
-{
-	return SCLD_OK;
-}
diff --git a/path.c b/path.c
--- a/path.c
+++ b/path.c
@@ -930,6 +930,52 @@ int adjust_shared_perm(struct repository *repo,
+enum scld_error safe_create_leading_directories(struct repository *repo,
+						char *path)
+{
+	return SCLD_OK;
+}
"""

COMPAT = """\
diff --git a/cache.h b/cache.h
--- a/cache.h
+++ b/cache.h
@@ -1380,7 +1380,8 @@ enum get_oid_result {
-extern int get_oid(const char *str, struct object_id *oid);
+int repo_get_oid(struct repository *r, const char *str, struct object_id *oid);
+#define get_oid(str, oid) repo_get_oid(the_repository, str, oid)
diff --git a/sha1-name.c b/sha1-name.c
--- a/sha1-name.c
+++ b/sha1-name.c
@@ -1573,10 +1573,10 @@ int strbuf_check_branch_ref(struct strbuf *sb, const char *name)
-int get_oid(const char *name, struct object_id *oid)
+int repo_get_oid(struct repository *r, const char *name, struct object_id *oid)
 {
"""

PLAIN = """\
diff --git a/upload-pack.c b/upload-pack.c
--- a/upload-pack.c
+++ b/upload-pack.c
@@ -700,7 +700,7 @@ static void deepen(struct upload_pack_data *data, int depth)
-		result = get_shallow_commits(&data->want_obj, depth,
+		result = get_shallow_commits(&data->want_obj, NULL, depth,
diff --git a/shallow.c b/shallow.c
--- a/shallow.c
+++ b/shallow.c
@@ -120,2 +120,3 @@ static void free_depth_in_slab(int **ptr)
-struct commit_list *get_shallow_commits(struct object_array *heads, int depth,
-		int shallow_flag, int not_shallow_flag)
+struct commit_list *get_shallow_commits(struct object_array *heads,
+					struct object_array *shallows, int depth,
+		int shallow_flag, int not_shallow_flag)
"""

RENAMED = """\
diff --git a/reftable/reader.c b/reftable/table.c
similarity index 95%
rename from reftable/reader.c
rename to reftable/table.c
--- a/reftable/reader.c
+++ b/reftable/table.c
@@ -20,7 +20,7 @@
-	block_reader_init(&br, &block, 0, r->block_size);
+	block_reader_init(&br, &block, 0, r->block_size, hash_size);
"""


def test_each_class_is_told_from_the_diff():
    assert diff_hints(MOVE) == {"move"}
    assert diff_hints(COMPAT) == {"compat"}
    assert diff_hints(PLAIN) == {"plain"}
    assert "move" in diff_hints(RENAMED)  # a C file renamed: its functions moved
    assert diff_hints(MOVE.split("diff --git a/path.c")[0]) == set()  # removed, not moved


def test_callers_whose_update_can_be_left_out():
    assert caller_files(MOVE, "safe_create_leading_directories", "object-file.c") == ["builtin/bugreport.c"]
    assert caller_files(PLAIN, "get_shallow_commits", "shallow.c") == ["upload-pack.c"]
    # a renamed file's section is not "a/X b/X": drop_file could not take its update out alone
    assert caller_files(RENAMED, "block_reader_init", "reftable/block.c") == []
    left = drop_file(MOVE, "builtin/bugreport.c")
    assert "bugreport" not in left and "path.c" in left and "object-file.c" in left
