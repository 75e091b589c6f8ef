package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/wardhq/ward/api/kratos"
	"github.com/wardhq/ward/store"
)

func newIdentitiesImportCommand(c *client) *cobra.Command {
	var batch int
	var progress bool
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Create the identities of a JSON array or JSON-lines file, in batches",
		Long: `Create identities from FILE (- for standard input): a JSON array of Kratos's
createIdentityBody objects, or such objects one after another (JSON lines). An object may carry a
password in plaintext or as a hash of another system, kept until the first login re-hashes it:
  {"schema_id":"default","traits":{"email":"a@example.com"},
   "credentials":{"password":{"config":{"hashed_password":"$2a$10$…"}}}}
The whole file is read and checked first: if it is not such JSON, nothing is sent. The identities
go in batches (PATCH /admin/identities), each created on its own, so that one that fails fails
alone. Standard output gets a JSON line per identity, in the file's order: {"index":N,
"identity":ID} or {"index":N,"error":{…}} (N counts from 0); standard error names each failure and
the totals. Exits non-zero if any identity failed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if batch < 1 || batch > store.MaxIdentityBatch {
				return fmt.Errorf("--batch must be between 1 and %d", store.MaxIdentityBatch)
			}
			r, err := openInput(cmd, args[0])
			if err != nil {
				return err
			}
			b, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				return fmt.Errorf("reading %s: %w", args[0], err)
			}
			items, err := parseImport(b)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return importIdentities(cmd, c.identityAdmin(), items, batch, progress && isTerminal(cmd.ErrOrStderr()))
		},
	}
	cmd.Flags().IntVar(&batch, "batch", store.MaxIdentityBatch, "identities per request")
	cmd.Flags().BoolVar(&progress, "progress", true, "show a progress bar when standard error is a terminal")
	return cmd
}

// parseImport parses an import file: a JSON array of objects, or a sequence of objects (JSON
// lines). An error names the line and, past the syntax, the item (counted from 0).
func parseImport(b []byte) ([]json.RawMessage, error) {
	b = bytes.TrimPrefix(b, []byte("\ufeff")) // a byte order mark, as some editors write
	dec := json.NewDecoder(bytes.NewReader(b))
	lineAt := func(offset int64) int { return 1 + bytes.Count(b[:min(offset, int64(len(b)))], []byte("\n")) }
	fail := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("line %d: %w", lineAt(se.Offset), err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) { // EOF: inside the array
			return errors.New("the file ends inside a JSON value")
		}
		return err
	}
	inArray := bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("["))
	if inArray {
		if _, err := dec.Token(); err != nil {
			return nil, fail(err)
		}
	}
	var items []json.RawMessage
	for {
		if inArray && !dec.More() {
			break
		}
		start := dec.InputOffset()
		var item json.RawMessage
		if err := dec.Decode(&item); err != nil {
			if !inArray && errors.Is(err, io.EOF) {
				break
			}
			return nil, fail(err)
		}
		if item[0] != '{' {
			// The value starts after the spaces and separator that InputOffset was before.
			at := start + int64(max(0, bytes.IndexFunc(b[start:], func(r rune) bool { return !strings.ContainsRune(" \t\r\n,", r) })))
			return nil, fmt.Errorf("line %d: item %d is not a JSON object (a createIdentityBody)", lineAt(at), len(items))
		}
		items = append(items, item)
	}
	if inArray {
		if _, err := dec.Token(); err != nil {
			return nil, fail(err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("line %d: more after the array's end", lineAt(dec.InputOffset()))
		}
	}
	if len(items) == 0 {
		return nil, errors.New("no identities in the file")
	}
	return items, nil
}

// patchResult is one entry of PATCH /admin/identities's answer.
type patchResult struct {
	Action   string          `json:"action"`
	Identity string          `json:"identity"`
	Error    json.RawMessage `json:"error"`
}

// importLine is the line import prints for an identity.
type importLine struct {
	Index    int             `json:"index"`
	Identity string          `json:"identity,omitempty"`
	Error    json.RawMessage `json:"error,omitempty"`
}

// importIdentities sends items in batches of size and reports the outcome of each.
func importIdentities(cmd *cobra.Command, a *identityAdmin, items []json.RawMessage, size int, bar bool) error {
	type create struct {
		Create json.RawMessage `json:"create"`
	}
	out := bufio.NewWriter(cmd.OutOrStdout())
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	pb := newBar(cmd.ErrOrStderr(), bar, int64(len(items)), "importing", progressbar.OptionShowIts(), progressbar.OptionSetItsString("identities"))
	var failures []string
	created := 0
	var batchErr error
	for lo := 0; lo < len(items); {
		hi := batchEnd(items, lo, size)
		body := struct {
			Identities []create `json:"identities"`
		}{make([]create, 0, hi-lo)}
		for _, it := range items[lo:hi] {
			body.Identities = append(body.Identities, create{it})
		}
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		results, err := sendBatch(cmd, a, b, hi-lo)
		if err != nil {
			batchErr = fmt.Errorf("items %d to %d: %w; nothing after item %d was sent", lo, hi-1, err, lo-1)
			break
		}
		for k, r := range results {
			line := importLine{Index: lo + k}
			if r.Action == "create" && r.Identity != "" {
				line.Identity = r.Identity
				created++
			} else {
				line.Error = r.Error
				if len(line.Error) == 0 {
					line.Error = json.RawMessage(`{"message":"the server gave no outcome"}`)
				}
				failures = append(failures, fmt.Sprintf("item %d: %v", lo+k, itemError(line.Error)))
			}
			if err := enc.Encode(line); err != nil {
				return err
			}
		}
		pb.Add(hi - lo)
		lo = hi
	}
	finishBar(cmd.ErrOrStderr(), pb, bar)
	stderr := cmd.ErrOrStderr()
	for _, f := range failures {
		fmt.Fprintln(stderr, f)
	}
	fmt.Fprintf(stderr, "imported %d of %d identities", created, len(items))
	if len(failures) > 0 {
		fmt.Fprintf(stderr, "; %d failed", len(failures))
	}
	fmt.Fprintln(stderr)
	switch {
	case batchErr != nil:
		return batchErr
	case len(failures) > 0:
		return fmt.Errorf("%d of %d identities failed to import", len(failures), len(items))
	}
	return nil
}

// batchEnd returns the end of the batch that starts at items[lo]: at most size items, and a body
// within what the server reads of one (one item alone may be larger, for the server to refuse).
func batchEnd(items []json.RawMessage, lo, size int) int {
	const perItem = len(`{"create":},`)
	bytes := len(`{"identities":[]}`)
	hi := lo
	for hi < len(items) && hi-lo < size {
		bytes += len(items[hi]) + perItem
		if hi > lo && bytes > kratos.MaxBatchBodyBytes {
			break
		}
		hi++
	}
	return hi
}

// sendBatch sends one batch of n creates and returns the n outcomes.
func sendBatch(cmd *cobra.Command, a *identityAdmin, body []byte, n int) ([]patchResult, error) {
	ans, err := a.do(cmd.Context(), "PATCH", "/admin/identities", nil, body)
	if err != nil {
		return nil, err
	}
	var res struct {
		Identities []patchResult `json:"identities"`
	}
	if err := json.Unmarshal(ans.body, &res); err != nil {
		return nil, fmt.Errorf("the answer is not a batchPatchIdentitiesResponse: %w", err)
	}
	if len(res.Identities) != n {
		return nil, fmt.Errorf("the answer has %d outcomes for %d identities", len(res.Identities), n)
	}
	return res.Identities, nil
}

// itemError reads the error of a failed batch item: Kratos's flat error object (the "error" of
// identityPatchResponse), or one wrapped as an error answer is.
func itemError(raw json.RawMessage) error {
	var e apiError
	if json.Unmarshal(raw, &e) == nil && (e.Message != "" || e.Reason != "") {
		return &e
	}
	return decodeError(0, raw)
}
