// Package dataset generates ward's benchmark datasets: a schema and tuples in the CLI's
// `type:id#relation@subject` form, deterministic for a seed, so that any tool can load them and the
// same seed always gives the same bytes.
package dataset

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
)

// DocsSchema is the schema of the docs model: DESIGN.md's example.
const DocsSchema = `definition user {}

definition group {
  relation member: user | group#member
}

definition folder {
  relation parent: folder
  relation viewer: user | group#member
  permission view = viewer + parent->view
}

definition document {
  relation parent: folder
  relation owner: user
  relation editor: user | group#member
  relation viewer: user | user:* | group#member
  relation banned: user
  permission edit = owner + editor
  permission view = (viewer + edit + parent->view) - banned
}
`

// Docs describes a docs-model dataset of about Tuples tuples: users in groups nested four deep,
// folders nested three deep, and documents with owners, editors, viewers (some public) and banned
// users.
type Docs struct {
	Tuples int
	Seed   uint64
}

// Sizes of the docs model's parts, per tuple of the whole.
func (d Docs) users() int     { return max(d.Tuples/10, 10) }
func (d Docs) groups() int    { return max(d.Tuples/200, 8) }
func (d Docs) folders() int   { return max(d.Tuples/50, 6) }
func (d Docs) Documents() int { return max(d.Tuples/6, 4) }

// Users returns the number of users, user:u0 … user:u<n-1>.
func (d Docs) Users() int { return d.users() }

// Generate yields the dataset's tuples as text lines, in a fixed order.
func (d Docs) Generate() iter.Seq[string] {
	return func(yield func(string) bool) {
		rng := rand.New(rand.NewPCG(d.Seed, 0x5eed))
		emit := func(format string, args ...any) bool { return yield(fmt.Sprintf(format, args...)) }
		users, groups, folders, docs := d.users(), d.groups(), d.folders(), d.Documents()

		// Groups in four levels: level 0 holds users; a group of level k > 0 holds 1–3 groups of
		// level k-1.
		level := func(g int) int { return g % 4 }
		byLevel := make([][]int, 4)
		for g := range groups {
			byLevel[level(g)] = append(byLevel[level(g)], g)
		}
		for g := range groups {
			if k := level(g); k > 0 {
				for _, below := range distinct(rng, 1+rng.IntN(3), byLevel[k-1]) {
					if !emit("group:g%d#member@group:g%d#member", g, below) {
						return
					}
				}
			}
		}
		for u := range users {
			for _, g := range distinct(rng, 1+rng.IntN(2), byLevel[0]) {
				if !emit("group:g%d#member@user:u%d", g, u) {
					return
				}
			}
		}
		// Folders in three levels: a folder of level k > 0 has a parent of level k-1.
		for f := range folders {
			if k := f % 3; k > 0 {
				parent := (f/3)*3 + k - 1
				if !emit("folder:f%d#parent@folder:f%d", f, parent) {
					return
				}
			}
			if rng.IntN(2) == 0 {
				if !emit("folder:f%d#viewer@group:g%d#member", f, rng.IntN(groups)) {
					return
				}
			}
		}
		// Documents in leaf folders.
		for i := range docs {
			leaf := (rng.IntN(folders/3))*3 + 2
			if leaf >= folders {
				leaf = folders - 1
			}
			lines := []string{
				fmt.Sprintf("document:d%d#parent@folder:f%d", i, leaf),
				fmt.Sprintf("document:d%d#owner@user:u%d", i, rng.IntN(users)),
			}
			if rng.IntN(2) == 0 {
				lines = append(lines, fmt.Sprintf("document:d%d#editor@group:g%d#member", i, rng.IntN(groups)))
			} else {
				lines = append(lines, fmt.Sprintf("document:d%d#editor@user:u%d", i, rng.IntN(users)))
			}
			for _, u := range distinctN(rng, rng.IntN(3), users) {
				lines = append(lines, fmt.Sprintf("document:d%d#viewer@user:u%d", i, u))
			}
			if rng.IntN(3) == 0 {
				lines = append(lines, fmt.Sprintf("document:d%d#viewer@group:g%d#member", i, rng.IntN(groups)))
			}
			if rng.IntN(20) == 0 {
				lines = append(lines, fmt.Sprintf("document:d%d#viewer@user:*", i))
			}
			if rng.IntN(50) == 0 {
				lines = append(lines, fmt.Sprintf("document:d%d#banned@user:u%d", i, rng.IntN(users)))
			}
			for _, l := range lines {
				if !yield(l) {
					return
				}
			}
		}
	}
}

// distinct picks up to n different elements of from.
func distinct(rng *rand.Rand, n int, from []int) []int {
	picked := distinctN(rng, min(n, len(from)), len(from))
	for i, p := range picked {
		picked[i] = from[p]
	}
	return picked
}

// distinctN picks n different integers in [0, limit).
func distinctN(rng *rand.Rand, n, limit int) []int {
	var out []int
	for len(out) < min(n, limit) {
		x := rng.IntN(limit)
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
