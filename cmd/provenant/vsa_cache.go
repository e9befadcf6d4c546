package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/oci"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/vsacache"
	"github.com/provenant/provenant/provenance"
)

// vsaCacheFlags are verify's VSA cache flags (docs/verify.md#vsa-cache).
type vsaCacheFlags struct {
	location string
	maxAge   time.Duration
	keys     []string
	levels   []string
}

func (c *vsaCacheFlags) register(f *pflag.FlagSet) {
	f.StringVar(&c.location, "vsa-cache", "", "VSA cache, a directory or oci://REGISTRY/REPOSITORY: an artifact with a fresh VSA for the same criteria and evidence is not verified again; the others get a VSA (with --vsa-key)")
	f.DurationVar(&c.maxAge, "vsa-max-age", vsacache.DefaultMaxAge, "oldest VSA the cache uses (timeVerified)")
	f.StringArrayVar(&c.keys, "vsa-cache-key", nil, "public key trusted to sign cached VSAs (repeatable; --vsa-key's own public key is trusted too)")
	f.StringArrayVar(&c.levels, "verified-level", nil, "level a cached VSA must verify, e.g. SLSA_BUILD_LEVEL_3 (repeatable)")
}

// validate checks the VSA flags together (cobra's groups cannot say
// "--vsa-key needs --vsa-out or --vsa-cache").
func (vf *verifyFlags) validateVSA(cmd *cobra.Command) error {
	c := &vf.cache
	changed := cmd.Flags().Changed
	if vf.verifierID != "" {
		// Checked before anything is verified: the VSAs publish it.
		if err := provenance.CheckIDURI("verifier id", vf.verifierID); err != nil {
			return usageError("--verifier-id: %v", err)
		}
	}
	switch {
	case vf.vsaOut != "" && (vf.vsaKey == "" || vf.verifierID == ""):
		return usageError("--vsa-out needs --vsa-key and --verifier-id")
	case c.location == "" && vf.vsaOut == "" && vf.vsaKey != "":
		return usageError("--vsa-key needs --vsa-out or --vsa-cache")
	case c.location == "" && vf.vsaOut == "" && vf.verifierID != "":
		return usageError("--verifier-id needs --vsa-out or --vsa-cache")
	case c.location == "" && (changed("vsa-max-age") || len(c.keys) > 0 || len(c.levels) > 0):
		return usageError("--vsa-max-age, --vsa-cache-key and --verified-level need --vsa-cache")
	case c.location == "":
		return nil
	case vf.verifierID == "":
		return usageError("--vsa-cache needs --verifier-id (the verifier its VSAs name)")
	case len(c.keys) == 0 && vf.vsaKey == "":
		return usageError("--vsa-cache needs --vsa-cache-key or --vsa-key (the key its VSAs are signed with)")
	case c.maxAge <= 0:
		return usageError("--vsa-max-age must be positive, not %s", c.maxAge)
	case vf.printInput:
		return usageError("--print-input verifies nothing: it cannot be used with --vsa-cache")
	case vf.vsaOut != "":
		// A hit has no covering attestations or level of this run to
		// summarise: --vsa-out's VSAs would say less than they seem to.
		return usageError("--vsa-out and --vsa-cache cannot be used together: the cache writes the VSAs")
	}
	return nil
}

// openVSACache opens the --vsa-cache store: trusted keys (--vsa-cache-key
// and --vsa-key's public key), the signer for misses, and what the policy
// digest covers beyond the criteria (the policy configuration, the
// trusted roots' and CA roots' digests).
func (vf *verifyFlags) openVSACache(signer attest.Signer) (*vsacache.Cache, error) {
	c := &vf.cache
	keys, err := loadKeys(c.keys)
	if err != nil {
		return nil, err
	}
	opts := []vsacache.Option{
		vsacache.WithMaxAge(c.maxAge),
		vsacache.WithLevels(c.levels...),
		vsacache.WithLimits(vf.limits),
		vsacache.WithClock(verifyNow),
		vsacache.WithPolicyConfig(vf.config),
		vsacache.WithVersion(provenantVersion()),
	}
	if signer != nil {
		half, err := attest.NewPublicHalf(signer.Public())
		if err != nil {
			return nil, inputError(err)
		}
		keys = append(keys, half.PublicKey())
		opts = append(opts, vsacache.WithSigner(signer))
	}
	for name, file := range map[string]string{"trusted-root": vf.sig.trustedRoot, "ca-roots": vf.sig.caRoots} {
		if file == "" {
			continue
		}
		d, err := digest.File(file, digest.SHA256)
		if err != nil {
			return nil, inputError(attest.FileError(err))
		}
		opts = append(opts, vsacache.WithTrustMaterial(name, d[digest.SHA256]))
	}
	if vf.sig.trustedRoot == "" {
		for _, r := range vf.sig.cached {
			opts = append(opts, vsacache.WithTrustMaterial("cache:"+r.Name, r.SHA256))
		}
	}
	var store vsacache.Store
	if oci.HasScheme(c.location) {
		repo, err := oci.ParseRepository(c.location)
		if err != nil {
			return nil, usageError("--vsa-cache: %v", err)
		}
		client, err := vf.reg.client(vf.limits)
		if err != nil {
			return nil, err
		}
		store = vsacache.Registry(client, repo)
	} else {
		store = vsacache.Dir(c.location, vf.limits)
	}
	cache, err := vsacache.New(store, keys, vf.verifierID, opts...)
	if err != nil {
		return nil, usageError("--vsa-cache: %v", err)
	}
	return cache, nil
}

// verifyReport verifies, through the VSA cache when --vsa-cache is given.
func (vf *verifyFlags) verifyReport(cmd *cobra.Command, g *globalFlags, v *policy.Verifier, entries []attest.Entry, inputs []policy.Input, expect []policy.Expectation, signer attest.Signer) (*policy.Report, error) {
	if vf.cache.location == "" {
		return v.Verify(cmd.Context(), entries, inputs, expect...)
	}
	cache, err := vf.openVSACache(signer)
	if err != nil {
		return nil, err
	}
	r, st, err := cache.Verify(cmd.Context(), v, entries, inputs, expect...)
	if err != nil {
		return nil, err
	}
	if g.format == "text" {
		w := cmd.ErrOrStderr()
		_, _ = fmt.Fprintf(w, "VSA cache %s: %d hit(s), %d miss(es), %d VSA(s) written\n", cache, st.Hits, st.Misses, st.Written) // a note, best effort
		if cache.ReadOnly() && st.Misses > 0 {
			_, _ = fmt.Fprintf(w, "VSA cache %s is read-only (no --vsa-key): no VSA written for the misses\n", cache) // a note, best effort
		}
	}
	return r, nil
}
