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

func TestBackends(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "loupe.toml")
	os.WriteFile(p, []byte(`
[backends.gpt41]
kind = "openai"
model = "gpt-4.1-2025-04-14"
rpm = 500
tpm = 30000
timeout = "45s"

[backends.qwen]
kind = "vllm"
base_url = "http://gpu1:8000/v1"
model = "Qwen/Qwen2.5-VL-72B-Instruct"
concurrency = 64
[backends.qwen.extra]
mm_processor_kwargs = { max_pixels = 1254400 }
`), 0o644)
	c, err := Load(p, true)
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.Backend("gpt41")
	if err != nil || g.APIKeyEnv != "OPENAI_API_KEY" || g.Timeout.Seconds() != 45 || g.Profile != "gpt" || g.BaseURL != "https://api.openai.com/v1" {
		t.Errorf("gpt41: %+v %v", g, err)
	}
	q, err := c.Backend("qwen")
	if err != nil || q.Profile != "qwen" || q.Concurrency != 64 || q.Extra["mm_processor_kwargs"] == nil || q.Name != "qwen" {
		t.Errorf("qwen: %+v %v", q, err)
	}
	if b, err := c.Backend("rules"); err != nil || !b.Offline() {
		t.Errorf("rules: %v", err)
	}
	if _, err := c.Backend("nope"); err == nil || !strings.Contains(err.Error(), "gpt41, qwen") {
		t.Errorf("unknown backend: %v", err)
	}
	for _, tc := range []struct{ name, body, want string }{
		{"kind", "[backends.x]\nkind = \"gpt\"\nmodel = \"m\"\n", `backend "x": kind`},
		{"field", "[backends.x]\nkind = \"vllm\"\nmodle = \"m\"\n", `unknown setting "backends.x.modle"`},
		{"timeout", "[backends.x]\nkind = \"vllm\"\nmodel = \"m\"\ntimeout = \"soon\"\n", "not a duration"},
		{"key in url", "[backends.x]\nkind = \"vllm\"\nmodel = \"m\"\nbase_url = \"http://u:sk-1@h/v1\"\n", "credentials"},
	} {
		p := filepath.Join(dir, tc.name+".toml")
		os.WriteFile(p, []byte(tc.body), 0o644)
		if _, err := Load(p, true); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// An unknown backend's message names the file looked at and says when none is configured (it read
// "in no configuration file (configured: ; ...)").
func TestUnknownBackendMessage(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "loupe", "loupe.toml")
	c, err := Load(p, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Backend("nosuch")
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "configured: none") || strings.Contains(err.Error(), "configured: ;") {
		t.Fatalf("unknown backend: %v", err)
	}
}
