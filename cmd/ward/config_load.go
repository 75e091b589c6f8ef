package main

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	envprovider "github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
)

// configSources names, for each configuration key set other than by its default, where its value
// came from: "file PATH", "env WARD_NAME" or "flag --name". A key that is absent kept its default.
type configSources map[string]string

// source returns where key's value came from, "default" when nothing set it. The value of a
// mapping (courier.smtp.headers) comes from where its keys were set.
func (s configSources) source(key string) string {
	if src, ok := s[key]; ok {
		return src
	}
	var from []string
	for k, src := range s {
		if strings.HasPrefix(k, key+".") && !slices.Contains(from, src) {
			from = append(from, src)
		}
	}
	if len(from) == 0 {
		return "default"
	}
	slices.Sort(from)
	return strings.Join(from, ", ")
}

// loadServeConfig merges defaults, the config file, the environment and the flags that were set,
// reads token_secrets_file, and validates the result.
func loadServeConfig(fs *pflag.FlagSet, environ func() []string) (serveConfig, error) {
	cfg, _, err := loadServeConfigSources(fs, environ)
	if err != nil {
		return serveConfig{}, err
	}
	if err := resolveTokenSecrets(&cfg); err != nil {
		return serveConfig{}, err
	}
	return cfg, cfg.validate()
}

// loadServeConfigSources merges defaults, the config file given by --config, the WARD_*
// environment variables and the flags that were set, later ones winning, and says where each key
// came from. It checks every value as it is read, so that an error names its source: a key of the
// file, or a variable and its value. It neither reads the files the configuration names nor
// validates the merged result; [loadServeConfig] does.
func loadServeConfigSources(fs *pflag.FlagSet, environ func() []string) (serveConfig, configSources, error) {
	keys := newConfigKeys()
	sources := configSources{}
	k := koanf.New(".")

	if path, _ := fs.GetString("config"); path != "" {
		kf := koanf.New(".")
		if err := kf.Load(file.Provider(path), yaml.Parser()); err != nil {
			return serveConfig{}, nil, fmt.Errorf("reading config file %s: %w", path, err)
		}
		for _, key := range kf.Keys() {
			// A mapping's own key is allowed too: an empty one (headers: {}) has no keys inside.
			if _, ok := keys.flags[key]; !ok && !courierOpenKey(key) && !courierOpenKey(key+".") {
				return serveConfig{}, nil, fmt.Errorf("config file %s: unknown key %q (known keys: %s)", path, key, strings.Join(keys.names, ", "))
			}
			if err := keys.check(key, kf.Get(key)); err != nil {
				return serveConfig{}, nil, fmt.Errorf("config file %s: %w", path, err)
			}
			sources[key] = "file " + path
		}
		if err := decodes(kf); err != nil {
			return serveConfig{}, nil, fmt.Errorf("config file %s: %w", path, err)
		}
		k.Merge(kf)
	}

	// Other WARD_* variables (the CLI's WARD_ENDPOINT, say) are not the server's business.
	variables := map[string]string{} // key → the variable that set it
	env := envprovider.Provider(".", envprovider.Opt{
		Prefix:      "WARD_",
		EnvironFunc: environ,
		TransformFunc: func(name, v string) (string, any) {
			key := configKey(strings.ToLower(strings.TrimPrefix(name, "WARD_")))
			f, ok := keys.flags[key]
			if !ok {
				return "", nil
			}
			variables[key] = name
			if f.Value.Type() == "stringSlice" {
				return key, splitList(v) // comma-separated, as the flag takes them
			}
			return key, v
		},
	})
	ke := koanf.New(".")
	if err := ke.Load(env, nil); err != nil {
		return serveConfig{}, nil, fmt.Errorf("reading WARD_* environment variables: %w", err)
	}
	for _, key := range ke.Keys() {
		if err := keys.check(key, ke.Get(key)); err != nil {
			return serveConfig{}, nil, fmt.Errorf("environment variable %s: %w", variables[key], err)
		}
		sources[key] = "env " + variables[key]
	}
	if err := decodes(ke); err != nil {
		return serveConfig{}, nil, fmt.Errorf("WARD_* environment variables: %w", err)
	}
	k.Merge(ke)

	// pflag has parsed the flags already (a duration flag wants its unit); those not set give
	// their defaults only to keys that nothing above set.
	flags := posflag.ProviderWithFlag(fs, ".", k, func(f *pflag.Flag) (string, any) {
		key := configKey(f.Name)
		if _, ok := keys.flags[key]; !ok {
			return "", nil // --config, and the CLI's persistent flags
		}
		if f.Changed {
			sources[key] = "flag --" + f.Name
		}
		return key, posflag.FlagVal(fs, f)
	})
	kfl := koanf.New(".")
	if err := kfl.Load(flags, nil); err != nil {
		return serveConfig{}, nil, fmt.Errorf("reading flags: %w", err)
	}
	k.Merge(kfl)

	cfg := defaultServeConfig()
	if err := k.Unmarshal("", &cfg); err != nil {
		return serveConfig{}, nil, fmt.Errorf("configuration: %w", err)
	}
	return cfg, sources, nil
}

