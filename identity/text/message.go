package text

import (
	"encoding/json"
	"fmt"
	"time"
)

// Type is how a UI should style a message.
type Type string

// The three types Kratos's UIs style.
const (
	TypeInfo    Type = "info"
	TypeError   Type = "error"
	TypeSuccess Type = "success"
)

// Message is one user-facing message, encoded exactly as Kratos's UiText:
// {"id": 4000002, "text": "Property email is missing.", "type": "error", "context": {"property": "email"}}.
//
// Context is the raw JSON object of the values the text was written from, so that a UI can write its
// own wording; it is omitted when empty and survives a decode and encode unchanged.
type Message struct {
	ID      ID              `json:"id"`
	Text    string          `json:"text"`
	Type    Type            `json:"type"`
	Context json.RawMessage `json:"context,omitempty"`
}

// Messages is a list of messages. It encodes as [] when empty, never null, as Kratos's UiTexts do.
type Messages []Message

// MarshalJSON encodes the list, writing [] for an empty one.
func (m Messages) MarshalJSON() ([]byte, error) {
	if len(m) == 0 {
		return []byte("[]"), nil
	}
	return json.Marshal([]Message(m))
}

func info(id ID, text string) Message    { return Message{ID: id, Text: text, Type: TypeInfo} }
func failure(id ID, text string) Message { return Message{ID: id, Text: text, Type: TypeError} }

// withContext returns m with its context set to the JSON object of kv.
func (m Message) withContext(kv map[string]any) Message {
	m.Context = encodeContext(kv)
	return m
}

// encodeContext encodes kv as a JSON object. A value that JSON cannot hold (a NaN, a time past year
// 9999) is written as its printed form instead, so that building a message never fails.
func encodeContext(kv map[string]any) json.RawMessage {
	if b, err := json.Marshal(kv); err == nil {
		return b
	}
	safe := make(map[string]any, len(kv))
	for k, v := range kv {
		if _, err := json.Marshal(v); err != nil {
			v = fmt.Sprint(v)
		}
		safe[k] = v
	}
	// Every value now encodes on its own, and a map of such values always encodes.
	b, _ := json.Marshal(safe)
	return b
}

// expired writes a flow's "expired … minutes ago" message with Kratos's context keys.
func expired(id ID, flow string, expiredAt, now time.Time) Message {
	return failure(id, fmt.Sprintf("The %s flow expired %.2f minutes ago, please try again.", flow, now.Sub(expiredAt).Minutes())).
		withContext(map[string]any{"expired_at": expiredAt, "expired_at_unix": expiredAt.Unix()})
}

// retrySuccess is the message of every flow that is submitted again after it succeeded.
const retrySuccess = "The request was already completed successfully and can not be retried."
