package ui

import (
	"slices"
	"strings"

	"github.com/wardhq/ward/identity/text"
)

// Container is a flow's form: where and how to submit it, its nodes, and the messages about the whole
// form. It encodes as Kratos's uiContainer; messages is omitted when there are none, nodes never is.
type Container struct {
	Action   string        `json:"action"`
	Method   string        `json:"method"`
	Nodes    Nodes         `json:"nodes"`
	Messages text.Messages `json:"messages,omitempty"`
}

// New returns an empty form that is posted to action.
func New(action string) *Container {
	return &Container{Action: action, Method: "POST", Nodes: Nodes{}}
}

// SetCSRF sets the csrf_token input to token, adding it to the default group when the form has none.
func (c *Container) SetCSRF(token string) { c.Nodes.UpsertInGroup(NewCSRF(token)) }

// AddMessage adds msg to the nodes named in names, or to the form itself when names holds no name
// (blank names do not count). A name no node has gets a text input of that name in the default group
// that carries the message, as Kratos does for a validation error of a field the form does not show.
func (c *Container) AddMessage(msg text.Message, names ...string) {
	if !slices.ContainsFunc(names, func(s string) bool { return strings.TrimSpace(s) != "" }) {
		c.Messages = append(c.Messages, msg)
		return
	}
	for _, name := range names {
		if strings.TrimSpace(name) == "" {
			continue
		}
		if n := c.Nodes.Find(name); n != nil {
			n.Messages = append(n.Messages, msg)
			continue
		}
		n := NewInput(name, nil, GroupDefault, InputTypeText)
		n.Messages = text.Messages{msg}
		c.Nodes.Append(n)
	}
}

// ResetMessages removes the form's messages and those of every node not named in exclude.
func (c *Container) ResetMessages(exclude ...string) {
	c.Messages = nil
	for _, n := range c.Nodes {
		if n != nil && !slices.Contains(exclude, n.ID()) {
			n.Messages = nil
		}
	}
}
