package provenance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
)

// signedPayloads finds every DSSE payload in the files under dir: any JSON
// object with a string payloadType and payload, in JSON documents, JSON
// Lines and JSON strings that hold JSON (GCB's and GitHub's containers).
func signedPayloads(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	var walk func(v any, where string)
	walk = func(v any, where string) {
		switch v := v.(type) {
		case map[string]any:
			pt, ok1 := v["payloadType"].(string)
			p, ok2 := v["payload"].(string)
			if ok1 && ok2 && pt == attest.PayloadType {
				for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
					if b, err := enc.DecodeString(p); err == nil {
						out[where] = b
						break
					}
				}
			}
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(v[k], where+"/"+k)
			}
		case []any:
			for i, e := range v {
				walk(e, where+"/"+strconv.Itoa(i))
			}
		case string:
			if s := strings.TrimSpace(v); strings.HasPrefix(s, "{") && len(s) > 50 {
				var inner any
				if json.Unmarshal([]byte(s), &inner) == nil {
					walk(inner, where)
				}
			}
		}
	}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		var doc any
		if json.Unmarshal(data, &doc) == nil {
			walk(doc, rel)
			return nil
		}
		for i, line := range bytes.Split(data, []byte("\n")) {
			if json.Unmarshal(line, &doc) == nil {
				walk(doc, rel+":"+strconv.Itoa(i+1))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestVectorsStatementRule: every in-toto statement signed in the shared
// vectors (slsa-verifier, sigstore-go, sigstore-conformance, GitHub's,
// npm's and cosign's real bundles, Google's VSA) passes the one acceptance
// rule (attest.ParseStatement, then Read for SLSA provenance), but
// for the statements listed here, which upstream wrote to be refused or
// which carry members outside the in-toto Statement spec.
func TestVectorsStatementRule(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "vectors")
	if _, err := os.Stat(dir); err != nil {
		attesttest.SkipVectors(t, "../shared/vectors is absent")
	}
	payloads := signedPayloads(t, dir)
	if len(payloads) < 50 {
		t.Fatalf("found %d signed statements in the vectors, want many more", len(payloads))
	}
	accepted, slsa := 0, 0
	for where, p := range payloads {
		st, err := attest.ParseStatement(attest.PayloadType, p)
		if err == nil && IsProvenance(st.GetPredicateType()) {
			slsa++
			_, err = Read(st)
		}
		if want := refusedVector(p); want != "" {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want an error containing %q", where, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		accepted++
	}
	t.Logf("%d signed statements, %d accepted (%d SLSA provenance)", len(payloads), accepted, slsa)
}

// refusedVector says why a vector's statement is refused, "" when it must
// be accepted.
func refusedVector(p []byte) string {
	var top map[string]any
	if json.Unmarshal(p, &top) != nil {
		return "not valid JSON"
	}
	switch {
	case top["slsaProvenance"] != nil:
		// Google Cloud Build's statements repeat the predicate under a
		// member of their own, outside the in-toto Statement spec.
		return `member "slsaProvenance" is not in the in-toto Statement v0.1 spec`
	case top["_type"] != attest.StatementTypeV1 && top["_type"] != attest.StatementTypeV0_1:
		// slsa-verifier's and sigstore-go's tests of statement types.
		return "unknown statement type"
	}
	// Refused by the in-toto bindings' Validate before this rule existed:
	// an early slsa-github-generator container build with no
	// predicateType, the sigstore-conformance suite's provenance without
	// externalParameters (it tests signatures, not statements), GCB's v1.0
	// provenance with an empty byproduct.
	pred, _ := top["predicate"].(map[string]any)
	switch {
	case top["predicateType"] == "":
		return "predicate type required"
	case top["predicateType"] == PredicateSLSAv1 && StringAt(pred, "buildDefinition", "buildType") != "" && !has(pred, "buildDefinition", "externalParameters"):
		return "externalParameters required"
	case top["predicateType"] == PredicateSLSAv1 && emptyByproduct(pred):
		return "at least one of name, URI, or digest are required"
	}
	return ""
}

func has(m map[string]any, path ...string) bool {
	var cur any = m
	for _, p := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = obj[p]; !ok {
			return false
		}
	}
	return true
}

func emptyByproduct(pred map[string]any) bool {
	rd, _ := pred["runDetails"].(map[string]any)
	list, _ := rd["byproducts"].([]any)
	for _, b := range list {
		if m, ok := b.(map[string]any); ok && m["name"] == nil && m["uri"] == nil && m["digest"] == nil {
			return true
		}
	}
	return false
}
