package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wardhq/ward/engine"
)

// tokenFile is the CLI's memory of the last snapshot token each ward server returned to one of
// its writes, so that a read right after a write — `ward tuples write …; ward check …` in two
// commands — answers from a snapshot at least as fresh as the write by default, as an API caller
// does by passing the write's token. It holds tokens only, keyed by endpoint URL: nothing secret.
// Two commands that write at the same moment may each keep only their own token; either is a
// snapshot that the other's write is not older than by more than a moment.
type tokenFile struct {
	path string // "" when there is no cache directory: nothing is remembered
}

// tokenFileVersion is the format of the file; a file of another version is ignored.
const tokenFileVersion = 1

type tokenFileData struct {
	Version int                      `json:"version"`
	Tokens  map[string]tokenFileItem `json:"tokens"`
}

type tokenFileItem struct {
	Token string    `json:"token"`
	At    time.Time `json:"at"` // when the write returned it, for people reading the file
}

// newTokenFile returns the token file under $WARD_CACHE_DIR, or else under the user's cache
// directory (os.UserCacheDir: $XDG_CACHE_HOME or ~/.cache on Linux).
func newTokenFile(environ func() []string) *tokenFile {
	dir := envOr(environ, "WARD_CACHE_DIR", "")
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return &tokenFile{}
		}
		dir = filepath.Join(base, "ward")
	}
	return &tokenFile{path: filepath.Join(dir, "tokens.json")}
}

// endpointKey is the key of an endpoint URL: without a trailing slash, so that both spellings
// share their token.
func endpointKey(endpoint string) string { return strings.TrimRight(endpoint, "/") }

// load reads the file. A missing file is empty; a file that cannot be read or parsed is ignored
// with a warning on warn, as is an entry whose token is malformed: the command goes on without.
func (f *tokenFile) load(warn io.Writer) tokenFileData {
	data := tokenFileData{Version: tokenFileVersion, Tokens: map[string]tokenFileItem{}}
	if f.path == "" {
		return data
	}
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return data
	}
	var read tokenFileData
	if err == nil {
		err = json.Unmarshal(b, &read)
		if err == nil && read.Version != tokenFileVersion {
			err = fmt.Errorf("version %d, not %d", read.Version, tokenFileVersion)
		}
	}
	if err != nil {
		fmt.Fprintf(warn, "ward: warning: ignoring %s, which holds no tokens this ward can read (%v); the next write replaces it\n", f.path, err)
		return data
	}
	for k, v := range read.Tokens {
		if _, err := engine.ParseToken(engine.Token(v.Token)); err != nil {
			fmt.Fprintf(warn, "ward: warning: ignoring the token of %s in %s: %v\n", k, f.path, err)
			continue
		}
		data.Tokens[k] = v
	}
	return data
}

// token returns the token remembered for endpoint, or "".
func (f *tokenFile) token(warn io.Writer, endpoint string) string {
	return f.load(warn).Tokens[endpointKey(endpoint)].Token
}

// remember records token as the newest for each of endpoints. A failure to write the file is
// only a warning: the write it follows has been made.
func (f *tokenFile) remember(warn io.Writer, token string, endpoints ...string) {
	if f.path == "" || token == "" {
		return
	}
	data := f.load(warn)
	now := time.Now().UTC()
	for _, e := range endpoints {
		data.Tokens[endpointKey(e)] = tokenFileItem{Token: token, At: now}
	}
	if err := f.save(data); err != nil {
		fmt.Fprintf(warn, "ward: warning: could not remember the write's token (reads may not see it for a few seconds): %v\n", err)
	}
}

// forget drops the token of endpoint.
func (f *tokenFile) forget(warn io.Writer, endpoint string) {
	data := f.load(warn)
	if _, ok := data.Tokens[endpointKey(endpoint)]; !ok {
		return
	}
	delete(data.Tokens, endpointKey(endpoint))
	if err := f.save(data); err != nil {
		fmt.Fprintf(warn, "ward: warning: %v\n", err)
	}
}

// save writes data to a temporary file and renames it over the file, so that a reader never
// sees half of it.
func (f *tokenFile) save(data tokenFileData) error {
	b, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".tokens-*.json")
	if err != nil {
		return fmt.Errorf("writing the token file: %w", err)
	}
	_, err = tmp.Write(append(b, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), f.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", f.path, err)
	}
	return nil
}
