package provenance

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
)

// testKeys makes an Ed25519 key pair for the test.
func testKeys(t *testing.T) (attest.Signer, *attest.PublicKey) {
	t.Helper()
	priv, pub, err := attest.GenerateKey(attest.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	s, err := attest.ParseSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := attest.ParsePublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

// readStatements verifies every envelope of the bundle with pub and returns
// the statements with their SLSA predicates.
func readStatements(t *testing.T, bundle string, pub *attest.PublicKey) ([]*attest.Statement, []*slsa1.Provenance) {
	t.Helper()
	entries, err := attest.ReadBundleFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	var sts []*attest.Statement
	var preds []*slsa1.Provenance
	for _, e := range entries {
		if e.Err != nil {
			t.Fatalf("%s: %v", e.Source, e.Err)
		}
		v, err := attest.VerifyEnvelope(context.Background(), e.Envelope, []*attest.PublicKey{pub}, 1)
		if err != nil {
			t.Fatalf("%s: %v", e.Source, err)
		}
		st, err := attest.ParseStatement(v.PayloadType, v.Payload)
		if err != nil {
			t.Fatalf("%s: %v", e.Source, err)
		}
		var p slsa1.Provenance
		if err := fromStruct(st.GetPredicate(), &p); err != nil {
			t.Fatal(err)
		}
		sts = append(sts, st)
		preds = append(preds, &p)
	}
	return sts, preds
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dsseWriter appends to the JSON Lines bundle at path.
func dsseWriter(path string, s attest.Signer) attest.Writer {
	w, err := attest.NewDSSEWriter(path, s)
	if err != nil {
		panic(err)
	}
	return w
}

// baseRequest is a local build in a directory that is not a git checkout.
func baseRequest(signer attest.Signer, step string, cmd ...string) RunRequest {
	return RunRequest{
		Writer: dsseWriter("build.intoto.jsonl", signer), Step: step, Command: cmd,
		Environ: []string{"PATH=" + os.Getenv("PATH"), "HOME=/nonexistent", "UNNAMED=do-not-record"},
		Git:     fakeGit{err: ErrNoCheckout},
		Stdout:  &bytes.Buffer{}, Stderr: &bytes.Buffer{},
		Version: "test",
	}
}

// TestRunTwoStepChain: compile then package, appended to one bundle; the
// second step's materials carry the digests the first step's subjects do.
func TestRunTwoStepChain(t *testing.T) {
	t.Chdir(t.TempDir())
	signer, pub := testKeys(t)
	write(t, "src/main.c", "int main(void) { return 0; }\n")
	write(t, "src/util.c", "int util;\n")

	compile := baseRequest(signer, "compile", "sh", "-c", "mkdir -p build && cat src/*.c > build/app.o && echo compiled")
	compile.Materials = []string{"src"}
	compile.Products = []string{"build"}
	r1, err := Run(context.Background(), compile)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	if got := compile.Stdout.(*bytes.Buffer).String(); got != "compiled\n" {
		t.Errorf("the command's stdout = %q, want it passed through", got)
	}
	if r1.ExitCode != 0 || len(r1.Products) != 1 || r1.Products[0].Name != "build/app.o" {
		t.Fatalf("compile result: exit %d, products %v", r1.ExitCode, r1.Products)
	}

	pack := baseRequest(signer, "package", "sh", "-c", "mkdir -p dist && tar -cf dist/app.tar build/app.o")
	pack.Materials = []string{"build/app.o"}
	pack.Products = []string{"dist/*.tar"}
	if _, err := Run(context.Background(), pack); err != nil {
		t.Fatalf("package: %v", err)
	}

	sts, preds := readStatements(t, "build.intoto.jsonl", pub)
	if len(sts) != 2 {
		t.Fatalf("bundle has %d statements, want 2", len(sts))
	}
	var steps []string
	for _, p := range preds {
		ext := p.GetBuildDefinition().GetExternalParameters().AsMap()
		steps = append(steps, ext["step"].(string))
		if got := p.GetBuildDefinition().GetBuildType(); got != BuildTypeRun {
			t.Errorf("buildType = %s, want %s", got, BuildTypeRun)
		}
		if got := p.GetRunDetails().GetBuilder().GetId(); got != LocalBuilderID {
			t.Errorf("builder.id = %s, want %s", got, LocalBuilderID)
		}
	}
	if want := []string{"compile", "package"}; !reflect.DeepEqual(steps, want) {
		t.Errorf("steps = %v, want %v", steps, want)
	}
	// compile's materials are src/*.c.
	var mats []string
	for _, d := range preds[0].GetBuildDefinition().GetResolvedDependencies() {
		mats = append(mats, d.GetName())
	}
	if want := []string{"src/main.c", "src/util.c"}; !reflect.DeepEqual(mats, want) {
		t.Errorf("compile materials = %v, want %v", mats, want)
	}
	// The chain: package's material build/app.o is compile's subject.
	product := sts[0].GetSubject()[0]
	material := preds[1].GetBuildDefinition().GetResolvedDependencies()[0]
	if product.GetName() != material.GetName() || product.GetDigest()["sha256"] != material.GetDigest()["sha256"] || product.GetDigest()["sha256"] == "" {
		t.Errorf("chain broken: compile made %s %v, package used %s %v", product.GetName(), product.GetDigest(), material.GetName(), material.GetDigest())
	}
	if got := sts[1].GetSubject()[0].GetName(); got != "dist/app.tar" {
		t.Errorf("package subject = %s, want dist/app.tar", got)
	}
	// The summary that verification reads.
	sum, err := Read(sts[1])
	if err != nil || sum.BuilderID != LocalBuilderID || sum.BuildType != BuildTypeRun {
		t.Errorf("Summarize = %+v, %v", sum, err)
	}
}

func TestRunRecordsOnlyNamedEnv(t *testing.T) {
	t.Chdir(t.TempDir())
	signer, pub := testKeys(t)
	req := baseRequest(signer, "build", "sh", "-c", `mkdir -p out && printf '%s' "$GOOS" > out/x`)
	req.Environ = append(req.Environ, "GOOS=plan9")
	req.Env = []string{"GOOS", "NOT_SET"}
	req.Products = []string{"out"}
	if _, err := Run(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	_, preds := readStatements(t, req.Writer.Destination(), pub)
	got := preds[0].GetBuildDefinition().GetInternalParameters().AsMap()
	want := map[string]any{"env": map[string]any{"GOOS": "plan9", "NOT_SET": nil}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("internalParameters = %v, want %v", got, want)
	}
	raw, _ := os.ReadFile(req.Writer.Destination())
	entries, _ := attest.ReadBundleFile(req.Writer.Destination())
	payload := string(entries[0].Envelope.Payload) + string(raw)
	for _, leaked := range []string{"do-not-record", "UNNAMED", "/nonexistent"} {
		if strings.Contains(payload, leaked) {
			t.Errorf("the statement contains %q from an environment variable not named with --env", leaked)
		}
	}
}

func TestRunRefusesSecretsBeforeRunning(t *testing.T) {
	t.Chdir(t.TempDir())
	signer, _ := testKeys(t)
	token := "glpat-" + strings.Repeat("Ab3", 8)
	tests := []struct {
		name    string
		env     []string
		environ []string
		cmd     []string
		want    string
	}{
		{"secret name", []string{"GITHUB_TOKEN"}, []string{"GITHUB_TOKEN=x"}, nil, "environment variable GITHUB_TOKEN: refused"},
		{"secret name, unset", []string{"API_KEY"}, nil, nil, "environment variable API_KEY: refused"},
		{"secret value", []string{"BUILD_LABEL"}, []string{"BUILD_LABEL=" + token}, nil, "a GitLab token"},
		{"secret argument", nil, nil, []string{"sh", "-c", "touch ran", token}, "argument 3 of the command"},
	}
	for _, tt := range tests {
		req := baseRequest(signer, "build", "sh", "-c", "touch ran")
		if tt.cmd != nil {
			req.Command = tt.cmd
		}
		req.Env = tt.env
		req.Environ = append(req.Environ, tt.environ...)
		req.Products = []string{"."}
		_, err := Run(context.Background(), req)
		if err == nil || !errors.Is(err, ErrSecret) || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want an input error saying %q", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), token) {
			t.Errorf("%s: the error repeats the secret", tt.name)
		}
		if _, err := os.Stat("ran"); err == nil {
			t.Errorf("%s: the command ran", tt.name)
		}
		if _, err := os.Stat(req.Writer.Destination()); err == nil {
			t.Errorf("%s: a bundle was written", tt.name)
		}
	}
}

func TestRunExitStatus(t *testing.T) {
	t.Chdir(t.TempDir())
	signer, _ := testKeys(t)
	tests := []struct {
		cmd    []string
		code   int
		signal syscall.Signal
		msg    string
	}{
		{[]string{"sh", "-c", "mkdir -p out; touch out/x; exit 3"}, 3, 0, "command exited with status 3; no attestation written"},
		{[]string{"false"}, 1, 0, "command exited with status 1"},
		{[]string{"sh", "-c", "mkdir -p out; touch out/y; kill -TERM $$"}, 128 + 15, syscall.SIGTERM, "command killed by signal 15 (terminated)"},
	}
	for _, tt := range tests {
		req := baseRequest(signer, "build", tt.cmd...)
		req.Products = []string{"out"}
		res, err := Run(context.Background(), req)
		ce, ok := errors.AsType[*CommandError](err)
		if !ok {
			t.Errorf("%q: err = %v, want a *CommandError", tt.cmd, err)
			continue
		}
		if ce.ExitCode != tt.code || ce.Signal != tt.signal || res.ExitCode != tt.code || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%q: %v (code %d, signal %d, result %d), want code %d, signal %d, %q", tt.cmd, err, ce.ExitCode, ce.Signal, res.ExitCode, tt.code, tt.signal, tt.msg)
		}
		if _, err := os.Stat(req.Writer.Destination()); err == nil {
			t.Errorf("%q: a failed command wrote an attestation", tt.cmd)
		}
	}
}

func TestRunCannotStart(t *testing.T) {
	t.Chdir(t.TempDir())
	signer, _ := testKeys(t)
	write(t, "not-executable", "#!/bin/sh\n")
	tests := []struct{ cmd, want string }{
		{"provenant-no-such-command", `cannot start "provenant-no-such-command": executable file not found in $PATH`},
		{"./not-executable", `cannot start "./not-executable": permission denied`},
		{"./missing", `cannot start "./missing": no such file or directory`},
	}
	for _, tt := range tests {
		req := baseRequest(signer, "build", tt.cmd)
		req.Products = []string{"."}
		res, err := Run(context.Background(), req)
		se, ok := errors.AsType[*StartError](err)
		if !ok || err.Error() != tt.want || res != nil {
			t.Errorf("Run(%s) = %v, %v; want a *StartError %q", tt.cmd, res, err, tt.want)
		} else if se.Command != tt.cmd {
			t.Errorf("StartError.Command = %q, want %q", se.Command, tt.cmd)
		}
	}
}

func TestRunForwardsSignals(t *testing.T) {
	t.Chdir(t.TempDir())
	signer, _ := testKeys(t)
	sigs := make(chan os.Signal, 1)
	req := baseRequest(signer, "build", "sh", "-c", `trap 'exit 42' TERM; touch ready; while :; do sleep 0.02; done`)
	req.Products = []string{"."}
	req.Signals = sigs
	go func() {
		for i := 0; i < 500; i++ {
			if _, err := os.Stat("ready"); err == nil {
				sigs <- syscall.SIGTERM
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	_, err := Run(context.Background(), req)
	if ce, ok := errors.AsType[*CommandError](err); !ok || ce.ExitCode != 42 {
		t.Errorf("err = %v, want the command's own exit 42 after SIGTERM was forwarded", err)
	}
}

func TestRunProducts(t *testing.T) {
	t.Chdir(t.TempDir())
	signer, pub := testKeys(t)
	write(t, "outside/secret.txt", "not a product")
	write(t, "out/untouched", "old")
	write(t, "out/edited", "old")
	req := baseRequest(signer, "build", "sh", "-c",
		"echo new > out/edited && echo n > out/new && ln -s ../outside/secret.txt out/link && ln -s new out/inner")
	req.Products = []string{"out"}
	req.Writer = dsseWriter("out/build.intoto.jsonl", signer) // under the products: never one of them
	if _, err := Run(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	sts, _ := readStatements(t, req.Writer.Destination(), pub)
	var got []string
	for _, s := range sts[0].GetSubject() {
		d := s.GetName()
		if s.GetMediaType() != "" {
			d += " " + s.GetMediaType() + " -> " + s.GetAnnotations().AsMap()["linkTarget"].(string)
		}
		got = append(got, d)
	}
	sort.Strings(got)
	want := []string{"out/edited", "out/inner", "out/link inode/symlink -> ../outside/secret.txt", "out/new"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("subjects = %q, want %q", got, want)
	}

	// A second run that changes nothing has nothing to attest.
	req.Command = []string{"true"}
	_, err := Run(context.Background(), req)
	if !errors.Is(err, ErrNoProducts) {
		t.Errorf("nothing changed: err = %v, want ErrNoProducts", err)
	}
	// A product path that the command did not make.
	req.Products = []string{"dist/app"}
	if _, err := Run(context.Background(), req); err == nil || !strings.Contains(err.Error(), "dist/app: no such file or directory") {
		t.Errorf("missing product: err = %v", err)
	}
}

func TestRunInputErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	signer, _ := testKeys(t)
	tests := []struct {
		name   string
		change func(*RunRequest)
		want   string
	}{
		{"no writer", func(r *RunRequest) { r.Writer = nil }, "no writer"},
		{"bad step", func(r *RunRequest) { r.Step = "two words" }, `step name "two words"`},
		{"empty step", func(r *RunRequest) { r.Step = "" }, `step name ""`},
		{"no command", func(r *RunRequest) { r.Command = nil }, "no command"},
		{"no products", func(r *RunRequest) { r.Products = nil }, "no products"},
		{"missing material", func(r *RunRequest) { r.Materials = []string{"src"} }, "materials: src: no such file or directory"},
		{"pattern matches nothing", func(r *RunRequest) { r.Materials = []string{"*.c"} }, "materials: *.c: no file matches"},
		{"incomplete CI", func(r *RunRequest) { r.Environ = []string{"GITHUB_ACTIONS=true"} }, "GitHub Actions detected"},
	}
	for _, tt := range tests {
		req := baseRequest(signer, "build", "sh", "-c", "touch ran")
		req.Products = []string{"."}
		tt.change(&req)
		_, err := Run(context.Background(), req)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want an input error with %q", tt.name, err, tt.want)
		}
		if _, err := os.Stat("ran"); err == nil {
			t.Errorf("%s: the command ran", tt.name)
			if err := os.Remove("ran"); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestRunGitHubContext(t *testing.T) {
	t.Chdir(t.TempDir())
	signer, pub := testKeys(t)
	req := baseRequest(signer, "build", "sh", "-c", "echo x > app")
	for k, v := range githubEnv() {
		req.Environ = append(req.Environ, k+"="+v)
	}
	req.Products = []string{"app"}
	// The workspace is the repository root: the working directory is
	// recorded relative to it.
	wd, _ := os.Getwd()
	req.Environ = append(req.Environ, "GITHUB_WORKSPACE="+filepath.Dir(wd))
	if _, err := Run(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	sts, preds := readStatements(t, req.Writer.Destination(), pub)
	p := preds[0]
	ext := p.GetBuildDefinition().GetExternalParameters().AsMap()
	if got, want := ext["source"], "git+https://github.com/octo/app@refs/tags/v1.2.0"; got != want {
		t.Errorf("externalParameters.source = %v, want %v", got, want)
	}
	if got, want := ext["workdir"], filepath.Base(wd); got != want {
		t.Errorf("externalParameters.workdir = %v, want %v", got, want)
	}
	dep := p.GetBuildDefinition().GetResolvedDependencies()[0]
	if dep.GetUri() != ext["source"] || dep.GetDigest()["gitCommit"] != sha1 {
		t.Errorf("resolvedDependencies[0] = %v, want the source at %s", dep, sha1)
	}
	if got := p.GetRunDetails().GetMetadata().GetInvocationId(); !strings.Contains(got, "/runs/987654321/") {
		t.Errorf("invocationId = %s, want the run id in it", got)
	}
	internal := p.GetBuildDefinition().GetInternalParameters().AsMap()
	if gh, _ := internal["github"].(map[string]any); gh["event_name"] != "push" || gh["runner_environment"] != "github-hosted" {
		t.Errorf("internalParameters.github = %v", internal["github"])
	}
	sum, err := Read(sts[0])
	if err != nil || sum.Source != "git+https://github.com/octo/app@refs/tags/v1.2.0" || sum.BuilderID != "https://github.com/actions/runner/github-hosted" {
		t.Errorf("Summarize = %+v, %v", sum, err)
	}
	bp := p.GetRunDetails().GetByproducts()
	if len(bp) != 1 || bp[0].GetAnnotations().AsMap()["exitStatus"] != 0.0 {
		t.Errorf("byproducts = %v, want the exit status", bp)
	}
}

func TestRunLocalDirtyIsRecorded(t *testing.T) {
	t.Chdir(t.TempDir())
	signer, pub := testKeys(t)
	wd, _ := os.Getwd()
	req := baseRequest(signer, "build", "sh", "-c", "echo x > app")
	req.Git = fakeGit{co: &Checkout{Root: wd, Remote: "https://example.com/o/r", Commit: sha1, Ref: "refs/heads/main", Dirty: true}}
	req.Products = []string{"app"}
	if _, err := Run(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	_, preds := readStatements(t, req.Writer.Destination(), pub)
	dep := preds[0].GetBuildDefinition().GetResolvedDependencies()[0]
	if dep.GetUri() != "git+https://example.com/o/r@refs/heads/main" || dep.GetAnnotations().AsMap()["dirty"] != true {
		t.Errorf("source = %v, want it marked dirty", dep)
	}
	if got := preds[0].GetBuildDefinition().GetExternalParameters().AsMap()["workdir"]; got != "." {
		t.Errorf("workdir = %v, want .", got)
	}
}

// TestRunControlCharactersStayJSON: a multi-line script (and a file name
// with a tab) must give a bundle that parses, with the strings intact.
func TestRunControlCharactersStayJSON(t *testing.T) {
	t.Chdir(t.TempDir())
	signer, pub := testKeys(t)
	script := "set -e\nmkdir -p out\nprintf x > 'out/tab\there'\n"
	req := baseRequest(signer, "build", "sh", "-c", script, "\x01")
	req.Products = []string{"out"}
	if _, err := Run(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	sts, preds := readStatements(t, req.Writer.Destination(), pub)
	cmd := preds[0].GetBuildDefinition().GetExternalParameters().AsMap()["command"].([]any)
	if cmd[2] != script || cmd[3] != "\x01" {
		t.Errorf("command = %q, want the script and \\x01 intact", cmd)
	}
	if got := sts[0].GetSubject()[0].GetName(); got != "out/tab\there" {
		t.Errorf("subject = %q", got)
	}
}

// TestRunRefusesUnsafeBundleBeforeRunning: a bundle path that is a link, a
// directory or a file that is not a bundle is an input error before the
// command runs, and Attest refuses it before hashing (issue 13, item 14).
func TestRunRefusesUnsafeBundleBeforeRunning(t *testing.T) {
	t.Chdir(t.TempDir())
	signer, _ := testKeys(t)
	write(t, "release.key", "-----BEGIN PRIVATE KEY-----\nSECRET\n-----END PRIVATE KEY-----\n")
	write(t, "notes.txt", "not a bundle\n")
	write(t, "app.bin", "the app\n")
	if err := os.Symlink("release.key", "link.intoto.jsonl"); err != nil {
		t.Skip("no symbolic links:", err)
	}
	attesttest.Mkdir(t, "dir.intoto.jsonl")
	for _, bundle := range []string{"link.intoto.jsonl", "notes.txt", "dir.intoto.jsonl", "release.key"} {
		req := baseRequest(signer, "build", "sh", "-c", "touch ran")
		req.Writer = dsseWriter(bundle, signer)
		req.Products = []string{"."}
		_, err := Run(context.Background(), req)
		if !errors.Is(err, ErrInput) || !errors.Is(err, attest.ErrUnsafeDestination) {
			t.Errorf("Run(--bundle %s) = %v, want ErrInput and ErrUnsafeDestination", bundle, err)
		}
		if _, err := os.Stat("ran"); err == nil {
			t.Errorf("Run(--bundle %s): the command ran", bundle)
			if err := os.Remove("ran"); err != nil {
				t.Fatal(err)
			}
		}
		_, err = Attest(context.Background(), AttestRequest{Writer: dsseWriter(bundle, signer), Artifacts: []string{"app.bin"}})
		if !errors.Is(err, ErrInput) || !errors.Is(err, attest.ErrUnsafeDestination) {
			t.Errorf("Attest(--bundle %s) = %v, want ErrInput and ErrUnsafeDestination", bundle, err)
		}
	}
	if data, _ := os.ReadFile("release.key"); !strings.Contains(string(data), "SECRET") || strings.Contains(string(data), "payload") {
		t.Errorf("release.key changed: %q", data)
	}
	if target, err := os.Readlink("link.intoto.jsonl"); err != nil || target != "release.key" {
		t.Errorf("the link is gone or changed: %q %v", target, err)
	}
}

// TestRunRedactsSecrets: the recorded command has the credentials of
// item 16 redacted, a git remote whose password url.Parse rejects is
// recorded without it, a secret-looking variable is recorded only when
// allowed on purpose, and the notes say so without a value.
func TestRunRedactsSecrets(t *testing.T) {
	t.Chdir(t.TempDir())
	signer, pub := testKeys(t)
	req := baseRequest(signer, "build", "sh", "-c", `mkdir -p out && echo x > out/x`, "sh",
		"--token=s3cr3t-A", "--password", "s3cr3t-B", "Authorization: Bearer s3cr3t-C",
		"https://deploy:p/s3cr3t-D@git.example.com/o/r", "DATABASE_URL=postgres://app:s3cr3t-E@db/x")
	req.Products = []string{"out"}
	req.Git = fakeGit{co: &Checkout{Root: ".", Remote: "https://ci:p/s3cr3t-F@git.example.com/team/app.git", Commit: sha1, Ref: "refs/heads/main"}}
	req.Environ = append(req.Environ, "MYSQL_PWD=s3cr3t-G", "PUBLISHED_KEY=not-really-secret")
	req.EnvAllowSecret = []string{"PUBLISHED_KEY"}
	res, err := Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(req.Writer.Destination())
	sts, preds := readStatements(t, req.Writer.Destination(), pub)
	payload, _ := attest.MarshalStatement(sts[0])
	all := string(raw) + string(payload) + strings.Join(res.Notes, "\n") + res.Context.Source.URI
	if strings.Contains(all, "s3cr3t") {
		t.Errorf("a secret is recorded or reported:\n%s", payload)
	}
	ext := preds[0].GetBuildDefinition().GetExternalParameters().AsMap()
	var cmd []string
	for _, a := range ext["command"].([]any) {
		cmd = append(cmd, a.(string))
	}
	want := []string{"sh", "-c", `mkdir -p out && echo x > out/x`, "sh", "--token=***", "--password", "***", "Authorization: Bearer ***",
		"https://***@git.example.com/o/r", "DATABASE_URL=postgres://***@db/x"}
	if !reflect.DeepEqual(cmd, want) {
		t.Errorf("recorded command = %q, want %q", cmd, want)
	}
	if got := ext["source"]; got != "git+https://git.example.com/team/app.git@refs/heads/main" {
		t.Errorf("source = %v, want the remote without its credentials", got)
	}
	env := preds[0].GetBuildDefinition().GetInternalParameters().AsMap()["env"].(map[string]any)
	if env["PUBLISHED_KEY"] != "not-really-secret" || len(env) != 1 {
		t.Errorf("env = %v, want PUBLISHED_KEY only", env)
	}
	if len(res.Notes) != 6 || !strings.Contains(strings.Join(res.Notes, "\n"), "PUBLISHED_KEY is recorded on purpose") {
		t.Errorf("notes = %q, want five redactions and the variable recorded on purpose", res.Notes)
	}

	// Without the allowance, the same variable is refused; so is MYSQL_PWD.
	for _, name := range []string{"PUBLISHED_KEY", "MYSQL_PWD"} {
		req.EnvAllowSecret, req.Env = nil, []string{name}
		if _, err := Run(context.Background(), req); !errors.Is(err, ErrSecret) {
			t.Errorf("--env %s: err = %v, want ErrSecret", name, err)
		}
	}
}
