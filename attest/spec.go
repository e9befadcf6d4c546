package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	ita "github.com/in-toto/attestation/go/v1"
)

// The member names of an in-toto Statement, exactly as the specifications
// spell them: https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md
// and resource_descriptor.md (v1), spec/v0.1.0/statement.md (v0.1).
var (
	statementMembers     = []string{"_type", "subject", "predicateType", "predicate"}
	descriptorMembers    = []string{"name", "uri", "digest", "content", "downloadLocation", "mediaType", "annotations"}
	descriptorMembersV01 = []string{"name", "digest"}
)

// MemberError says that a JSON object has a member its specification does
// not define (an unknown name, a protobuf field name such as
// "predicate_type", a case variant such as "Digest"), or a specification
// member whose value is null. Parsers read such members differently
// (protojson takes "predicate_type" for predicateType, encoding/json takes
// "_TYPE" for "_type", a map keeps them apart), so a verifier that wants
// its checks and its policies to see one statement refuses them.
type MemberError struct {
	// Path says where the object is: "" for the statement itself,
	// "subject[3]", "predicate.runDetails.builder".
	Path string
	// Member is the member's name as written.
	Member string
	// Spec names the specification, e.g. "in-toto Statement v1".
	Spec string
	// Spelling is the specification's own spelling of Member, when Member
	// is a variant of it.
	Spelling string
	// Null: Member is a specification member whose value is null.
	Null bool
}

func (e *MemberError) Error() string {
	where := ""
	if e.Path != "" {
		where = e.Path + ": "
	}
	switch {
	case e.Null:
		return fmt.Sprintf("%smember %s is null", where, quoteShort(e.Member))
	case e.Spelling != "":
		return fmt.Sprintf("%smember %s is not in the %s spec (the spec spells it %q)", where, quoteShort(e.Member), e.Spec, e.Spelling)
	}
	return fmt.Sprintf("%smember %s is not in the %s spec", where, quoteShort(e.Member), e.Spec)
}

// Resembles returns the name among names that name is a variant of: the
// same once case is ignored and only letters and digits are kept
// ("predicate_type", "PredicateType", "predicate type" and
// "predicate\u200btype" all resemble "predicateType"; "type" and "_TYPE"
// resemble "_type"; "sha-256" and "SHA256 " resemble "sha256"). It
// returns "" when name is one of names or resembles none of them.
func Resembles(name string, names ...string) string {
	if slices.Contains(names, name) {
		return ""
	}
	f := fold(name)
	for _, n := range names {
		if fold(n) == f {
			return n
		}
	}
	return ""
}

func fold(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'A' <= r && r <= 'Z':
			return r + ('a' - 'A')
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return r
		}
		return -1
	}, s)
}

// statementWalk checks the member names of a statement while walkJSON
// reads it for duplicate keys: one pass over the payload. Member errors
// are kept in document order and reported once the walk is over, when
// "_type" (which may come last) says which version's names apply.
type statementWalk struct {
	member   *MemberError // the first member the v1 names do not have
	v01      *MemberError // the first subject member v1 has and v0.1 does not
	typ      string
	hasType  bool
	typeKind json.Token
}

func (w *statementWalk) visit(stack []jsonFrame, name string, value json.Token) error {
	var names []string
	subject := -1
	switch {
	case len(stack) == 1:
		names = statementMembers
		if name == "_type" {
			w.hasType, w.typeKind = true, value
			w.typ, _ = value.(string)
		}
	case len(stack) == 3 && stack[0].isObject && stack[1].name == "subject" && !stack[1].isObject && stack[2].isObject:
		names, subject = descriptorMembers, stack[1].index
		if w.v01 == nil && slices.Contains(descriptorMembers, name) && !slices.Contains(descriptorMembersV01, name) {
			w.v01 = &MemberError{Path: subjectPath(subject), Member: name}
		}
	default:
		return nil
	}
	if w.member != nil {
		return nil
	}
	switch {
	case !slices.Contains(names, name):
		w.member = &MemberError{Path: subjectPath(subject), Member: name, Spelling: Resembles(name, names...)}
	case value == nil:
		w.member = &MemberError{Path: subjectPath(subject), Member: name, Null: true}
	}
	return nil
}

func subjectPath(i int) string {
	if i < 0 {
		return ""
	}
	return fmt.Sprintf("subject[%d]", i)
}

