"""Review a whole archive or history: every series of a mail archive or every topic merge of a git
range, one after another in-process or as Dask tasks, results streamed to DIR/results.jsonl and
summed up in an aggregate report.

sources.py   what to review: SRC -> ArchiveItem (one per series), each with its resume key
task.py      what one worker does with one item, given the injected ReviewContext
store.py     DIR/results.jsonl: append-only, one line per series, the done keys for a rerun
runner.py    sequential loop or Dask (LocalCluster or an existing scheduler), progress
aggregate.py counts per rule / list / month / MAINTAINERS subsystem from results.jsonl
"""
