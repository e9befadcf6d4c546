package vsa

import (
	"strconv"
	"testing"
)

// FuzzSLSALevels: a level that slsaLevels accepts is written in exactly one
// way, SLSA_<TRACK>_LEVEL_<n> with n in canonical decimal, so that no two
// spellings of one level exist for a VSA to hide behind.
func FuzzSLSALevels(f *testing.F) {
	for _, s := range []string{"SLSA_BUILD_LEVEL_3", "SLSA_BUILD_LEVEL_+3", "SLSA_BUILD_LEVEL_03", "SLSA_SOURCE_LEVEL_10", "SLSA_BUILD_LEVEL_\u0663", "BCID_L1", "SLSA_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := slsaLevels([]string{s})
		if err != nil {
			return
		}
		for track, n := range got {
			if want := "SLSA_" + track + "_LEVEL_" + strconv.Itoa(n); s != want {
				t.Fatalf("slsaLevels(%q) = %s level %d, which is written %q", s, track, n, want)
			}
		}
	})
}
