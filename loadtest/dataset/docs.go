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

// Docs is the docs model, of about Tuples tuples: users in groups nested four deep, folders nested
// four deep, and documents in the deepest folders with an owner, an editor (a user or a group),
// viewers (users, a group, or every user for about one document in twenty) and, for about one in
// fifty, a banned user.
type Docs struct {
	Tuples int
	Seed   uint64
}

var _ Model = Docs{}

// The parts' sizes, chosen so that the whole comes to about d.Tuples tuples: a user makes 1.5
// tuples, a folder 1.25, a document 4.4.
func (d Docs) groups() int  { return max(d.Tuples/200, 8) }
func (d Docs) folders() int { return max(d.Tuples/50, 8) }

// Users returns the number of users, user:u0 … user:u<n-1>.
func (d Docs) Users() int { return max(d.Tuples/10, 10) }

// Documents returns the number of documents, document:d0 … document:d<n-1>.
func (d Docs) Documents() int { return max(d.Tuples*10/54, 4) }

// Schema returns [DocsSchema].
func (Docs) Schema() string { return DocsSchema }

// Manifest says that workloads check document#view for users.
func (d Docs) Manifest() Manifest {
	return Manifest{
		Model:         "docs",
		Seed:          d.Seed,
		Resource:      Objects{Type: "document", Prefix: "d", Count: d.Documents()},
		Permission:    "view",
		Subject:       Objects{Type: "user", Prefix: "u", Count: d.Users()},
		WriteRelation: "viewer",
	}
}

// Generate yields the tuples: groups, users, folders, then documents.
func (d Docs) Generate() iter.Seq[string] {
	return func(yield func(string) bool) {
		rng := rand.New(rand.NewPCG(d.Seed, 0x5eed))
		e := emitter{yield: yield}
		users, groups, folders, docs := d.Users(), d.groups(), d.folders(), d.Documents()

		// Groups in four levels: a group of level 0 holds users; one of level k > 0 holds 1–3
		// groups of level k-1.
		byLevel := make([][]int, 4)
		for g := range groups {
			byLevel[g%4] = append(byLevel[g%4], g)
		}
		for g := range groups {
			if k := g % 4; k > 0 {
				for _, below := range distinct(rng, 1+rng.IntN(3), byLevel[k-1]) {
					e.emit("group:g%d#member@group:g%d#member", g, below)
				}
			}
		}
		if e.stopped {
			return
		}
		for u := range users {
			for _, g := range distinct(rng, 1+rng.IntN(2), byLevel[0]) {
				e.emit("group:g%d#member@user:u%d", g, u)
			}
			if e.stopped {
				return
			}
		}
		// Folders in four levels: a folder of level k > 0 has a parent of level k-1; half of
		// them have a group of viewers.
		for f := range folders {
			if k := f % 4; k > 0 {
				e.emit("folder:f%d#parent@folder:f%d", f, f-1)
			}
			if rng.IntN(2) == 0 {
				e.emit("folder:f%d#viewer@group:g%d#member", f, rng.IntN(groups))
			}
		}
		// Documents in folders of level 3.
		for i := range docs {
			e.emit("document:d%d#parent@folder:f%d", i, rng.IntN(folders/4)*4+3)
			e.emit("document:d%d#owner@user:u%d", i, rng.IntN(users))
			if rng.IntN(2) == 0 {
				e.emit("document:d%d#editor@group:g%d#member", i, rng.IntN(groups))
			} else {
				e.emit("document:d%d#editor@user:u%d", i, rng.IntN(users))
			}
			for _, u := range distinctN(rng, rng.IntN(3), users) {
				e.emit("document:d%d#viewer@user:u%d", i, u)
			}
			if rng.IntN(3) == 0 {
				e.emit("document:d%d#viewer@group:g%d#member", i, rng.IntN(groups))
			}
			if rng.IntN(20) == 0 {
				e.emit("document:d%d#viewer@user:*", i)
			}
			if rng.IntN(50) == 0 {
				e.emit("document:d%d#banned@user:u%d", i, rng.IntN(users))
			}
			if e.stopped {
				return
			}
		}
	}
}

// emitter formats lines for a yield function and remembers when the consumer stopped: after
// that, emit does nothing, and generators return at their next check of stopped.
type emitter struct {
	yield   func(string) bool
	stopped bool
}

func (e *emitter) emit(format string, args ...any) {
	if !e.stopped && !e.yield(fmt.Sprintf(format, args...)) {
		e.stopped = true
	}
}

// distinct picks up to n different elements of from.
func distinct(rng *rand.Rand, n int, from []int) []int {
	picked := distinctN(rng, n, len(from))
	for i, p := range picked {
		picked[i] = from[p]
	}
	return picked
}

// distinctN picks min(n, limit) different integers in [0, limit).
func distinctN(rng *rand.Rand, n, limit int) []int {
	var out []int
	for len(out) < min(n, limit) {
		if x := rng.IntN(limit); !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
