package main

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/layout"
)

// TestHints: each error the libraries mark gets the flag that acts on it,
// through any wrapping; other errors get none.
func TestHints(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("b.jsonl:1: %w", &policy.SignatureError{Err: err}) }
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&attest.LimitError{Name: "envelopes", Max: 1, What: "too many"}, "raise it with --limit envelopes=N"},
		{wrap(&attest.LimitError{Name: "signature-checks", What: "stopped"}), "--limit signature-checks=N"},
		{wrap(policy.ErrNoIdentityPolicy), "give --certificate-identity"},
		{wrap(sigstore.ErrNoIdentity), "--certificate-oidc-issuer"},
		{wrap(policy.ErrNoTrust), "--trusted-root (certificates) or --key"},
		{wrap(sigstore.ErrNoRoot), "give --trusted-root"},
		{wrap(sigstore.ErrNoKey), "give --key"},
		{wrap(policy.ErrNoCARoots), "--ca-roots and --certificate-identity"},
		{wrap(policy.ErrNotSignature), "provenant verify --key"},
		{fmt.Errorf("verify-layout: %w: untar (tar xzf app.tar.gz)", layout.ErrInspectionsNotAllowed), "give --run-inspections"},
		{fmt.Errorf("verify-layout: %w: VERSION", layout.ErrMissingParameter), "give --param NAME=VALUE"},
		{wrap(sigstore.ErrNoTrustedTime), ""},
		{errors.New("anything else"), ""},
	} {
		got := hint(tt.err)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("hint(%v) = %q, want %q", tt.err, got, tt.want)
		}
		if e := explain(tt.err); got != "" && e != tt.err.Error()+"; "+got {
			t.Errorf("explain(%v) = %q", tt.err, e)
		}
	}
}

// TestLibrariesNameNoFlag: no message the libraries make (errors.New,
// any Errorf, fmt.Sprintf) names one of the CLI's flags; messages say what
// is wrong, and the CLI's hints say which flag acts on it.
func TestLibrariesNameNoFlag(t *testing.T) {
	flags := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) { flags[f.Name] = true })
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) { flags[f.Name] = true })
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRootCmd(streams{}))
	delete(flags, "help")
	fset := token.NewFileSet()
	for _, dir := range []string{"../../attest", "../../provenance", "../../policy"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			f, err := parser.ParseFile(fset, path, src, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || !makesMessage(call) {
					return true
				}
				for _, arg := range call.Args {
					lit, ok := arg.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						continue
					}
					for name := range flags {
						if i := strings.Index(s, "--"+name); i >= 0 && !continuesName(s[i+2+len(name):]) {
							t.Errorf("%s: %q names the CLI flag --%s", fset.Position(lit.Pos()), s, name)
						}
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// makesMessage says whether a call makes an error or a message:
// errors.New, fmt.Errorf, attest.Errorf, p.errorf, fmt.Sprintf.
func makesMessage(call *ast.CallExpr) bool {
	var name string
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		name = fn.Name
	case *ast.SelectorExpr:
		name = fn.Sel.Name
		if x, ok := fn.X.(*ast.Ident); ok && x.Name == "errors" && name == "New" {
			return true
		}
	}
	return strings.HasSuffix(strings.ToLower(name), "errorf") || name == "Sprintf"
}

// continuesName says whether a flag name goes on after a prefix ("--key"
// in "--key-id").
func continuesName(rest string) bool {
	return rest != "" && (rest[0] == '-' || rest[0] >= 'a' && rest[0] <= 'z')
}
