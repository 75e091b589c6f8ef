package store

import (
	"strings"
	"unicode/utf8"

	"github.com/wardhq/ward/fault"
)

// Limits on the parts of a tuple. They bound index sizes and keep requests cheap to validate.
const (
	MaxTypeLength     = 64
	MaxRelationLength = 64
	MaxIDLength       = 1024
)

// Wildcard is the subject ID that stands for every subject of a type (`user:*`).
const Wildcard = "*"

// ObjectRef names one object: `document:readme`.
type ObjectRef struct {
	Type string
	ID   string
}

func (o ObjectRef) String() string { return o.Type + ":" + o.ID }

// Subject is the subject of a tuple: an object (`user:alice`), a wildcard (`user:*`), or a subject set
// (`group:eng#member`, all subjects that have Relation on the object).
type Subject struct {
	Type     string
	ID       string
	Relation string // empty for an object or a wildcard
}

// Object returns the object the subject names, dropping any relation.
func (s Subject) Object() ObjectRef { return ObjectRef{Type: s.Type, ID: s.ID} }

// IsWildcard reports whether s is `type:*`.
func (s Subject) IsWildcard() bool { return s.ID == Wildcard && s.Relation == "" }

func (s Subject) String() string {
	if s.Relation == "" {
		return s.Type + ":" + s.ID
	}
	return s.Type + ":" + s.ID + "#" + s.Relation
}

// Tuple is one relationship: Subject has Relation on Resource.
type Tuple struct {
	Resource ObjectRef
	Relation string
	Subject  Subject
}

// String formats t as `type:id#relation@subject`, the form ParseTuple reads.
func (t Tuple) String() string {
	return t.Resource.String() + "#" + t.Relation + "@" + t.Subject.String()
}

// ParseTuple parses `type:id#relation@subject`, where subject is `type:id`, `type:*` or
// `type:id#relation`. The error is InvalidArgument and names the part at fault.
func ParseTuple(s string) (Tuple, error) {
	resource, subject, ok := strings.Cut(s, "@")
	if !ok {
		return Tuple{}, fault.Invalid("tuple", "%q has no '@' between the resource and the subject", s)
	}
	object, relation, ok := strings.Cut(resource, "#")
	if !ok {
		return Tuple{}, fault.Invalid("tuple", "%q has no '#relation' after the resource", s)
	}
	obj, err := ParseObject(object)
	if err != nil {
		return Tuple{}, fault.InField("resource", err)
	}
	sub, err := ParseSubject(subject)
	if err != nil {
		return Tuple{}, fault.InField("subject", err)
	}
	t := Tuple{Resource: obj, Relation: relation, Subject: sub}
	if err := t.Validate(); err != nil {
		return Tuple{}, err
	}
	return t, nil
}

// ParseObject parses `type:id`.
func ParseObject(s string) (ObjectRef, error) {
	typ, id, ok := strings.Cut(s, ":")
	if !ok {
		return ObjectRef{}, fault.Invalid("", "%q is not of the form type:id", s)
	}
	o := ObjectRef{Type: typ, ID: id}
	if err := ValidateType(o.Type); err != nil {
		return ObjectRef{}, fault.InField("type", err)
	}
	if err := ValidateID(o.ID); err != nil {
		return ObjectRef{}, fault.InField("id", err)
	}
	return o, nil
}

// ParseSubject parses `type:id`, `type:*` or `type:id#relation`.
func ParseSubject(s string) (Subject, error) {
	object, relation, hasRelation := strings.Cut(s, "#")
	typ, id, ok := strings.Cut(object, ":")
	if !ok {
		return Subject{}, fault.Invalid("", "%q is not of the form type:id or type:id#relation", s)
	}
	sub := Subject{Type: typ, ID: id, Relation: relation}
	if hasRelation && relation == "" {
		return Subject{}, fault.Invalid("relation", "%q has an empty relation after '#'", s)
	}
	if err := sub.Validate(); err != nil {
		return Subject{}, err
	}
	return sub, nil
}

// Validate checks the syntax of every part of t; the schema checks the rest.
func (t Tuple) Validate() error {
	if err := ValidateType(t.Resource.Type); err != nil {
		return fault.InField("resource.type", err)
	}
	if err := ValidateID(t.Resource.ID); err != nil {
		return fault.InField("resource.id", err)
	}
	if t.Resource.ID == Wildcard {
		return fault.Invalid("resource.id", "a resource cannot be the wildcard '*'")
	}
	if err := ValidateRelation(t.Relation); err != nil {
		return fault.InField("relation", err)
	}
	return fault.InField("subject", t.Subject.Validate())
}

// Validate checks the syntax of a subject.
func (s Subject) Validate() error {
	if err := ValidateType(s.Type); err != nil {
		return fault.InField("type", err)
	}
	if err := ValidateID(s.ID); err != nil {
		return fault.InField("id", err)
	}
	if s.Relation == "" {
		return nil
	}
	if s.ID == Wildcard {
		return fault.Invalid("relation", "a wildcard subject cannot have a relation")
	}
	return fault.InField("relation", ValidateRelation(s.Relation))
}

// ValidateType checks a type name: a lower-case identifier of at most MaxTypeLength bytes.
func ValidateType(s string) error { return validateIdentifier(s, MaxTypeLength, "type") }

// ValidateRelation checks a relation or permission name.
func ValidateRelation(s string) error { return validateIdentifier(s, MaxRelationLength, "relation") }

func validateIdentifier(s string, max int, what string) error {
	switch {
	case s == "":
		return fault.Invalid("", "%s is empty", what)
	case len(s) > max:
		return fault.Invalid("", "%s is %d bytes long; the limit is %d", what, len(s), max)
	case s[0] < 'a' || s[0] > 'z':
		return fault.Invalid("", "%s %q must start with a lower-case letter", what, truncate(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return fault.Invalid("", "%s %q may hold only a-z, 0-9 and '_'", what, truncate(s))
		}
	}
	return nil
}

// ValidateID checks an object ID: 1 to MaxIDLength bytes of A-Z a-z 0-9 and / _ | - = + . :, or the
// wildcard '*'. Anything else, invalid UTF-8 included, is refused.
func ValidateID(s string) error {
	switch {
	case s == "":
		return fault.Invalid("", "id is empty")
	case len(s) > MaxIDLength:
		return fault.Invalid("", "id is %d bytes long; the limit is %d", len(s), MaxIDLength)
	case s == Wildcard:
		return nil
	}
	for i := 0; i < len(s); i++ {
		if !idByte[s[i]] {
			// The character, not its first byte: é, not 'Ã'.
			r, _ := utf8.DecodeRuneInString(s[i:])
			return fault.Invalid("", "id %q holds %q at byte %d; ids may hold only A-Z a-z 0-9 / _ | - = + . :",
				truncate(s), r, i)
		}
	}
	return nil
}

var idByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "/_|-=+.:" {
		t[c] = true
	}
	return t
}()

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
