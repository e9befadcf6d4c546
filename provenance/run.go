package provenance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
)

// BuildTypeRun is the buildType of statements made by `provenant run`,
// documented in docs/buildtypes/run-v1.md.
const BuildTypeRun = "https://github.com/provenant/provenant/blob/main/docs/buildtypes/run-v1.md"

// Errors of Run besides ErrInput and ErrSecret.
var (
	// ErrNoProducts: the command succeeded but created or changed no file
	// under the product paths, so there is nothing to attest.
	ErrNoProducts = errors.New("no products")
	// ErrTestResultRequest: a test result asked for without materials,
	// or with products or a link.
	ErrTestResultRequest = errors.New("a test result needs materials and no products")
)

// StartError: the command could not be started (not found, not
// executable).
type StartError struct {
	Command string
	Err     error
}

func (e *StartError) Error() string {
	return fmt.Sprintf("cannot start %q: %v", e.Command, e.Err)
}

func (e *StartError) Unwrap() error { return e.Err }

// CommandError: the command ran and failed. No attestation is written.
type CommandError struct {
	// ExitCode is the command's exit status, or 128+N when it was killed
	// by signal N, the way shells report it.
	ExitCode int
	// Signal is the signal that killed it, if one did.
	Signal syscall.Signal
	// Recorded: a test result (RunRequest.TestResult) recorded the
	// failure as FAILED.
	Recorded bool
}

func (e *CommandError) Error() string {
	written := "no attestation written"
	if e.Recorded {
		written = "its test result, FAILED, was written"
	}
	if e.Signal != 0 {
		return fmt.Sprintf("command killed by signal %d (%s); %s", int(e.Signal), e.Signal, written)
	}
	return fmt.Sprintf("command exited with status %d; %s", e.ExitCode, written)
}

// RunRequest is everything `provenant run` needs. Relative paths are
// relative to the current directory, where the command runs too.
type RunRequest struct {
	// Writer signs the statement and records it (attest.DSSEWriter,
	// sigstore.BundleWriter). Its destination is checked before the
	// command runs and is never counted as a product.
	Writer attest.Writer
	// Step names the step (compile, package); recorded as
	// externalParameters.step.
	Step      string
	Materials []string // files, directories, globs hashed before the command
	Products  []string // files, directories, globs hashed after it
	// Env names environment variables whose values are recorded in
	// internalParameters.env. Nothing else of the environment is. A name
	// or value that looks like a secret is refused (CheckEnv).
	Env []string
	// EnvAllowSecret names variables recorded like Env but without the
	// secret checks: for a value that only looks like a secret, or one
	// that is meant to be published. It ends up in the signed
	// attestation as it is.
	EnvAllowSecret []string
	// Command is run as given and recorded with credentials redacted
	// (RedactCommand).
	Command []string
	// Environ is the environment the command runs with and the build
	// context is read from; nil means os.Environ().
	Environ []string
	// Git reads the checkout for a local build; nil means ExecGit.
	Git GitReader
	// The command's standard streams; nil ones are connected to the null
	// device.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Signals received here are forwarded to the command while it runs.
	Signals <-chan os.Signal
	// Progress, if set, is called while hashing: phase is "materials" or
	// "products".
	Progress func(phase string, p digest.Progress)
	// Version is provenant's version, recorded as the builder's.
	Version string
	// Built, if set, is called after the command succeeded and names
	// more products known by their digests (an image the command pushed,
	// by its manifest digest). With it, Products may be empty.
	Built func(ctx context.Context) ([]digest.Artifact, error)
	// Link, when set, also records the step as in-toto does: a link
	// predicate v0.3 statement signed into the bundle after the SLSA
	// provenance (through Writer), and the classic signed link file
	// <step>.<keyid8>.link that in-toto tools verify. Its products are
	// every file under Products after the command, not only the new or
	// changed ones. Its destination is checked before the command runs.
	Link *LinkWriter
	// BuilderID, when set, is the builder id recorded instead of
	// LocalBuilderID on a local build; on GitHub Actions and GitLab CI it
	// must be the platform's own (BuildContext.SetBuilderID).
	BuilderID string
	// TestResult records a step that produces nothing (tests, a lint, a
	// scan): its subjects are the materials, what it examined, and its
	// predicate is the in-toto test result v0.1, PASSED when the command
	// exits 0 and FAILED otherwise (written then too, before the
	// command's status is returned). Products and Link must be empty.
	TestResult bool
}

