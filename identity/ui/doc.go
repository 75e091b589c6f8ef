// Package ui owns the form that every self-service flow hands its UI: a [Container] of [Node]s (inputs,
// texts, images, links, scripts, divisions), each in a [Group] that says which method it belongs to,
// with messages for the form and for each node. It encodes exactly as Ory Kratos's uiContainer, so that
// Kratos front ends and Ory's SDKs render ward's flows unchanged.
//
// Besides the types, the package has what flows do to a form: add, replace and remove nodes by name
// and group, set values, attach messages to a node by name, set the CSRF token, sort the nodes in
// Kratos's order ([Order], [LoginOrder], [RegistrationOrder], [SettingsOrder]), and keep what the user
// typed when a submission is refused ([ParseSubmission], [Container.KeepValues]) without ever sending
// a password back.
package ui
