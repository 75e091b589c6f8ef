package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/spf13/cobra"
)

// pageFlags are the pagination flags of the admin API's list commands (Kratos's keyset
// pagination: page_size, page_token, and a Link header naming the next page).
type pageFlags struct {
	size  int
	token string
	all   bool
}

func (f *pageFlags) add(cmd *cobra.Command, what string) {
	cmd.Flags().IntVar(&f.size, "page-size", 0, "the most "+what+" a page holds (default: the server's, 250)")
	cmd.Flags().StringVar(&f.token, "page-token", "", "the page to list, as the previous page named it")
	cmd.Flags().BoolVar(&f.all, "all", false, "follow the next pages to the last, and print every "+what[:len(what)-1]+" in one array")
}

// list prints as one JSON array the items of the page (or, with --all, the pages) at path, and
// on stderr the token of the page that follows, if any.
func (f *pageFlags) list(ctx context.Context, cmd *cobra.Command, a *identityAdmin, path string, query url.Values) error {
	if f.size < 0 {
		return fmt.Errorf("--page-size must be positive")
	}
	if f.size > 0 {
		query.Set("page_size", strconv.Itoa(f.size))
	}
	var items []json.RawMessage
	token := f.token
	seen := map[string]bool{}
	for {
		if token != "" {
			query.Set("page_token", token)
		}
		ans, err := a.do(ctx, "GET", path, query, nil)
		if err != nil {
			return err
		}
		var page []json.RawMessage
		if err := json.Unmarshal(ans.body, &page); err != nil {
			return fmt.Errorf("GET %s: the answer is not a JSON array: %w", path, err)
		}
		items = append(items, page...)
		token = ans.next
		if token == "" || !f.all {
			break
		}
		if seen[token] {
			return fmt.Errorf("GET %s: the server named page %q as next twice", path, token)
		}
		seen[token] = true
	}
	if items == nil {
		items = []json.RawMessage{}
	}
	if err := printItems(cmd.OutOrStdout(), items); err != nil {
		return err
	}
	if token != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "more on the next page: --page-token %s (or --all)\n", token)
	}
	return nil
}

// printItems writes items as one indented JSON array, leaving <, > and & as the server wrote
// them.
func printItems(w io.Writer, items []json.RawMessage) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(items); err != nil {
		return err
	}
	return printRaw(w, b.Bytes())
}
