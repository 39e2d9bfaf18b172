; platform_get_resource(pdev, IORESOURCE_MEM, n) into a local, then devm_ioremap_resource(dev, that local)
; in the same block: the pair devm_platform_ioremap_resource(pdev, n) does in one call
; (scripts/coccinelle/api/devm_platform_ioremap_resource.cocci).
(compound_statement
  (expression_statement
    (assignment_expression
      left: (identifier) @res
      right: (call_expression
        function: (identifier) @get
        arguments: (argument_list (_) (identifier) @kind (_)))))
  (expression_statement
    (assignment_expression
      right: (call_expression
        function: (identifier) @finding
        arguments: (argument_list (_) (identifier) @res_again))))
  (#eq? @get "platform_get_resource")
  (#eq? @kind "IORESOURCE_MEM")
  (#eq? @finding "devm_ioremap_resource")
  (#eq? @res @res_again))
