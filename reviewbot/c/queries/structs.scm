; struct definitions with a body, and their fields.
(struct_specifier
  name: (type_identifier) @name
  body: (field_declaration_list) @fields) @struct
