package cli

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/internal/config"
	"github.com/loupe-dev/loupe/judge"
	"github.com/loupe-dev/loupe/vlm"
	"github.com/spf13/cobra"
)

func newBackendsCmd(g *globals) *cobra.Command {
	var cfgPath string
	cmd := &cobra.Command{
		Use:   "backends",
		Short: "The judge and model backends of the configuration file",
	}
	cmd.PersistentFlags().StringVar(&cfgPath, "config", "", "configuration file (default: $"+config.EnvVar+", else ~/.config/loupe/loupe.toml)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the configured backends (and the built-in offline judges)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Read(cfgPath)
			if err != nil {
				return err
			}
			var bs []*vlm.Backend
			for _, n := range append(cfg.BackendNames(), vlm.KindOCR, vlm.KindRules) {
				if _, ok := cfg.Backends[n]; ok && (n == vlm.KindOCR || n == vlm.KindRules) && len(bs) > 0 && bs[len(bs)-1].Name == n {
					continue
				}
				b, err := cfg.Backend(n)
				if err != nil {
					return err
				}
				bs = append(bs, b)
			}
			if g.json {
				return g.printJSON(bs)
			}
			for _, b := range bs {
				if b.Offline() {
					fmt.Fprintf(g.out, "%-14s %-9s offline judge (not a VLM)\n", Clean(b.Name), b.Kind)
					continue
				}
				key := "no key"
				if b.APIKeyEnv != "" {
					key = "key from $" + b.APIKeyEnv
				}
				fmt.Fprintf(g.out, "%-14s %-9s %s  %s  profile %s, concurrency %d, %s\n", Clean(b.Name), b.Kind, Clean(b.Model),
					Clean(strings.Join(b.URLs(), ", ")), b.Profile, b.Concurrency, Clean(key))
			}
			return nil
		},
	}
	test := &cobra.Command{
		Use:   "test NAME",
		Short: "Send one tiny request of each kind and report what works (text, image input, JSON schema)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Read(cfgPath)
			if err != nil {
				return err
			}
			b, err := cfg.Backend(args[0])
			if err != nil {
				return err
			}
			results, err := probeBackend(cmd.Context(), b)
			if err != nil {
				return err
			}
			if g.json {
				return g.printJSON(map[string]any{"backend": b.Name, "checks": results})
			}
			failed := 0
			fmt.Fprintf(g.out, "%s (%s, %s at %s)\n", Clean(b.Name), b.Kind, Clean(b.Model), Clean(strings.Join(b.URLs(), ", ")))
			for _, r := range results {
				mark := "ok  "
				if !r.OK {
					mark = "FAIL"
					failed++
				}
				lat := ""
				if r.Latency > 0 {
					lat = fmt.Sprintf(" (%s)", r.Latency.Round(time.Millisecond))
				}
				fmt.Fprintf(g.out, "  %s %-12s %s%s\n", mark, r.Check, Clean(r.Detail), lat)
			}
			if failed > 0 {
				return fmt.Errorf("%d of %s failed", failed, plural(len(results), "check"))
			}
			return nil
		},
	}
	cmd.AddCommand(list, test)
	return cmd
}

// probeBackend checks a backend: three tiny requests for HTTP backends; the tools for offline judges.
func probeBackend(ctx context.Context, b *vlm.Backend) ([]vlm.ProbeResult, error) {
	switch b.Kind {
	case vlm.KindOCR:
		path, err := exec.LookPath("tesseract")
		if err != nil {
			return []vlm.ProbeResult{{Check: "tesseract", Detail: judge.ErrNoTesseract.Error()}}, nil
		}
		out, _ := exec.CommandContext(ctx, path, "--version").CombinedOutput()
		ver := strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0]
		langs, _ := exec.CommandContext(ctx, path, "--list-langs").CombinedOutput()
		detail := ver + "; languages: " + strings.Join(strings.Fields(strings.SplitN(string(langs), "\n", 2)[min(1, strings.Count(string(langs), "\n"))]), " ")
		return []vlm.ProbeResult{{Check: "tesseract", OK: true, Detail: detail}}, nil
	case vlm.KindRules:
		return []vlm.ProbeResult{{Check: "rules", OK: true, Detail: "built in, deterministic, no model"}}, nil
	}
	c, err := vlm.NewClient(b, nil)
	if err != nil {
		return nil, err
	}
	c.DownGrace = 0 // a test says at once that a server refuses connections; a run waits a few seconds
	return c.Probe(ctx), nil
}
