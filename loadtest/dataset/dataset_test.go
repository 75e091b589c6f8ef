package dataset_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/wardhq/ward/loadtest/dataset"
)

func TestWriteIsDeterministic(t *testing.T) {
	for _, model := range dataset.Models {
		t.Run(model, func(t *testing.T) {
			gen := func(seed uint64) (schema, tuples []byte) {
				m, err := dataset.New(model, dataset.Sizes["small"], seed)
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				if _, err := dataset.Write(dir, m); err != nil {
					t.Fatal(err)
				}
				return read(t, dir, dataset.SchemaFile), read(t, dir, dataset.TuplesFile)
			}
			s1, t1 := gen(1)
			s2, t2 := gen(1)
			_, t3 := gen(2)
			if !bytes.Equal(s1, s2) || !bytes.Equal(t1, t2) {
				t.Error("seed 1 twice gave different bytes")
			}
			if bytes.Equal(t1, t3) {
				t.Error("seeds 1 and 2 gave the same tuples")
			}
		})
	}
}

func TestGenerate(t *testing.T) {
	for _, model := range dataset.Models {
		for _, size := range []int{dataset.Sizes["small"], 200_000} {
			m, err := dataset.New(model, size, 7)
			if err != nil {
				t.Fatal(err)
			}
			seen := make(map[string]bool)
			for line := range m.Generate() {
				if seen[line] {
					t.Fatalf("%s %d: duplicate tuple %s", model, size, line)
				}
				seen[line] = true
				if _, err := dataset.ParseTuple(line); err != nil {
					t.Fatalf("%s %d: %v", model, size, err)
				}
			}
			if n := len(seen); n < size*8/10 || n > size*12/10 {
				t.Errorf("%s of size %d has %d tuples, want within 20%%", model, size, n)
			}
			man := m.Manifest()
			if man.Model != model || man.Resource.Count < 2 || man.Subject.Count < 2 {
				t.Errorf("%s: manifest %+v names too few objects", model, man)
			}
		}
	}
}

func TestGenerateStopsEarly(t *testing.T) {
	for _, model := range dataset.Models {
		m, _ := dataset.New(model, dataset.Sizes["small"], 1)
		n := 0
		for range m.Generate() {
			if n++; n == 10 {
				break
			}
		}
		if n != 10 {
			t.Errorf("%s: got %d lines before break", model, n)
		}
	}
}

func TestReadManifest(t *testing.T) {
	dir := t.TempDir()
	want, err := dataset.Write(dir, dataset.Docs{Tuples: 1000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	got, err := dataset.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got != want || got.Tuples == 0 {
		t.Errorf("ReadManifest = %+v, want %+v", got, want)
	}
	if _, err := dataset.ReadManifest(t.TempDir()); err == nil {
		t.Error("ReadManifest of an empty directory succeeded")
	}
}

func TestParseTuple(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want is the subject's type:id#relation, or "" for an error
	}{
		{"document:d1#viewer@user:u2", "user:u2#"},
		{"document:d1#viewer@user:*", "user:*#"},
		{"group:g1#member@group:g2#member", "group:g2#member"},
		{"document:d1#viewer", ""},
		{"document#viewer@user:u", ""},
		{"document:d1#@user:u", ""},
	} {
		r, err := dataset.ParseTuple(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParseTuple(%q) succeeded, want an error", tc.in)
			}
			continue
		}
		s := r.GetSubject()
		if got := s.GetType() + ":" + s.GetId() + "#" + s.GetRelation(); err != nil || got != tc.want {
			t.Errorf("ParseTuple(%q) = subject %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func read(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
