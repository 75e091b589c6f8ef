// Package text owns the user-facing messages of ward's identity flows, in the shape of Ory Kratos's
// UiText: a numeric [ID] that UIs switch on, an American-English text, a [Type] (info, error, success)
// and an optional context object whose keys a UI can use to write its own wording.
//
// The IDs have the numeric values Kratos v1.3.1 gives them, so that Kratos front ends and Ory's SDKs
// render ward's flows unchanged; the constructors write the texts Kratos writes and the context keys it
// sets. Nothing here knows a flow: the flows pick the messages, and the ui package attaches them to a
// form or one of its nodes.
package text
