; Functions stored as values in ops tables: ".fault = dax_fault," and "ops->fault = dax_fault;"
(initializer_pair
  designator: (field_designator (field_identifier) @field)
  value: (identifier) @value) @pair

(assignment_expression
  left: (field_expression field: (field_identifier) @field)
  right: (identifier) @value) @assignment
