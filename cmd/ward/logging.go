package main

import (
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// logAttr is the servers' slog ReplaceAttr: it makes log lines easy to query in a log store.
//
//   - A duration becomes milliseconds, a number, under its key with "_ms" added: slog's JSON
//     handler writes durations as integer nanoseconds under the bare key, which reads as a
//     count and hides the unit.
//   - A revision (a key that is or ends with "revision") is written as a string: CockroachDB's
//     are HLC timestamps near 2^61, which a JSON reader that parses numbers as float64 (jq,
//     JavaScript) rounds to another revision.
//   - A space in a key becomes an underscore, so that every key is one token in either format.
func logAttr(_ []string, a slog.Attr) slog.Attr {
	if strings.Contains(a.Key, " ") {
		a.Key = strings.ReplaceAll(a.Key, " ", "_")
	}
	switch a.Value.Kind() {
	case slog.KindDuration:
		return slog.Float64(a.Key+"_ms", float64(a.Value.Duration())/float64(time.Millisecond))
	case slog.KindInt64:
		if isRevisionKey(a.Key) {
			return slog.String(a.Key, strconv.FormatInt(a.Value.Int64(), 10))
		}
	case slog.KindUint64:
		if isRevisionKey(a.Key) {
			return slog.String(a.Key, strconv.FormatUint(a.Value.Uint64(), 10))
		}
	}
	return a
}

func isRevisionKey(k string) bool { return k == "revision" || strings.HasSuffix(k, "_revision") }
