package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/wardhq/ward/api"
	"github.com/wardhq/ward/api/kratos"
	"github.com/wardhq/ward/identity"
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
The whole file is read and checked first: if it is not such JSON, nothing is sent; an object
that is no createIdentityBody (an unknown member, a value of the wrong type) fails alone, unsent,
as the server would refuse the whole batch for it. The identities go in batches (PATCH
/admin/identities) of at most --batch and 4 MB, halved when the server says a batch is too
large; each is created on its own, so that one that fails fails alone. Standard output gets a JSON line per identity, in the file's order: {"index":N,
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

// checkItem refuses an item the server would refuse with the whole batch: one that is not a
// createIdentityBody (an unknown member, a value of the wrong type), which the server's strict
// decoder turns into a 400 for the batch.
func checkItem(item json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(item))
	dec.DisallowUnknownFields()
	var body identity.CreateIdentityBody
	if err := dec.Decode(&body); err != nil {
		return fmt.Errorf("not a createIdentityBody: %w", err)
	}
	return nil
}

// importReport prints, in the file's order, a JSON line per item, and keeps the failures.
type importReport struct {
	enc      *json.Encoder
	next     int           // the index of the next line to print
	local    map[int]error // the items checkItem refused, which are not sent
	created  int
	failures []string
}

// outcome prints the lines of the items before index that failed locally, then index's.
func (r *importReport) outcome(index int, res patchResult) error {
	for ; r.next < index; r.next++ {
		if err := r.localFailure(r.next); err != nil {
			return err
		}
	}
	r.next = index + 1
	line := importLine{Index: index}
	if res.Action == "create" && res.Identity != "" {
		line.Identity = res.Identity
		r.created++
	} else {
		line.Error = res.Error
		if len(line.Error) == 0 {
			line.Error = json.RawMessage(`{"message":"the server gave no outcome"}`)
		}
		r.failures = append(r.failures, fmt.Sprintf("item %d: %v", index, itemError(line.Error)))
	}
	return r.enc.Encode(line)
}

func (r *importReport) localFailure(index int) error {
	err, ok := r.local[index]
	if !ok {
		return nil
	}
	b, _ := json.Marshal(map[string]string{"message": err.Error()})
	r.failures = append(r.failures, fmt.Sprintf("item %d: %v", index, err))
	return r.enc.Encode(importLine{Index: index, Error: b})
}

// importIdentities sends items in batches of up to size and reports the outcome of each.
func importIdentities(cmd *cobra.Command, a *identityAdmin, items []json.RawMessage, size int, bar bool) error {
	type create struct {
		Create json.RawMessage `json:"create"`
	}
	out := bufio.NewWriter(cmd.OutOrStdout())
	defer out.Flush()
	rep := &importReport{enc: json.NewEncoder(out), local: map[int]error{}}
	rep.enc.SetEscapeHTML(false)
	var send []json.RawMessage
	var index []int // send[k] is items[index[k]]
	for i, it := range items {
		if err := checkItem(it); err != nil {
			rep.local[i] = err
			continue
		}
		send, index = append(send, it), append(index, i)
	}
	pb := newBar(cmd.ErrOrStderr(), bar, int64(len(items)), "importing", progressbar.OptionShowIts(), progressbar.OptionSetItsString("identities"))
	var batchErr error
	shown := 0 // items the bar counts
	for lo := 0; lo < len(send); {
		hi := batchEnd(send, lo, size)
		body := struct {
			Identities []create `json:"identities"`
		}{make([]create, 0, hi-lo)}
		for _, it := range send[lo:hi] {
			body.Identities = append(body.Identities, create{it})
		}
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		results, err := sendBatch(cmd, a, b, hi-lo)
		if ae := (*apiError)(nil); errors.As(err, &ae) && ae.Code == http.StatusRequestEntityTooLarge && hi-lo > 1 {
			// The server reads less than batchEnd allows (max_request_bytes): it stored nothing
			// of the batch, which goes again in halves.
			size = (hi - lo) / 2
			continue
		}
		if err != nil {
			what := fmt.Sprintf("the batch of items %d to %d was refused (nothing from item %d on was imported)", index[lo], index[hi-1], index[lo])
			if hi-lo == 1 {
				what = fmt.Sprintf("item %d was refused (nothing from it on was imported)", index[lo])
			}
			batchErr = fmt.Errorf("%s: %w", what, err)
			break
		}
		for k, res := range results {
			if err := rep.outcome(index[lo+k], res); err != nil {
				return err
			}
		}
		pb.Add(index[hi-1] + 1 - shown) // the items sent, and those refused before them
		shown = index[hi-1] + 1
		lo = hi
	}
	if batchErr == nil {
		for ; rep.next < len(items); rep.next++ {
			if err := rep.localFailure(rep.next); err != nil {
				return err
			}
		}
		pb.Add(len(items) - shown)
	}
	finishBar(cmd.ErrOrStderr(), pb, bar)
	stderr := cmd.ErrOrStderr()
	for _, f := range rep.failures {
		fmt.Fprintln(stderr, f)
	}
	fmt.Fprintf(stderr, "imported %d of %d identities", rep.created, len(items))
	if len(rep.failures) > 0 {
		fmt.Fprintf(stderr, "; %d failed", len(rep.failures))
	}
	fmt.Fprintln(stderr)
	switch {
	case batchErr != nil:
		return batchErr
	case len(rep.failures) > 0:
		return fmt.Errorf("%d of %d identities failed to import", len(rep.failures), len(items))
	}
	return nil
}

// maxBatchBytes bounds the body of a batch: what the server reads of one, and of any request
// by default (max_request_bytes). A server configured to read less answers 413, and the batch
// is halved.
const maxBatchBytes = min(kratos.MaxBatchBodyBytes, api.DefaultMaxRequestBytes)

// batchEnd returns the end of the batch that starts at items[lo]: at most size items, and a body
// within maxBatchBytes (one item alone may be larger, for the server to refuse).
func batchEnd(items []json.RawMessage, lo, size int) int {
	const perItem = len(`{"create":},`)
	bytes := len(`{"identities":[]}`)
	hi := lo
	for hi < len(items) && hi-lo < size {
		bytes += len(items[hi]) + perItem
		if hi > lo && bytes > maxBatchBytes {
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
