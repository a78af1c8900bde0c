package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte("annotator = \"ana\"\n[keys]\naccept = [\"a\", \"y\"]\n"), 0o644)
	c, err := Load(good, true)
	if err != nil || c.Annotator != "ana" || len(c.Keys["accept"]) != 2 || c.Path != good {
		t.Fatalf("%+v %v", c, err)
	}
	for _, tc := range []struct{ name, body, want string }{
		{"syntax", "annotator = \n", "line 1"},
		{"unknown", "annotater = \"x\"\n", `unknown setting "annotater"`},
		{"type", "annotator = 3\n", "annotator"},
	} {
		p := filepath.Join(dir, tc.name+".toml")
		os.WriteFile(p, []byte(tc.body), 0o644)
		if _, err := Load(p, true); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "none.toml"), true); err == nil {
		t.Error("a named missing file was accepted")
	}
	if c, err := Load(filepath.Join(dir, "none.toml"), false); err != nil || c.Path != "" {
		t.Errorf("default missing file: %+v %v", c, err)
	}
	env := map[string]string{"HOME": "/h"}
	get := func(k string) string { return env[k] }
	if p, named := Path("", get); p != "/h/.config/loupe/loupe.toml" || named {
		t.Errorf("default path %s %v", p, named)
	}
	env[EnvVar] = "/etc/l.toml"
	if p, named := Path("", get); p != "/etc/l.toml" || !named {
		t.Errorf("env path %s", p)
	}
	if p, _ := Path("/x.toml", get); p != "/x.toml" {
		t.Errorf("flag path %s", p)
	}
}
