package serve

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

func testKey(t testing.TB) (gossh.PublicKey, string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k)))
}

func TestParseAnnotators(t *testing.T) {
	k1, a1 := testKey(t)
	k2, a2 := testKey(t)
	k3, _ := testKey(t)
	file := "# team\n\nana " + a1 + " ana@laptop queues=audit,demo\n  # lead\nlee " + a2 + " role=lead\n"
	a, err := ParseAnnotators(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != 2 {
		t.Fatalf("%d keys", a.Len())
	}
	ana, ok := a.Lookup(k1)
	if !ok || ana.Name != "ana" || ana.Role != RoleAnnotator || strings.Join(ana.Queues, ",") != "audit,demo" || ana.Line != 3 {
		t.Errorf("ana: %+v", ana)
	}
	lee, ok := a.Lookup(k2)
	if !ok || lee.Name != "lee" || lee.Role != RoleLead || len(lee.Queues) != 0 {
		t.Errorf("lee: %+v", lee)
	}
	if _, ok := a.Lookup(k3); ok {
		t.Error("an unknown key was found")
	}
	if _, ok := a.Lookup(nil); ok {
		t.Error("a nil key was found")
	}
}

func TestParseAnnotatorsBadLines(t *testing.T) {
	_, a1 := testKey(t)
	for _, c := range []struct{ file, want string }{
		{"ana\n", "line 1"},
		{"# x\nana ssh-ed25519\n", "line 2"},
		{"ana ssh-ed25519 AAAAnotbase64!!\n", "line 1: ana's key"},
		{"ana ssh-rsa " + strings.Fields(a1)[1] + "\n", "line 1: ana's key"},
		{"an/a " + a1 + "\n", "line 1: name"},
		{"ana " + a1 + " role=boss\n", `line 1: role="boss"`},
		{"ana " + a1 + " queues=a,,b\n", "line 1: queues"},
		{"ana " + a1 + " colour=red\n", `line 1: unknown option "colour"`},
		{"ana " + a1 + " role=lead role=lead\n", "line 1: role given twice"},
		{"ana " + a1 + "\n\nben " + a1 + "\n", "line 3: the same key as line 1 (ana)"},
		{"ana " + a1 + " " + strings.Repeat("x", maxLine) + "\n", "line 1: longer than"},
		{strings.Repeat("x", 65) + " " + a1 + "\n", "line 1: name"},
	} {
		_, err := ParseAnnotators(strings.NewReader(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.60q: error %v, want %q", c.file, err, c.want)
		}
	}
}

func TestAnnotatorsFileReload(t *testing.T) {
	k1, a1 := testKey(t)
	k2, a2 := testKey(t)
	path := filepath.Join(t.TempDir(), "team.keys")
	if err := os.WriteFile(path, []byte("ana "+a1+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs []string
	f, err := loadAnnotatorsFile(path, func(format string, args ...any) { logs = append(logs, format) })
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.get().Lookup(k2); ok {
		t.Fatal("ben known before being added")
	}
	later := time.Now().Add(2 * time.Second)
	if err := os.WriteFile(path, []byte("ana "+a1+"\nben "+a2+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(path, later, later)
	if b, ok := f.get().Lookup(k2); !ok || b.Name != "ben" {
		t.Fatal("ben not known after the file changed")
	}
	// A broken file keeps the last good version.
	if err := os.WriteFile(path, []byte("ana "+a1+" role=boss\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	later = later.Add(2 * time.Second)
	os.Chtimes(path, later, later)
	if _, ok := f.get().Lookup(k1); !ok {
		t.Fatal("ana lost when the file broke")
	}
	if len(logs) == 0 {
		t.Error("the broken file was not reported")
	}
	// A missing file at start is an error.
	if _, err := loadAnnotatorsFile(path+".none", func(string, ...any) {}); err == nil {
		t.Error("a missing annotators file was accepted")
	}
}

func FuzzAnnotators(f *testing.F) {
	_, a1 := testKey(f)
	f.Add("ana " + a1 + " role=lead queues=a,b\n# c\n")
	f.Add("ana " + a1 + "\nben " + a1 + "\n")
	f.Add("x ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== role=\n")
	f.Add("\n\n#\n a b c d=e\n")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAnnotators(strings.NewReader(s))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		for _, an := range a.list {
			if checkName(an.Name) != nil || (an.Role != RoleAnnotator && an.Role != RoleLead) || an.Key == nil {
				t.Fatalf("accepted a bad entry %+v", an)
			}
			if got, ok := a.Lookup(an.Key); !ok || got.Name != an.Name {
				t.Fatalf("%s's key not found", an.Name)
			}
		}
	})
}
