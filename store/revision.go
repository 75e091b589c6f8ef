package store

import (
	"encoding/binary"
	"fmt"
	"log/slog"
)

// Revision identifies a snapshot of the store. Revisions are totally ordered, comparable with ==, and
// usable as map keys. The memory store counts commits in Major; PostgreSQL and CockroachDB encode a log
// position or an HLC timestamp (wall time in Major, logical counter in Minor).
type Revision struct {
	Major uint64
	Minor uint32
}

// Less reports whether r is older than o.
func (r Revision) Less(o Revision) bool {
	return r.Major < o.Major || r.Major == o.Major && r.Minor < o.Minor
}

// IsZero reports whether r is the zero revision, older than every commit.
func (r Revision) IsZero() bool { return r == Revision{} }

func (r Revision) String() string {
	if r.Minor == 0 {
		return fmt.Sprintf("%d", r.Major)
	}
	return fmt.Sprintf("%d.%d", r.Major, r.Minor)
}

// LogValue logs r as its String, "major[.minor]": a JSON number would lose CockroachDB's
// revisions (near 2^61) to float64 rounding in the readers of the logs.
func (r Revision) LogValue() slog.Value { return slog.StringValue(r.String()) }

// AppendBinary appends a compact encoding of r to b.
func (r Revision) AppendBinary(b []byte) ([]byte, error) {
	b = binary.AppendUvarint(b, r.Major)
	return binary.AppendUvarint(b, uint64(r.Minor)), nil
}

// DecodeRevision reads what AppendBinary wrote and returns the rest of b.
func DecodeRevision(b []byte) (Revision, []byte, error) {
	major, n := binary.Uvarint(b)
	if n <= 0 {
		return Revision{}, nil, fmt.Errorf("revision: bad major part")
	}
	b = b[n:]
	minor, n := binary.Uvarint(b)
	if n <= 0 || minor > 1<<32-1 {
		return Revision{}, nil, fmt.Errorf("revision: bad minor part")
	}
	return Revision{Major: major, Minor: uint32(minor)}, b[n:], nil
}
