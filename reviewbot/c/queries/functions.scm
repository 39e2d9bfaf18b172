; Function definitions, whatever the declarator nesting (pointer returns: "static void *f(...)").
(function_definition
  declarator: (_) @declarator
  body: (compound_statement) @body) @function
