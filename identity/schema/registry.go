package schema

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wardhq/ward/fault"
)

// DefaultSchemaID is the default of identity.default_schema_id, as in Kratos, and the ID of the
// built-in schema.
const DefaultSchemaID = "default"

// builtinSchema is used when no schema is configured: an email address that is the password
// identifier, the verification address and the recovery address, and an optional first and last
// name, like Kratos's email preset.
//
//go:embed default.schema.json
var builtinSchema []byte

// Source is one entry of identity.schemas: an ID and where the schema is.
type Source struct {
	// ID names the schema; identities record it. Required, unique.
	ID string
	// URL is file://PATH, base64://DATA (standard or URL alphabet) or the schema's JSON text.
	// http:// and https:// are refused: ward loads nothing over the network.
	URL string
}

// Config is Kratos's identity section: identity.schemas and identity.default_schema_id.
type Config struct {
	// DefaultSchemaID is the schema of identities that name none, and of self-service
	// registration; default DefaultSchemaID. It must be the ID of one of Schemas.
	DefaultSchemaID string
	// Schemas are the identity schemas, in the order GET /schemas lists them. When empty, the
	// built-in schema is used under the ID DefaultSchemaID (or "default").
	Schemas []Source
}

// Document is a schema's ID and its raw JSON, as GET /schemas lists it.
type Document struct {
	ID     string          `json:"id"`
	Schema json.RawMessage `json:"schema"`
}

// Registry holds the compiled identity schemas. It is immutable and safe for concurrent use.
type Registry struct {
	defaultID string
	ordered   []*compiled
	byID      map[string]*compiled
	formats   formatCheckers
}

// compiled is one loaded schema.
type compiled struct {
	id     string
	raw    []byte
	schema *jsonschema.Schema
	plan   *plan // nil when no extension keyword applies to any trait
	fields []Field
	label  string
}

// NewRegistry reads and compiles every schema of cfg. The error is InvalidArgument, naming the
// config key at fault (identity.schemas[i] or identity.default_schema_id), the schema ID and what
// is wrong.
func NewRegistry(cfg Config) (*Registry, error) {
	defaultID := cfg.DefaultSchemaID
	if defaultID == "" {
		defaultID = DefaultSchemaID
	}
	sources := cfg.Schemas
	builtin := len(sources) == 0
	if builtin {
		sources = []Source{{ID: defaultID}}
	}
	r := &Registry{defaultID: defaultID, byID: make(map[string]*compiled, len(sources))}
	formats, err := newFormatCheckers()
	if err != nil {
		return nil, fault.Bugf("compile the format checkers: %v", err)
	}
	r.formats = formats

	for i, src := range sources {
		field := fmt.Sprintf("identity.schemas[%d]", i)
		if src.ID == "" {
			return nil, fault.Invalid(field+".id", "a schema needs an id")
		}
		if _, dup := r.byID[src.ID]; dup {
			return nil, fault.Invalid(field+".id", "schema id %q is used twice", src.ID)
		}
		data := builtinSchema
		if !builtin {
			if data, err = readSource(src.URL); err != nil {
				return nil, fault.Invalid(field+".url", "schema %q: %v", src.ID, err)
			}
		}
		c, err := compileSchema(src.ID, i, data, formats)
		if err != nil {
			return nil, fault.Invalid(field, "schema %q: %v", src.ID, err)
		}
		r.ordered = append(r.ordered, c)
		r.byID[src.ID] = c
	}
	if _, ok := r.byID[defaultID]; !ok {
		ids := make([]string, len(r.ordered))
		for i, c := range r.ordered {
			ids[i] = c.id
		}
		return nil, fault.Invalid("identity.default_schema_id",
			"default schema %q is not among identity.schemas (%s)", defaultID, quoteList(ids))
	}
	return r, nil
}

// DefaultID returns the ID of the default schema.
func (r *Registry) DefaultID() string { return r.defaultID }

// List returns every schema in config order, for GET /schemas (Kratos answers a JSON array of
// {"id", "schema"} objects).
func (r *Registry) List() []Document {
	out := make([]Document, len(r.ordered))
	for i, c := range r.ordered {
		out[i] = Document{ID: c.id, Schema: bytes.Clone(c.raw)}
	}
	return out
}

// Get returns one schema for GET /schemas/{id}. As in Kratos v1.3.1, id is the schema ID or,
// when no schema has that ID, its unpadded base64url encoding (see [EncodeID]). The error is
// NotFound.
func (r *Registry) Get(id string) (Document, error) {
	c, ok := r.byID[id]
	if !ok {
		if dec, err := base64.RawURLEncoding.DecodeString(id); err == nil {
			c, ok = r.byID[string(dec)]
		}
	}
	if !ok {
		return Document{}, fault.New(fault.NotFound, "Identity schema `%s` could not be found.", id)
	}
	return Document{ID: c.id, Schema: bytes.Clone(c.raw)}, nil
}

