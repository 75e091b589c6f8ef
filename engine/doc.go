// Package engine owns ward's relationship-based access control: validating writes against the
// schema, and answering Check, Expand, LookupResources and LookupSubjects at a snapshot chosen by the
// request's consistency requirement.
//
// Checks recurse through one small interface, [dispatcher]: every sub-problem — "does subject hold
// relation on object, at revision R" — goes back through it, so that caching (keyed by revision, so
// nothing is ever invalidated) and the sharing of identical in-flight sub-problems are wrappers
// around the evaluator, wired together in [New].
//
// # Meaning of cyclic data
//
// Relationship data may be cyclic (group A in B in A, folder a parent of b parent of a). A check that
// comes back to a sub-problem it is already evaluating, for the same subject, takes that path to
// contribute nothing: membership must be derivable in finitely many steps. This is the least fixed
// point of the schema's rules, and it is what a union of cyclic group memberships intuitively
// means. The schema compiler rejects an exclusion whose right-hand side recurses back into the
// permission being defined, so the answer never depends on the order of evaluation.
package engine
