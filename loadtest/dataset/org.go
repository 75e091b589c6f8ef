package dataset

import (
	"iter"
	"math/rand/v2"
)

// OrgSchema is the schema of the org model: organizations, nested teams and repositories, in the
// manner of a code forge.
const OrgSchema = `definition user {}

definition organization {
  relation owner: user
  relation member: user
  permission admin = owner
}

definition team {
  relation parent: team
  relation maintainer: user
  relation member: user | team#member
  permission manage = maintainer + parent->manage
}

definition repository {
  relation organization: organization
  relation admin: user | team#member
  relation maintainer: user | team#member
  relation writer: user | team#member
  relation reader: user | team#member | organization#member
  permission administer = admin + organization->admin
  permission maintain = maintainer + administer
  permission write = writer + maintain
  permission read = reader + write
}
`

// Org is the org model, of about Tuples tuples: organizations with owners and members; teams in
// chains four deep inside an organization, where a team's members are members of its parent
// team (as on a code forge) and its parent's maintainers manage it; and repositories that grant
// roles to teams and users of their organization, a fifth of them readable by the whole
// organization.
type Org struct {
	Tuples int
	Seed   uint64
}

var _ Model = Org{}

// The parts' sizes, chosen so that the whole comes to about o.Tuples tuples: a user makes 2.5
// tuples, a team 2.5, a repository 3.7.
func (o Org) orgs() int         { return max(o.Tuples/5000, 2) }
func (o Org) teams() int        { return max(o.Tuples/100, 4*o.orgs()) / (4 * o.orgs()) * 4 * o.orgs() }
func (o Org) users() int        { return max(o.Tuples/10, 2*o.orgs()) / o.orgs() * o.orgs() }
func (o Org) repositories() int { return max(o.Tuples*10/51, o.orgs()) }

// Schema returns [OrgSchema].
func (Org) Schema() string { return OrgSchema }

// Manifest says that workloads check repository#read for users.
func (o Org) Manifest() Manifest {
	return Manifest{
		Model:         "org",
		Seed:          o.Seed,
		Resource:      Objects{Type: "repository", Prefix: "r", Count: o.repositories()},
		Permission:    "read",
		Subject:       Objects{Type: "user", Prefix: "u", Count: o.users()},
		WriteRelation: "reader",
	}
}

// Generate yields the tuples: organizations, teams, users, then repositories. Object i of users,
// repositories and team chains (four teams 4c … 4c+3) belongs to organization i mod orgs.
func (o Org) Generate() iter.Seq[string] {
	return func(yield func(string) bool) {
		rng := rand.New(rand.NewPCG(o.Seed, 0x0e9))
		e := emitter{yield: yield}
		orgs, teams, users, repos := o.orgs(), o.teams(), o.users(), o.repositories()
		chainsPerOrg := teams / 4 / orgs
		usersPerOrg := users / orgs
		// team returns the team in slot s of organization g: its chain s/4, at level s%4.
		team := func(g, s int) int { return (g+orgs*(s/4))*4 + s%4 }
		// user returns the i-th user of organization g.
		user := func(g, i int) int { return g + orgs*i }

		for g := range orgs {
			for _, i := range distinctN(rng, 1+rng.IntN(2), usersPerOrg) {
				e.emit("organization:o%d#owner@user:u%d", g, user(g, i))
			}
		}
		for t := range teams {
			if t%4 > 0 {
				e.emit("team:t%d#parent@team:t%d", t, t-1)
				e.emit("team:t%d#member@team:t%d#member", t-1, t)
			}
			e.emit("team:t%d#maintainer@user:u%d", t, user((t/4)%orgs, rng.IntN(usersPerOrg)))
		}
		if e.stopped {
			return
		}
		for u := range users {
			g := u % orgs
			e.emit("organization:o%d#member@user:u%d", g, u)
			for _, s := range distinctN(rng, 1+rng.IntN(2), chainsPerOrg*4) {
				e.emit("team:t%d#member@user:u%d", team(g, s), u)
			}
			if e.stopped {
				return
			}
		}
		roles := []string{"reader", "reader", "writer", "writer", "maintainer", "admin"}
		for r := range repos {
			g := r % orgs
			e.emit("repository:r%d#organization@organization:o%d", r, g)
			for _, s := range distinctN(rng, 1+rng.IntN(2), chainsPerOrg*4) {
				e.emit("repository:r%d#%s@team:t%d#member", r, roles[rng.IntN(len(roles))], team(g, s))
			}
			for _, i := range distinctN(rng, rng.IntN(3), usersPerOrg) {
				e.emit("repository:r%d#%s@user:u%d", r, roles[rng.IntN(len(roles))], user(g, i))
			}
			if rng.IntN(5) == 0 {
				e.emit("repository:r%d#reader@organization:o%d#member", r, g)
			}
			if e.stopped {
				return
			}
		}
	}
}