// EncodeID returns the path segment Kratos puts in an identity's schema_url for schema id: its
// unpadded base64url encoding ("default" is "ZGVmYXVsdA").
func EncodeID(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// Fields returns the traits of schema id as form fields, in the order the schema lists them
// ("" is the default schema). The error is InvalidArgument for an unknown schema.
func (r *Registry) Fields(schemaID string) ([]Field, error) {
	c, err := r.lookup(schemaID)
	if err != nil {
		return nil, err
	}
	return slices.Clone(c.fields), nil
}

// IdentifierLabel returns the label Kratos gives the login form's identifier field: the title of
// the one trait that is an identifier (password, webauthn, code, TOTP account name or passkey
// display name), or "" when there is not exactly one such titled trait (Kratos then shows "ID").
func (r *Registry) IdentifierLabel(schemaID string) (string, error) {
	c, err := r.lookup(schemaID)
	if err != nil {
		return "", err
	}
	return c.label, nil
}

// lookup finds schema id; "" is the default schema.
func (r *Registry) lookup(id string) (*compiled, error) {
	if id == "" {
		id = r.defaultID
	}
	c, ok := r.byID[id]
	if !ok {
		return nil, fault.Invalid("schema_id", "unknown identity schema %q", id)
	}
	return c, nil
}

// compileSchema checks one schema document the way Kratos's identity meta-schema does, compiles
// it, and derives the extension plan and the form fields.
func compileSchema(id string, index int, data []byte, formats formatCheckers) (*compiled, error) {
	if len(data) > MaxSchemaBytes {
		return nil, fmt.Errorf("the document is larger than %d bytes", MaxSchemaBytes)
	}
	root, err := parseDocument(data)
	if err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	traits, err := traitsSchema(root)
	if err != nil {
		return nil, err
	}
	exts, err := findExtensions(root)
	if err != nil {
		return nil, fmt.Errorf("bad %s extension: %w", ExtensionName, err)
	}
	sch, err := compileValidator(fmt.Sprintf("ward-identity-schema:///%d.json", index), root.toAny(), formats)
	if err != nil {
		return nil, fmt.Errorf("not a valid JSON Schema: %w", err)
	}
	return &compiled{
		id:     id,
		raw:    data,
		schema: sch,
		plan:   buildPlan(root, traits, exts),
		fields: buildFields(root, traits),
		label:  identifierLabel(exts),
	}, nil
}

// traitsSchema returns properties.traits, which must be an object schema with properties, each
// of them a schema object (Kratos's meta-schema asks the same).
func traitsSchema(root *node) (*node, error) {
	if root.kind != kindObject {
		return nil, fmt.Errorf("the schema must be a JSON object")
	}
	traits := root.get("properties").get("traits")
	if traits == nil {
		return nil, fmt.Errorf("the schema has no properties.traits: identity traits are described under /properties/traits")
	}
	if traits.kind != kindObject {
		return nil, fmt.Errorf("/properties/traits must be a schema object")
	}
	if t := traits.get("type"); t != nil && !(t.kind == kindString && t.str == "object") {
		return nil, fmt.Errorf("/properties/traits must have type \"object\"")
	}
	props := traits.get("properties")
	if props == nil || props.kind != kindObject || len(props.members) == 0 {
		return nil, fmt.Errorf("/properties/traits/properties must list at least one trait")
	}
	for _, m := range props.members {
		if m.val.kind != kindObject {
			return nil, fmt.Errorf("/properties/traits/properties/%s must be a schema object", escapeToken(m.key))
		}
	}
	return traits, nil
}

func identifierLabel(exts map[*node]*extension) string {
	var titles []string
	for _, e := range exts {
		if e.namesIdentifier() && e.title != "" {
			titles = append(titles, e.title)
		}
	}
	if len(titles) != 1 {
		return ""
	}
	return titles[0]
}

// noLoader refuses every external document: a $ref must point into the schema itself.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s is outside the schema: ward loads no other documents, so put what it refers to "+
		"under $defs (or definitions) and refer to it as #/$defs/NAME", url)
}

func compileValidator(loc string, doc any, formats formatCheckers) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7) // what Kratos assumes when $schema is absent
	c.AssertFormat()                  // for "regex", the one format the vocabulary cannot take over
	c.UseLoader(noLoader{})
	disableStandardFormats(c)
	c.RegisterVocabulary(formats.vocabulary())
	c.AssertVocabs() // use the vocabulary in every draft, not only where a meta-schema asks for it
	if err := c.AddResource(loc, doc); err != nil {
		return nil, err
	}
	sch, err := c.Compile(loc)
	if err != nil {
		return nil, cleanCompileError(err, loc)
	}
	return sch, nil
}

// cleanCompileError drops the internal location of the document from the compiler's message.
func cleanCompileError(err error, loc string) error {
	msg := strings.ReplaceAll(err.Error(), loc+"#", "")
	msg = strings.ReplaceAll(msg, loc, "")
	return fmt.Errorf("%s", msg)
}
