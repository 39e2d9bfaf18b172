; A name used as a value rather than called: passed as an argument ("mpage_readahead(rac,
; ext2_get_block)", "&fn" too), assigned or initialised ("get = ext2_get_block;"), returned, or
; chosen by "?:". Member stores (".fault = f", "ops->fault = f") are ops.scm's.
(argument_list (identifier) @arg)
(argument_list (pointer_expression argument: (identifier) @arg))
(assignment_expression left: (identifier) right: (identifier) @assigned)
(init_declarator value: (identifier) @assigned)
(return_statement (identifier) @returned)
(conditional_expression consequence: (identifier) @assigned)
(conditional_expression alternative: (identifier) @assigned)