// decodes reports whether the keys of one source decode into the configuration by themselves, so
// that an error the checks of [configKeys.check] leave to the decoder (a list of mappings where
// strings belong) still names its source.
func decodes(k *koanf.Koanf) error {
	cfg := defaultServeConfig()
	return k.Unmarshal("", &cfg)
}

// configKeys describes the configuration keys by the flags that set them: one flag per key.
type configKeys struct {
	names []string               // in the order of the flags
	flags map[string]*pflag.Flag // by key; a fresh flag set, whose values check parses into
}

func newConfigKeys() configKeys {
	fs := pflag.NewFlagSet("", pflag.ContinueOnError)
	addServeFlags(fs)
	keys := configKeys{flags: map[string]*pflag.Flag{}}
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name == "config" {
			return
		}
		key := configKey(f.Name)
		keys.names = append(keys.names, key)
		keys.flags[key] = f
	})
	return keys
}

// Wanted kinds of value, by flag type, for error messages.
var wantedValue = map[string]string{
	"bool":    "true or false",
	"int":     "an integer",
	"int64":   "an integer",
	"uint8":   "an integer from 0 to 255",
	"uint32":  "a non-negative integer",
	"float64": "a number",
}

// check parses one scalar value of key, as a YAML file or a variable gives it, the way its flag
// would, and says what is wrong with it. A duration must carry its unit: a bare number (3, 1.5 or
// "3") is an error rather than nanoseconds, which is what the decoder would make of it; 0 needs no
// unit. Lists, mappings and strings are left to the decoder.
func (keys configKeys) check(key string, v any) error {
	f, ok := keys.flags[key]
	if !ok {
		return nil // a key of a mapping (courier.smtp.headers.NAME), which validate checks
	}
	var text, shown string
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.String:
		text, shown = rv.String(), strconv.Quote(rv.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		text = strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		text = strconv.FormatUint(rv.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		text = strconv.FormatFloat(rv.Float(), 'f', -1, 64)
		if math.IsInf(rv.Float(), 0) || math.IsNaN(rv.Float()) {
			text = fmt.Sprint(rv.Float())
		}
	case reflect.Bool:
		text = strconv.FormatBool(rv.Bool())
	default:
		return nil
	}
	if shown == "" {
		shown = text
	}
	switch typ := f.Value.Type(); typ {
	case "string", "stringSlice":
		return nil
	case "duration":
		if _, err := strconv.ParseFloat(text, 64); err == nil && text != "0" {
			return fmt.Errorf("%s: %s has no unit; write %ss or %sms", key, shown, text, text)
		}
		if _, err := time.ParseDuration(text); err != nil {
			return fmt.Errorf("%s: %s is not a duration; write one with its unit, such as 3s, 150ms or 1h30m", key, shown)
		}
		return nil
	default:
		if err := f.Value.Set(text); err != nil {
			want, ok := wantedValue[typ]
			if !ok {
				want = "a " + typ
			}
			return fmt.Errorf("%s: %s is not %s", key, shown, want)
		}
		return nil
	}
}

// splitList splits the value of a list key given as one WARD_* variable at commas, as its flag
// does; empty items (a trailing comma) are dropped rather than becoming empty values.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
