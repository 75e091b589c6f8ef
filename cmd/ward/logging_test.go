package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/store"
)

// TestLogAttr: in JSON logs a duration is milliseconds, a number, under a key ending in _ms; a
// revision is a string that keeps all its digits; no key has a space.
func TestLogAttr(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: logAttr}))
	const big = uint64(1<<61 + 1) // a float64 rounds it
	log.Info("m", "duration", 1500*time.Microsecond, "revision", store.Revision{Major: big, Minor: 2},
		"head_revision", int64(big), "quorum nodes", 3, "tuples", 7)
	var got map[string]any
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"duration_ms": json.Number("1.5"), "revision": "2305843009213693953.2",
		"head_revision": "2305843009213693953", "quorum_nodes": json.Number("3"), "tuples": json.Number("7")}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v (line %v)", k, got[k], v, got)
		}
	}
	for _, k := range []string{"duration", "quorum nodes"} {
		if _, ok := got[k]; ok {
			t.Errorf("the line still has the key %q", k)
		}
	}
}

// TestRequestLogLines: at debug, serve logs one line for each request, RPC or plain HTTP, with
// its duration in milliseconds; at info, none.
func TestRequestLogLines(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelDebug, slog.LevelInfo} {
		var buf lockedBuffer
		log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: level, ReplaceAttr: logAttr}))
		public, admin, stop := startServerLogging(t, func(*serveConfig) {}, log)
		if _, err := ward(t, public, admin, "", "schema", "write", "../../examples/schema.zed"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(public + "/.well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		var rpc, plain int
		for line := range strings.Lines(buf.String()) {
			var l map[string]any
			if err := json.Unmarshal([]byte(line), &l); err != nil {
				t.Fatalf("not a JSON line: %q", line)
			}
			for k := range l {
				if strings.Contains(k, " ") {
					t.Errorf("key %q has a space: %s", k, line)
				}
			}
			switch l["msg"] {
			case "rpc":
				rpc++
			case "http":
				plain++
				if _, ok := l["duration_ms"].(float64); !ok || l["route"] != "/.well-known/openid-configuration" || l["method"] != "GET" || l["status"] != float64(200) {
					t.Errorf("http line %s: want the route, status 200 and duration_ms", line)
				}
			}
		}
		want := 1
		if level == slog.LevelInfo {
			want = 0
		}
		if rpc != want || plain != want {
			t.Errorf("at %v: %d rpc lines and %d http lines, want %d of each:\n%s", level, rpc, plain, want, buf.String())
		}
	}
}
