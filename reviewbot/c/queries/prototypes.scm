; Declarations that declare a function: "int f(int);" "extern void *g(struct x *);"
(declaration
  declarator: [(function_declarator) (pointer_declarator)] @declarator) @declaration
