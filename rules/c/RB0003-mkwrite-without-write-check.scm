; A call that makes a writable page-table entry (or inserts one) on behalf of a fault.
(call_expression
  function: (identifier) @callee
  (#match? @callee "^(pte_mkwrite|pmd_mkwrite|maybe_mkwrite|vmf_insert_mixed_mkwrite|vmf_insert_pfn_pmd|vmf_insert_pfn_pud)$")) @finding
