// Package schema owns identity schemas in Ory Kratos's contract: loading the configured JSON
// Schemas (Kratos's identity.schemas and identity.default_schema_id), validating an identity's
// traits against them, reading the "ory.sh/kratos" extension that says which traits are login
// identifiers and which are verification and recovery addresses, describing the traits as form
// fields, and the raw documents that GET /schemas serves.
//
// A [Registry] is built once from a [Config] and is immutable, so it is safe for concurrent use.
// Schemas are JSON Schema draft-07 (the default, as in Kratos) or any later draft that names
// itself with $schema; "format" is asserted in every draft, as Kratos does. Documents come from
// file://, base64:// or inline JSON; nothing is fetched over the network, neither a schema nor a
// $ref (a ref must point into the same document).
//
// # Instance pointers
//
// Kratos validates the document {"traits": …} against the whole schema, so every pointer of a
// [Violation] starts with /traits (Kratos writes the same pointer with a leading "#", as in
// "#/traits/email"). [Violation.Field] gives the form name, "traits.email", the way Kratos turns
// the pointer into a node name.
//
// # Keywords and Kratos text IDs
//
// A [Violation] carries the keyword that failed and, in Params, exactly the values Kratos puts in
// the context of the message it shows (ui.nodes[].messages[]). The package stays neutral; the
// transport maps each keyword to Kratos's text ID (text/id.go in Kratos v1.3.1) as follows:
//
//	required             4000002 ErrorValidationRequired          property
//	minLength            4000003 ErrorValidationMinLength         min_length, actual_length
//	pattern              4000004 ErrorValidationInvalidFormat     pattern
//	maxLength            4000017 ErrorValidationMaxLength         max_length, actual_length
//	minimum              4000018 ErrorValidationMinimum           minimum, actual
//	exclusiveMinimum     4000019 ErrorValidationExclusiveMinimum  minimum, actual
//	maximum              4000020 ErrorValidationMaximum           maximum, actual
//	exclusiveMaximum     4000021 ErrorValidationExclusiveMaximum  maximum, actual
//	multipleOf           4000022 ErrorValidationMultipleOf        base, actual
//	maxItems             4000023 ErrorValidationMaxItems          max_items, actual_items
//	minItems             4000024 ErrorValidationMinItems          min_items, actual_items
//	uniqueItems          4000025 ErrorValidationUniqueItems       index_a, index_b
//	type                 4000026 ErrorValidationWrongType         allowed_types, actual_type
//	const (a scalar)     4000029 ErrorValidationConst             expected
//	const (object/array) 4000030 ErrorValidationConstGeneric      (no context; Params is empty)
//	every other keyword  4000001 ErrorValidationGeneric           reason
//
// "Every other keyword" includes format, enum, additionalProperties, minProperties,
// maxProperties, dependencies, dependentRequired, not, oneOf, contains, propertyNames, the false
// schema (keyword "false"), and the three this package adds for traits it cannot read:
// [KeywordSyntax], [KeywordMaxBytes] and [KeywordMaxDepth]. For all of them Params is
// {"reason": Message}, as Kratos's generic message has it. Messages are Kratos's English texts.
package schema
