// Package dataset generates ward's benchmark datasets and loads them into a server. A dataset is a
// directory with a schema (schema.zed), tuples in the CLI's `type:id#relation@subject` form, one a
// line (tuples.txt), and a manifest (dataset.json) that tells workloads which objects to draw
// from. Generation is deterministic: the same model, size and seed always give the same bytes.
// Generators stream their tuples, so a dataset of ten million tuples is never held in memory.
package dataset

import (
	"bufio"
	"encoding/json"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strconv"
)

// File names inside a dataset directory.
const (
	SchemaFile   = "schema.zed"
	TuplesFile   = "tuples.txt"
	ManifestFile = "dataset.json"
)

// Sizes maps a size name to the approximate number of tuples it generates.
var Sizes = map[string]int{
	"small":  10_000,
	"medium": 1_000_000,
	"large":  10_000_000,
}

// Models lists the model names [New] accepts.
var Models = []string{"docs", "org"}

// A Model is a dataset generator: a schema, a stream of tuples, and a manifest that describes them.
type Model interface {
	// Schema returns the schema the tuples are written against.
	Schema() string
	// Generate yields the tuples as text lines, in a fixed order, each exactly once.
	Generate() iter.Seq[string]
	// Manifest describes the dataset for the workloads.
	Manifest() Manifest
}

// New returns the generator of a model ("docs" or "org") of about tuples tuples.
func New(model string, tuples int, seed uint64) (Model, error) {
	switch model {
	case "docs":
		return Docs{Tuples: tuples, Seed: seed}, nil
	case "org":
		return Org{Tuples: tuples, Seed: seed}, nil
	}
	return nil, fmt.Errorf("unknown model %q (want docs or org)", model)
}

// Manifest describes a dataset: where it came from, and the question that the workloads ask of it,
// "has Subject the Permission on Resource", with the objects they may draw from.
type Manifest struct {
	Model  string `json:"model"`
	Seed   uint64 `json:"seed"`
	Tuples int    `json:"tuples"` // filled in by [Write]
	// Resource is what checks and LookupSubjects ask about; the first IDs are the most popular.
	Resource Objects `json:"resource"`
	// Permission is the permission checked on Resource.
	Permission string `json:"permission"`
	// Subject is who checks and LookupResources ask for.
	Subject Objects `json:"subject"`
	// WriteRelation is a relation of Resource that takes a Subject: what write workloads write.
	WriteRelation string `json:"write_relation"`
}

// Objects names Count objects of one type: Type:Prefix0 … Type:Prefix<Count-1>.
type Objects struct {
	Type   string `json:"type"`
	Prefix string `json:"prefix"`
	Count  int    `json:"count"`
}

// ID returns the ID of the i-th object.
func (o Objects) ID(i int) string { return o.Prefix + strconv.Itoa(i) }

// Write generates m into dir, creating it if needed, and returns the manifest it wrote. The tuples
// are streamed to disk.
func Write(dir string, m Model) (Manifest, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Manifest{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, SchemaFile), []byte(m.Schema()), 0o644); err != nil {
		return Manifest{}, err
	}
	f, err := os.Create(filepath.Join(dir, TuplesFile))
	if err != nil {
		return Manifest{}, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n := 0
	for line := range m.Generate() {
		w.WriteString(line)
		w.WriteByte('\n')
		n++
	}
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("writing %s: %w", TuplesFile, err)
	}
	man := m.Manifest()
	man.Tuples = n
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return Manifest{}, err
	}
	return man, os.WriteFile(filepath.Join(dir, ManifestFile), append(b, '\n'), 0o644)
}

// ReadManifest reads the manifest of the dataset in dir.
func ReadManifest(dir string) (Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return Manifest{}, fmt.Errorf("not a dataset directory (generate one with `ward load dataset generate`): %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return Manifest{}, fmt.Errorf("%s: %w", ManifestFile, err)
	}
	if m.Resource.Count <= 0 || m.Subject.Count <= 0 || m.Permission == "" {
		return Manifest{}, fmt.Errorf("%s: resource, subject and permission are required", ManifestFile)
	}
	return m, nil
}