// RunResult says what happened.
type RunResult struct {
	Step      string
	ExitCode  int
	Started   time.Time
	Duration  time.Duration
	Context   *BuildContext
	Materials []digest.Entry
	// Products are the subjects: the files created or changed.
	Products []digest.Entry
	// Skipped lists files under materials or products that could not be
	// hashed (sockets, pipes, devices).
	Skipped   []digest.Skipped
	Bundle    string
	Statement *attest.Statement
	// Notes say what was redacted from the recorded command and which
	// secret-looking variables were recorded on purpose; never a value.
	Notes []string
	// Link is the in-toto link recorded (RunRequest.Link), and LinkFile
	// the classic link file written.
	Link     *Link
	LinkFile string
}

var stepName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`) })

// ValidStepName says whether s can name a step: 1 to 64 letters, digits,
// ".", "_" or "-", starting with a letter or digit.
func ValidStepName(s string) bool { return stepName().MatchString(s) }

// Run hashes the materials, runs the command, hashes the products, and
// signs one SLSA provenance v1 statement into the bundle, unless the
// command fails.
//
// Everything that can be checked before the command runs is (the inputs,
// the secrets, the build context, the materials): an error there is an
// ErrInput and the command never starts. A command that cannot start
// returns a *StartError; one that fails, a *CommandError (with the
// result); neither writes an attestation.
func Run(ctx context.Context, r RunRequest) (*RunResult, error) {
	if r.Writer == nil {
		return nil, inputErrorf("no writer: nowhere to sign the statement into")
	}
	if !ValidStepName(r.Step) {
		return nil, inputErrorf("step name %q: use 1 to 64 letters, digits, '.', '_' or '-'", r.Step)
	}
	if len(r.Command) == 0 || r.Command[0] == "" {
		return nil, inputErrorf("no command to run")
	}
	if len(r.Products) == 0 && r.Built == nil && !r.TestResult {
		return nil, inputErrorf("no products: SLSA provenance is about what a step makes")
	}
	// The destination must be writable before the command runs: a link,
	// a directory, a pipe, a file that is not a bundle (or, for a
	// Sigstore bundle, any existing file unless it may be replaced) is
	// refused now, not after the build.
	if err := r.Writer.Check(); err != nil {
		return nil, inputError(err)
	}
	if r.Link != nil {
		if err := r.Link.Check(r.Step); err != nil {
			return nil, inputError(err)
		}
	}
	command, redactions := RedactCommand(r.Command)
	if err := CheckArgs(command); err != nil {
		return nil, inputError(err)
	}
	var notes []string
	for _, red := range redactions {
		notes = append(notes, red.String())
	}
	environ := r.Environ
	if environ == nil {
		environ = os.Environ()
	}
	env := EnvMap(environ)
	recorded := map[string]any{}
	record := func(name string) {
		if value, set := env[name]; set {
			recorded[name] = value
		} else {
			recorded[name] = nil // named but unset: recorded as such
		}
	}
	for _, name := range r.Env {
		if slices.Contains(r.EnvAllowSecret, name) {
			continue
		}
		if err := CheckEnv(name, env[name]); err != nil {
			return nil, inputError(err)
		}
		record(name)
	}
	for _, name := range r.EnvAllowSecret {
		if err := checkEnvName(name); err != nil {
			return nil, inputError(err)
		}
		record(name)
		_, badName := SecretName(name)
		_, badValue := SecretValue(env[name])
		if badName || badValue {
			notes = append(notes, fmt.Sprintf("%s is recorded on purpose although it looks like a secret: its value is in the attestation", name))
		}
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	git := r.Git
	if git == nil {
		git = ExecGit{}
	}
	if r.TestResult && (len(r.Materials) == 0 || len(r.Products) > 0 || r.Link != nil || r.Built != nil) {
		return nil, inputErrorf("%w: a test result's subjects are what the step examined (materials), and it has no products or link", ErrTestResultRequest)
	}
	bc, err := DetectContext(ctx, env, cwd, git)
	if err != nil {
		return nil, inputError(err)
	}
	if err := bc.SetBuilderID(r.BuilderID); err != nil {
		return nil, inputError(err)
	}
	res := &RunResult{Step: r.Step, Context: bc, Bundle: r.Writer.Destination(), Notes: notes}

	var materials, before *digest.Tree
	if len(r.Materials) > 0 {
		if materials, err = hashTree(ctx, r.Materials, "materials", r.Progress); err != nil {
			return nil, inputErrorf("materials: %w", err)
		}
		res.Materials = materials.Entries
		res.Skipped = append(res.Skipped, materials.Skipped...)
	}
	if before, err = hashTree(ctx, r.Products, "", nil, digest.WithMissingOK()); err != nil {
		return nil, inputErrorf("products: %w", err)
	}

	code, sig, started, dur, err := runCommand(r)
	res.ExitCode, res.Started, res.Duration = code, started, dur
	if err != nil {
		return nil, err
	}
	if r.TestResult {
		return writeTestResult(ctx, r, command, bc, res, sig)
	}
	if code != 0 {
		return res, &CommandError{ExitCode: code, Signal: sig}
	}

	after, err := hashTree(ctx, r.Products, "products", r.Progress)
	if err != nil {
		return res, fmt.Errorf("products: %w", err)
	}
	res.Skipped = append(res.Skipped, after.Skipped...)
	res.Products = withoutBundle(digest.Changed(before.Entries, after.Entries), r.Writer.Destination())
	if r.Built != nil {
		more, err := r.Built(ctx)
		if err != nil {
			return res, err
		}
		for _, a := range more {
			res.Products = append(res.Products, digest.Entry{Artifact: a})
		}
	}
	if len(res.Products) == 0 {
		return res, fmt.Errorf("%w: the command created or changed no file under %s; nothing attested", ErrNoProducts, strings.Join(r.Products, ", "))
	}

	st, err := runStatement(r, command, bc, res, recorded, cwd)
	if err != nil {
		return res, err
	}
	if err := r.Writer.Write(ctx, st); err != nil {
		return res, err
	}
	res.Statement = st
	if r.Link != nil {
		if err := writeLink(ctx, r, command, res, after.Entries); err != nil {
			return res, err
		}
	}
	return res, nil
}

// writeLink records the step as an in-toto link: a link predicate
// statement through the bundle's writer, then the classic link file. The
// products are every file found after the command but the files provenant
// writes itself (the bundle, the link file).
func writeLink(ctx context.Context, r RunRequest, command []string, res *RunResult, after []digest.Entry) error {
	products := withoutBundle(withoutBundle(after, r.Writer.Destination()), r.Link.Path(r.Step))
	l := RunLink(r.Step, command, res.ExitCode, res.Materials, products)
	st, err := l.Statement()
	if err != nil {
		return err
	}
	if err := r.Writer.Write(ctx, st); err != nil {
		return err
	}
	if res.LinkFile, err = r.Link.Write(ctx, l); err != nil {
		return err
	}
	res.Link = l
	return nil
}

func hashTree(ctx context.Context, roots []string, phase string, progress func(string, digest.Progress), opts ...digest.TreeOption) (*digest.Tree, error) {
	if progress != nil {
		opts = append(opts, digest.WithProgress(func(p digest.Progress) { progress(phase, p) }, 100*time.Millisecond))
	}
	return digest.HashTree(ctx, roots, opts...)
}

// withoutBundle drops the bundle being written (and its temporary files)
// from the products: provenant writes it, not the command. The same goes
// for a link file (RunRequest.Link).
func withoutBundle(entries []digest.Entry, bundle string) []digest.Entry {
	abs, err := filepath.Abs(bundle)
	if err != nil {
		return entries
	}
	dir, base := filepath.Split(abs)
	out := entries[:0:0]
	for _, e := range entries {
		p, err := filepath.Abs(e.Path)
		if err == nil {
			pd, pb := filepath.Split(p)
			if p == abs || (pd == dir && strings.HasPrefix(pb, "."+base+".tmp-")) {
				continue
			}
		}
		out = append(out, e)
	}
	return out
}

// runCommand runs the command to completion, forwarding signals, and
// returns its exit code (128+N when killed by signal N).
func runCommand(r RunRequest) (code int, sig syscall.Signal, started time.Time, dur time.Duration, err error) {
	cmd := exec.Command(r.Command[0], r.Command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = r.Stdin, r.Stdout, r.Stderr
	cmd.Env = r.Environ
	started = time.Now()
	if err := cmd.Start(); err != nil {
		return 127, 0, started, 0, &StartError{Command: r.Command[0], Err: startReason(err)}
	}
	done := make(chan struct{})
	forwarded := make(chan struct{})
	go func() {
		defer close(forwarded)
		for {
			select {
			case s := <-r.Signals:
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	werr := cmd.Wait()
	dur = time.Since(started)
	close(done)
	<-forwarded
	if werr != nil {
		if _, ok := errors.AsType[*exec.ExitError](werr); !ok {
			return 1, 0, started, dur, fmt.Errorf("waiting for %q: %w", r.Command[0], werr)
		}
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), ws.Signal(), started, dur, nil
	}
	return cmd.ProcessState.ExitCode(), 0, started, dur, nil
}

// startReason strips exec's repetition of the command name.
func startReason(err error) error {
	if ee, ok := errors.AsType[*exec.Error](err); ok {
		return ee.Err
	}
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}

// descriptor turns a hashed entry into a ResourceDescriptor; a link recorded
// as a link says so.
func descriptor(e digest.Entry) *ita.ResourceDescriptor {
	rd := &ita.ResourceDescriptor{Name: e.Name, Digest: map[string]string(e.Digests)}
	if e.Link != "" {
		rd.MediaType = digest.MediaTypeSymlink
		rd.Annotations = &structpb.Struct{Fields: map[string]*structpb.Value{
			"linkTarget": structpb.NewStringValue(e.Link),
		}}
	}
	return rd
}

func runStatement(r RunRequest, recordedCommand []string, bc *BuildContext, res *RunResult, recorded map[string]any, cwd string) (*attest.Statement, error) {
	command := make([]any, len(recordedCommand))
	for i, a := range recordedCommand {
		command[i] = a
	}
	ext := map[string]any{"step": r.Step, "command": command}
	if wd := workdir(bc.Root, cwd); wd != "" {
		ext["workdir"] = wd
	}
	var deps []*ita.ResourceDescriptor
	if s := bc.Source; s != nil {
		ext["source"] = s.URI
		src := &ita.ResourceDescriptor{Uri: s.URI, Digest: map[string]string{"gitCommit": s.Commit}}
		if s.Dirty != nil {
			src.Annotations = &structpb.Struct{Fields: map[string]*structpb.Value{"dirty": structpb.NewBoolValue(*s.Dirty)}}
		}
		deps = append(deps, src)
	}
	if bc.Workflow != nil {
		ext["workflow"] = bc.Workflow
	}
	for _, m := range res.Materials {
		deps = append(deps, descriptor(m))
	}
	internal := map[string]any{}
	if len(recorded) > 0 {
		internal["env"] = recorded
	}
	if len(bc.Internal) > 0 {
		internal[bc.internalKey()] = bc.Internal
	}
	extS, err := structpb.NewStruct(ext)
	if err != nil {
		return nil, err
	}
	var intS *structpb.Struct
	if len(internal) > 0 {
		if intS, err = structpb.NewStruct(internal); err != nil {
			return nil, err
		}
	}
	invocation := bc.InvocationID
	if invocation == "" {
		invocation = NewInvocationID()
	}
	builder := &slsa1.Builder{Id: bc.BuilderID}
	if r.Version != "" {
		builder.Version = map[string]string{"provenant": r.Version}
	}
	pred := &slsa1.Provenance{
		BuildDefinition: &slsa1.BuildDefinition{
			BuildType:            BuildTypeRun,
			ExternalParameters:   extS,
			InternalParameters:   intS,
			ResolvedDependencies: deps,
		},
		RunDetails: &slsa1.RunDetails{
			Builder: builder,
			Metadata: &slsa1.BuildMetadata{
				InvocationId: invocation,
				StartedOn:    timestamppb.New(res.Started.UTC()),
				FinishedOn:   timestamppb.New(res.Started.Add(res.Duration).UTC()),
			},
			Byproducts: []*ita.ResourceDescriptor{{
				Name: "command",
				Annotations: &structpb.Struct{Fields: map[string]*structpb.Value{
					"exitStatus": structpb.NewNumberValue(float64(res.ExitCode)),
					// Whole milliseconds: canonical JSON has no floating point.
					"durationMs": structpb.NewNumberValue(float64(res.Duration.Milliseconds())),
				}},
			}},
		},
	}
	if err := pred.Validate(); err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	ps, err := predicateStruct(pred)
	if err != nil {
		return nil, err
	}
	subjects := make([]*ita.ResourceDescriptor, len(res.Products))
	for i, p := range res.Products {
		subjects[i] = descriptor(p)
	}
	st := &ita.Statement{
		Type:          ita.StatementTypeUri,
		Subject:       subjects,
		PredicateType: PredicateSLSAv1,
		Predicate:     ps,
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	return st, nil
}

// predicateStruct converts the predicate for the statement. The
// dependencies, which can number tens of thousands for a source tree, are
// converted directly: a protojson round trip of them costs more than
// hashing the files.
func predicateStruct(pred *slsa1.Provenance) (*structpb.Struct, error) {
	deps := pred.GetBuildDefinition().GetResolvedDependencies()
	for _, d := range deps {
		if err := d.Validate(); err != nil {
			return nil, fmt.Errorf("provenance: resolvedDependencies: %w", err)
		}
	}
	bd := proto.Clone(pred.GetBuildDefinition()).(*slsa1.BuildDefinition)
	bd.ResolvedDependencies = nil
	ps, err := toStruct(&slsa1.Provenance{BuildDefinition: bd, RunDetails: pred.GetRunDetails()})
	if err != nil {
		return nil, err
	}
	if len(deps) > 0 {
		list := make([]*structpb.Value, len(deps))
		for i, d := range deps {
			list[i] = descriptorValue(d)
		}
		bdv := ps.GetFields()["buildDefinition"].GetStructValue()
		if bdv == nil {
			return nil, fmt.Errorf("provenance: no buildDefinition")
		}
		bdv.Fields["resolvedDependencies"] = structpb.NewListValue(&structpb.ListValue{Values: list})
	}
	return ps, nil
}

// descriptorValue is the JSON form protojson gives a ResourceDescriptor,
// for the fields run sets.
func descriptorValue(rd *ita.ResourceDescriptor) *structpb.Value {
	f := make(map[string]*structpb.Value, 4)
	if rd.GetName() != "" {
		f["name"] = structpb.NewStringValue(rd.GetName())
	}
	if rd.GetUri() != "" {
		f["uri"] = structpb.NewStringValue(rd.GetUri())
	}
	if len(rd.GetDigest()) > 0 {
		d := make(map[string]*structpb.Value, len(rd.GetDigest()))
		for k, v := range rd.GetDigest() {
			d[k] = structpb.NewStringValue(v)
		}
		f["digest"] = structpb.NewStructValue(&structpb.Struct{Fields: d})
	}
	if rd.GetMediaType() != "" {
		f["mediaType"] = structpb.NewStringValue(rd.GetMediaType())
	}
	if rd.GetAnnotations() != nil {
		f["annotations"] = structpb.NewStructValue(rd.GetAnnotations())
	}
	return structpb.NewStructValue(&structpb.Struct{Fields: f})
}

// workdir is cwd relative to the repository root, with forward slashes;
// empty when the root is unknown or cwd is outside it.
func workdir(root, cwd string) string {
	if root == "" {
		return ""
	}
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	if c, err := filepath.EvalSymlinks(cwd); err == nil {
		cwd = c
	}
	rel, err := filepath.Rel(root, cwd)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return ""
	}
	return filepath.ToSlash(rel)
}

// writeTestResult records a step that produces nothing: the materials
// (hashed before the command) as subjects of a test result predicate,
// whose configuration names the source checkout, the builder and the
// command (with its exit status and duration), and whose url is the CI
// run's. A failed command's FAILED result is written too; its status is
// then returned as a CommandError.
func writeTestResult(ctx context.Context, r RunRequest, command []string, bc *BuildContext, res *RunResult, sig syscall.Signal) (*RunResult, error) {
	result := TestPassed
	if res.ExitCode != 0 {
		result = TestFailed
	}
	var config []*ita.ResourceDescriptor
	if s := bc.Source; s != nil {
		src := &ita.ResourceDescriptor{Name: "source", Uri: s.URI, Digest: map[string]string{"gitCommit": s.Commit}}
		if s.Commit == "" {
			src.Digest = nil
		}
		if s.Dirty != nil {
			src.Annotations = &structpb.Struct{Fields: map[string]*structpb.Value{"dirty": structpb.NewBoolValue(*s.Dirty)}}
		}
		config = append(config, src)
	}
	config = append(config, &ita.ResourceDescriptor{Name: "builder", Uri: bc.BuilderID})
	args := make([]any, len(command))
	for i, a := range command {
		args[i] = a
	}
	ann, err := structpb.NewStruct(map[string]any{
		"step":       r.Step,
		"command":    args,
		"exitStatus": float64(res.ExitCode),
		// Whole milliseconds: canonical JSON has no floating point.
		"durationMs": float64(res.Duration.Milliseconds()),
		"startedOn":  res.Started.UTC().Format(time.RFC3339),
	})
	if err != nil {
		return res, err
	}
	config = append(config, &ita.ResourceDescriptor{Name: "command", Annotations: ann})
	url := ""
	if u := bc.InvocationID; strings.HasPrefix(u, "https://") {
		url = u
	}
	st, err := NewTestResultStatement(TestResultRequest{Examined: res.Materials, Result: result, Configuration: config, URL: url})
	if err != nil {
		return res, err
	}
	if err := r.Writer.Write(ctx, st); err != nil {
		return res, err
	}
	res.Statement = st
	if res.ExitCode != 0 {
		return res, &CommandError{ExitCode: res.ExitCode, Signal: sig, Recorded: true}
	}
	return res, nil
}
