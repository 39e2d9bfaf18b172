; Direct calls "f(args)". Calls through pointers ("ops->fault(vmf)") name no function the tree
; defines under that name: they are not captured (their targets are found as ops-table values).
(call_expression
  function: (identifier) @callee
  arguments: (argument_list) @args) @call
