package main

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
)

// newConfigCommand is `ward config print`, which shows the configuration `ward serve` would run
// with, read by the same loader from the same flags, file and environment.
func newConfigCommand(environ func() []string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show the server's effective configuration",
	}
	var output string
	var asJSON bool
	printCmd := &cobra.Command{
		Use:   "print",
		Short: "Print the configuration `ward serve` would run with, where each key came from, and no secret",
		Long: `Print the configuration ` + "`ward serve`" + ` would run with given the same --config file, WARD_*
environment variables and flags: every key, with where its value came from (default, file PATH,
env WARD_NAME or flag --name), as a comment in YAML or in the "sources" object of -o json.
Secrets are masked: token, page token and API key secrets entirely, and the password inside a
database DSN or URL. The configuration is validated as ` + "`ward serve`" + ` validates it, and a
problem is an error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON {
				output = "json"
			}
			if output != "yaml" && output != "json" {
				return fmt.Errorf("-o must be yaml or json, not %q", output)
			}
			cfg, sources, err := loadServeConfigSources(cmd.Flags(), environ)
			if err != nil {
				return err
			}
			// Validated as serve does, on a copy: what is printed is the configuration as written,
			// with token_secrets_file named rather than read into token_secrets.
			resolved := cfg
			resolved.TokenSecrets = append([]string(nil), cfg.TokenSecrets...)
			if err := resolveTokenSecrets(&resolved); err != nil {
				return err
			}
			if err := resolved.validate(); err != nil {
				return err
			}
			path, _ := cmd.Flags().GetString("config")
			entries := configEntries(cfg, sources)
			if output == "json" {
				return printConfigJSON(cmd.OutOrStdout(), entries)
			}
			return printConfigYAML(cmd.OutOrStdout(), entries, path)
		},
	}
	printCmd.Flags().StringVarP(&output, "output", "o", "yaml", "output format: yaml or json")
	printCmd.Flags().BoolVar(&asJSON, "json", false, "the same as -o json")
	addServeFlags(printCmd.Flags())
	cmd.AddCommand(printCmd)
	return cmd
}

// configEntry is one key of the configuration as `ward config print` shows it.
type configEntry struct {
	key    string // dotted, such as identity.enabled
	value  any    // secrets masked; durations as Go writes them (5s, 1h0m0s)
	source string
}

// configEntries returns every key of cfg in the order of its fields, masked by their secret tags.
func configEntries(cfg serveConfig, sources configSources) []configEntry {
	var out []configEntry
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name := f.Tag.Get("koanf")
			if name == "" {
				continue
			}
			key := prefix + name
			fv := v.Field(i)
			if fv.Kind() == reflect.Struct {
				walk(fv, key+".")
				continue
			}
			out = append(out, configEntry{key: key, value: shownValue(fv.Interface(), f.Tag.Get("secret")), source: sources.source(key)})
		}
	}
	walk(reflect.ValueOf(cfg), "")
	return out
}

// shownValue is v as printed: durations as strings, lists and mappings never null, structs in
// mappings by their koanf keys, and secrets masked by their kind (see [serveConfig]).
func shownValue(v any, secret string) any {
	mask := func(s string) string {
		switch {
		case s == "":
			return ""
		case secret == "dsn":
			return maskDSN(s)
		default:
			return maskedSecret
		}
	}
	switch v := v.(type) {
	case time.Duration:
		return v.String()
	case string:
		if secret != "" {
			return mask(v)
		}
		return v
	case []string:
		out := make([]string, len(v))
		for i, s := range v {
			out[i] = s
			if secret != "" {
				out[i] = mask(s)
			}
		}
		return out
	}
	return plainValue(reflect.ValueOf(v))
}

// plainValue converts a value of the configuration to what YAML and JSON print alike: a
// mapping's values, and structs by their koanf tags, as map[string]any; durations as strings.
func plainValue(v reflect.Value) any {
	if d, ok := v.Interface().(time.Duration); ok {
		return d.String()
	}
	switch v.Kind() {
	case reflect.Map:
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			out[fmt.Sprint(it.Key().Interface())] = plainValue(it.Value())
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		for i := range v.NumField() {
			if name := v.Type().Field(i).Tag.Get("koanf"); name != "" {
				out[name] = plainValue(v.Field(i))
			}
		}
		return out
	case reflect.Slice:
		out := make([]any, v.Len())
		for i := range v.Len() {
			out[i] = plainValue(v.Index(i))
		}
		return out
	}
	return v.Interface()
}

// printConfigYAML writes entries as a YAML document that `ward serve --config` reads back (but
// for the masked secrets), each key followed by its source as a comment.
func printConfigYAML(w io.Writer, entries []configEntry, path string) error {
	root := &yaml.Node{Kind: yaml.MappingNode}
	sections := map[string]*yaml.Node{"": root}
	// section returns the mapping of a dotted section (identity, or deeper), made on first use.
	var section func(path string) *yaml.Node
	section = func(path string) *yaml.Node {
		if m, ok := sections[path]; ok {
			return m
		}
		parent, name := "", path
		if i := strings.LastIndexByte(path, '.'); i >= 0 {
			parent, name = path[:i], path[i+1:]
		}
		m := &yaml.Node{Kind: yaml.MappingNode}
		sections[path] = m
		p := section(parent)
		p.Content = append(p.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, m)
		return m
	}
	for _, e := range entries {
		parent, name := "", e.key
		if i := strings.LastIndexByte(e.key, '.'); i >= 0 {
			parent, name = e.key[:i], e.key[i+1:]
		}
		m := section(parent)
		var value yaml.Node
		if err := value.Encode(e.value); err != nil {
			return fmt.Errorf("%s: %w", e.key, err)
		}
		key := &yaml.Node{Kind: yaml.ScalarNode, Value: name}
		if value.Kind == yaml.ScalarNode || len(value.Content) == 0 {
			value.Style |= yaml.FlowStyle // an empty list as []
			value.LineComment = e.source
		} else {
			key.LineComment = e.source
		}
		m.Content = append(m.Content, key, &value)
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	doc.HeadComment = "the configuration of `ward serve`, each key with where its value came from; secrets masked"
	if path != "" {
		doc.HeadComment += "\nconfig file: " + path
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}

// printConfigJSON writes {"config": {...}, "sources": {"key": "source"}}: the configuration as
// nested objects, as in YAML, and where each dotted key came from.
func printConfigJSON(w io.Writer, entries []configEntry) error {
	config := map[string]any{}
	sources := map[string]string{}
	for _, e := range entries {
		m := config
		parts := strings.Split(e.key, ".")
		for _, p := range parts[:len(parts)-1] {
			sub, ok := m[p].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[p] = sub
			}
			m = sub
		}
		m[parts[len(parts)-1]] = e.value
		sources[e.key] = e.source
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"config": config, "sources": sources})
}
