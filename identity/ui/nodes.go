package ui

import (
	"encoding/json"
	"slices"
)

// Nodes are a form's nodes, in the order a UI renders them. Several nodes may share a name when they
// are in different groups: every method has its own "method" submit button.
type Nodes []*Node

// MarshalJSON encodes the nodes as a JSON array, [] when there are none; nil entries are left out.
func (ns Nodes) MarshalJSON() ([]byte, error) {
	out := make([]*Node, 0, len(ns))
	for _, n := range ns {
		if n != nil {
			out = append(out, n)
		}
	}
	return json.Marshal(out)
}

// Find returns the first node named id, or nil.
func (ns Nodes) Find(id string) *Node {
	for _, n := range ns {
		if n != nil && n.ID() == id {
			return n
		}
	}
	return nil
}

// FindInGroup returns the first node named id in group, or nil.
func (ns Nodes) FindInGroup(id string, group Group) *Node {
	for _, n := range ns {
		if n != nil && n.ID() == id && n.Group == group {
			return n
		}
	}
	return nil
}

// Append adds n at the end, even when a node of its name exists; methods add their submit buttons so.
func (ns *Nodes) Append(n *Node) { *ns = append(*ns, n) }

// Upsert replaces the first node named as n, whatever its group, or appends n when there is none.
// This is how Kratos sets a node, so that a method that sets "identifier" takes over the one another
// method set; use [Nodes.UpsertInGroup] for names every group has, such as "method".
func (ns *Nodes) Upsert(n *Node) {
	if i := slices.IndexFunc(*ns, func(o *Node) bool { return o != nil && o.ID() == n.ID() }); i >= 0 {
		(*ns)[i] = n
		return
	}
	ns.Append(n)
}

// UpsertInGroup replaces the first node named as n in n's group, or appends n when there is none.
func (ns *Nodes) UpsertInGroup(n *Node) {
	if i := slices.IndexFunc(*ns, func(o *Node) bool { return o != nil && o.ID() == n.ID() && o.Group == n.Group }); i >= 0 {
		(*ns)[i] = n
		return
	}
	ns.Append(n)
}

// Remove removes every node named one of ids, in any group.
func (ns *Nodes) Remove(ids ...string) {
	*ns = slices.DeleteFunc(*ns, func(n *Node) bool { return n == nil || slices.Contains(ids, n.ID()) })
}

// RemoveInGroup removes the nodes of group named one of ids.
func (ns *Nodes) RemoveInGroup(group Group, ids ...string) {
	*ns = slices.DeleteFunc(*ns, func(n *Node) bool {
		return n == nil || n.Group == group && slices.Contains(ids, n.ID())
	})
}

// RemoveGroup removes every node of group.
func (ns *Nodes) RemoveGroup(group Group) {
	*ns = slices.DeleteFunc(*ns, func(n *Node) bool { return n == nil || n.Group == group })
}

// SetValue sets the value of the first input named id and reports whether there was one. It leaves
// the input's type as it is, so a value kept from a submission does not change how the field renders.
func (ns Nodes) SetValue(id string, value any) bool {
	for _, n := range ns {
		if in := inputOf(n); in != nil && in.Name == id {
			in.Value = value
			return true
		}
	}
	return false
}

// ResetValues clears the value of every input named one of ids.
func (ns Nodes) ResetValues(ids ...string) {
	for _, n := range ns {
		if in := inputOf(n); in != nil && slices.Contains(ids, in.Name) {
			in.Value = nil
		}
	}
}

func inputOf(n *Node) *InputAttributes {
	if n == nil {
		return nil
	}
	return n.Input()
}