// checkStatementJSON reads a payload once, refusing what
// checkNoDuplicateKeys refuses and any member the in-toto Statement
// specification does not define: exactly "_type", "subject",
// "predicateType" and "predicate", and in each subject the
// ResourceDescriptor's members (v0.1: name and digest), none of them null;
// and "_type" must be exactly StatementTypeV1 or StatementTypeV0_1.
func checkStatementJSON(payload []byte) error {
	var w statementWalk
	if err := walkJSON(payload, w.visit); err != nil {
		return err
	}
	if t := bytes.TrimLeft(payload, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return errors.New("not a JSON object")
	}
	spec := "in-toto Statement v1"
	if w.typ == StatementTypeV0_1 {
		spec = "in-toto Statement v0.1"
	}
	if w.member != nil {
		w.member.Spec = spec
		return w.member
	}
	if _, ok := w.typeKind.(string); w.hasType && !ok {
		return errors.New(`member "_type" is not a string`)
	}
	switch {
	case !w.hasType:
		return errors.New(`no "_type" member: not an in-toto statement`)
	case w.typ != StatementTypeV1 && w.typ != StatementTypeV0_1:
		return fmt.Errorf("unknown statement type %q", w.typ)
	case w.typ == StatementTypeV0_1 && w.v01 != nil:
		w.v01.Spec = spec
		return w.v01
	}
	return nil
}

// digestHexLengths are the algorithms of the in-toto DigestSet
// specification (spec/v1/digest_set.md, and goModuleH1 of v0.1) with the
// length of their lowercase hex values; nil for algorithms whose output
// size varies (any even, non-zero length). The git object ids are SHA-1
// (40): the specification also allows SHA-256 (64), which the in-toto Go
// bindings v1.2.0 refuse, so it is refused here too until they accept it.
var digestHexLengths = map[string][]int{
	"sha256": {64}, "sha224": {56}, "sha384": {96}, "sha512": {128},
	"sha512_224": {56}, "sha512_256": {64},
	"sha3_224": {56}, "sha3_256": {64}, "sha3_384": {96}, "sha3_512": {128},
	"sha1": {40}, "md5": {32}, "ripemd160": {40}, "sm3": {64},
	"shake128": nil, "shake256": nil, "blake2b": nil, "blake2s": nil, "gost": nil,
	"dirHash": {64}, "goModuleH1": {64},
	"gitCommit": {40}, "gitTree": {40}, "gitBlob": {40}, "gitTag": {40},
}

var digestAlgorithms = func() []string {
	var out []string
	for a := range digestHexLengths {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}()

// digestError is an invalid digest; it wraps the in-toto bindings' error
// for the same fault, when they have one.
type digestError struct {
	msg  string
	kind error
}

func (e *digestError) Error() string { return e.msg }
func (e *digestError) Unwrap() error { return e.kind }

// CheckDigestSet applies the in-toto DigestSet rule: every algorithm of
// the specification has a lowercase hex value of its length (sha256: 64,
// sha512: 128, gitCommit: 40, ...); a variant spelling of one of them
// ("SHA256", "sha-256", "gitcommit") is refused rather than taken for an
// algorithm of its own, which a policy comparing "sha256" would not see;
// other algorithms (the specification allows custom ones, such as
// gce_image_id) need a non-empty name and value. Algorithms are checked in
// sorted order, so the error is the same on every run.
func CheckDigestSet(d map[string]string) error {
	algs := make([]string, 0, len(d))
	for a := range d {
		algs = append(algs, a)
	}
	slices.Sort(algs)
	for _, alg := range algs {
		val := d[alg]
		lengths, known := digestHexLengths[alg]
		switch {
		case alg == "":
			return &digestError{msg: "digest with an empty algorithm name"}
		case !known:
			if s := Resembles(alg, digestAlgorithms...); s != "" {
				return &digestError{msg: fmt.Sprintf("digest algorithm %s is not in the in-toto digest spec (the spec spells it %q)", quoteShort(alg), s)}
			}
			if val == "" {
				return &digestError{msg: fmt.Sprintf("digest %s is empty", quoteShort(alg)), kind: ita.ErrRDRequiredField}
			}
			continue
		}
		if !isLowerHex(val) {
			return &digestError{msg: fmt.Sprintf("digest %s %s is not lowercase hex", alg, quoteShort(val)), kind: ita.ErrInvalidDigestEncoding}
		}
		if lengths == nil {
			if val == "" || len(val)%2 != 0 {
				return &digestError{msg: fmt.Sprintf("digest %s %s is not a whole number of bytes", alg, quoteShort(val)), kind: ita.ErrIncorrectDigestLength}
			}
			continue
		}
		if !slices.Contains(lengths, len(val)) {
			return &digestError{msg: fmt.Sprintf("digest %s %s has %d hex characters, want %d", alg, quoteShort(val), len(val), lengths[0]), kind: ita.ErrIncorrectDigestLength}
		}
	}
	return nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// quoteShort quotes a value for an error message, cut at 80 bytes so that
// a megabyte of junk stays a one-line message.
func quoteShort(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%q…", s[:80])
	}
	return fmt.Sprintf("%q", s)
}

// DigestsMatch is the rule by which a subject names an artifact: they have
// at least one algorithm in common, and agree on every algorithm both
// have. A subject whose sha256 names the artifact but whose sha512 does
// not names something else.
func DigestsMatch(subject, artifact map[string]string) bool {
	common := 0
	for alg, want := range artifact {
		got, ok := subject[alg]
		if !ok {
			continue
		}
		if !strings.EqualFold(got, want) {
			return false
		}
		common++
	}
	return common > 0
}
