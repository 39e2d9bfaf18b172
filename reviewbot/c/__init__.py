"""C engine: tree-sitter extraction of kernel C, in-memory application of series, call-site checks."""
