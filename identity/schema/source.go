package schema

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
)

// Limits on what a Registry reads and validates.
const (
	// MaxSchemaBytes bounds one schema document, as Kratos bounds it (1 MiB).
	MaxSchemaBytes = 1 << 20
	// MaxTraitsBytes bounds the traits document that Validate and Extract read.
	MaxTraitsBytes = 64 << 10
	// MaxTraitsDepth bounds the nesting of the traits document: {} is depth 1.
	MaxTraitsDepth = 32
)

// readSource returns the document a schema URL names: file://PATH (read now, once),
// base64://DATA (standard or URL alphabet, padded or not) or the JSON text itself. Network
// schemes are refused: ward fetches nothing at serve time.
func readSource(raw string) ([]byte, error) {
	if trimmed := strings.TrimSpace(raw); strings.HasPrefix(trimmed, "{") {
		if len(trimmed) > MaxSchemaBytes {
			return nil, fmt.Errorf("the inline schema is larger than %d bytes", MaxSchemaBytes)
		}
		return []byte(trimmed), nil
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil, errors.New("url must be file://PATH, base64://DATA or an inline JSON schema")
	}
	switch strings.ToLower(scheme) {
	case "file":
		return readFile(raw)
	case "base64":
		return decodeBase64(rest)
	case "http", "https":
		return nil, fmt.Errorf("%s:// schemas are not loaded: ward fetches nothing over the network; "+
			"save the schema to a file and use file://PATH (or base64:// or inline JSON)", scheme)
	}
	return nil, fmt.Errorf("unsupported url scheme %q: use file://PATH, base64://DATA or inline JSON", scheme)
}

func readFile(raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("bad file url: %w", err)
	}
	// As Kratos reads it: file://./a.json is the relative path ./a.json, file:///a.json is /a.json.
	path := u.Host + u.Path
	if path == "" {
		return nil, errors.New("file url names no path")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSchemaBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > MaxSchemaBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, MaxSchemaBytes)
	}
	return data, nil
}

func decodeBase64(s string) ([]byte, error) {
	if base64.StdEncoding.DecodedLen(len(s)) > MaxSchemaBytes+3 {
		return nil, fmt.Errorf("the base64 schema is larger than %d bytes", MaxSchemaBytes)
	}
	var firstErr error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		data, err := enc.DecodeString(s)
		if err == nil {
			if len(data) > MaxSchemaBytes {
				return nil, fmt.Errorf("the base64 schema is larger than %d bytes", MaxSchemaBytes)
			}
			return data, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, fmt.Errorf("bad base64 (standard or URL alphabet): %w", firstErr)
}
