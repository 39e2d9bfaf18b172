; Direct calls "f(args)"; calls through pointers ("ops->fault(vmf)") are captured as @indirect.
(call_expression
  function: (identifier) @callee
  arguments: (argument_list) @args) @call

(call_expression
  function: (field_expression) @indirect
  arguments: (argument_list) @args) @indirect_call
