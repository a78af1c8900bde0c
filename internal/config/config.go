// Package config reads loupe's configuration file (TOML): the path comes from --config, else
// $LOUPE_CONFIG, else $XDG_CONFIG_HOME/loupe/loupe.toml (~/.config/loupe/loupe.toml). A missing file at
// the default place is no error; a missing file that was named is.
//
//	annotator = "ana"          # default for loupe review --annotator
//	[keys]                     # rebind review-screen actions; every key of an action is listed
//	accept = ["a", "y"]
//	reject = ["x", "r"]
//	[backends.gpt41]           # judges and pipeline models; see vlm.Backend
//	kind = "openai"
//	model = "gpt-4.1-2025-04-14"
//	api_key_env = "OPENAI_API_KEY"
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/loupe-dev/loupe/generate"
	"github.com/loupe-dev/loupe/vlm"
)

// EnvVar names the configuration file when --config is not given.
const EnvVar = "LOUPE_CONFIG"

// Config is the configuration file's content.
type Config struct {
	Annotator string                  `toml:"annotator"`
	Keys      map[string][]string     `toml:"keys"`
	Backends  map[string]*vlm.Backend `toml:"backends"`
	// Generators are the image generators of the pipeline ([generators.NAME]); "procedural" is built in.
	Generators map[string]*generate.Config `toml:"generators"`
	Path       string                      `toml:"-"` // where it was read from ("" when no file)
	Looked     string                      `toml:"-"` // the default path looked at when there was no file
}

// Backend returns the named backend with its defaults filled in. The offline judges "ocr" and "rules"
// exist without configuration.
func (c Config) Backend(name string) (*vlm.Backend, error) {
	b, ok := c.Backends[name]
	if !ok {
		switch name {
		case vlm.KindOCR, vlm.KindRules:
			b = &vlm.Backend{Kind: name}
		default:
			where := "no configuration file (give one with --config FILE or $" + EnvVar + ")"
			switch {
			case c.Path != "":
				where = c.Path
			case c.Looked != "":
				where = "no configuration file at " + c.Looked + " (write one there, or give --config FILE or $" + EnvVar + ")"
			}
			configured := strings.Join(c.BackendNames(), ", ")
			if configured == "" {
				configured = "none"
			}
			return nil, fmt.Errorf("no backend %q in %s; configured: %s; built in: ocr, rules", name, where, configured)
		}
	}
	cp := *b
	cp.Name = name
	if err := cp.Normalize(); err != nil {
		if c.Path != "" {
			return nil, fmt.Errorf("config %s: %w", c.Path, err)
		}
		return nil, err
	}
	return &cp, nil
}

// Generator returns the named generator with its defaults filled in ("procedural" exists without
// configuration).
func (c Config) Generator(name string) (*generate.Config, error) {
	g, ok := c.Generators[name]
	if !ok {
		if name != generate.KindProcedural {
			var names []string
			for n := range c.Generators {
				names = append(names, n)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("no generator %q (configured: %s; built in: procedural)", name, strings.Join(names, ", "))
		}
		g = &generate.Config{Kind: generate.KindProcedural}
	}
	cp := *g
	cp.Name = name
	if err := cp.Normalize(); err != nil {
		if c.Path != "" {
			return nil, fmt.Errorf("config %s: %w", c.Path, err)
		}
		return nil, err
	}
	return &cp, nil
}

// BackendNames lists the configured backends, sorted.
func (c Config) BackendNames() []string {
	names := make([]string, 0, len(c.Backends))
	for n := range c.Backends {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Default is the configuration without a file.
func Default() Config { return Config{} }

// Path resolves the configuration file's path and whether it was named explicitly.
func Path(flag string, getenv func(string) string) (string, bool) {
	if flag != "" {
		return flag, true
	}
	if p := getenv(EnvVar); p != "" {
		return p, true
	}
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			return "", false
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "loupe", "loupe.toml"), false
}

// Load reads the file at path; when it does not exist and was not named, the defaults.
func Load(path string, named bool) (Config, error) {
	c := Default()
	if path == "" {
		return c, nil
	}
	md, err := toml.DecodeFile(path, &c)
	if errors.Is(err, fs.ErrNotExist) && !named {
		c = Default()
		c.Looked = path
		return c, nil
	}
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return c, fmt.Errorf("config %s: line %d: %s", path, pe.Position.Line, pe.Message)
		}
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	for _, k := range md.Undecoded() {
		if len(k) > 3 && (k[0] == "backends" || k[0] == "generators") && k[2] == "extra" {
			continue // extra request fields are free-form (the decoder reports nested ones as unused)
		}
		return c, fmt.Errorf("config %s: unknown setting %q", path, k.String())
	}
	c.Path = path
	for _, n := range c.BackendNames() {
		if _, err := c.Backend(n); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Read resolves and loads the configuration in one step.
func Read(flag string) (Config, error) {
	p, named := Path(flag, os.Getenv)
	return Load(p, named)
}
