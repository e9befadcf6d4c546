package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// didYouMean is how cobra introduces its suggestions for a mistyped
// command; a mistyped flag gets the same, and both are printed on lines
// of their own (printError).
const didYouMean = "\n\nDid you mean this?\n"

// flagError is every command's flag error: a usage error (exit 2) that,
// for an unknown --flag, suggests the command's closest flags, as cobra
// does for commands.
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	name, ok := strings.CutPrefix(msg, "unknown flag: --")
	if !ok {
		return usageError("%v", err)
	}
	if s := suggestFlags(cmd, name); len(s) > 0 {
		msg += didYouMean + "\t--" + strings.Join(s, "\n\t--") + "\n"
	}
	return usageError("%s", msg)
}

// suggestFlags are the flags of cmd (its own and inherited, not hidden or
// deprecated) whose names are within two edits of name or start with it,
// closest first, as cobra's SuggestionsFor finds commands.
func suggestFlags(cmd *cobra.Command, name string) []string {
	if name == "" {
		return nil
	}
	type cand struct {
		name string
		d    int
	}
	var out []cand
	seen := map[string]bool{}
	visit := func(f *pflag.Flag) {
		if f.Hidden || f.Deprecated != "" || seen[f.Name] {
			return
		}
		seen[f.Name] = true
		d := editDistance(strings.ToLower(name), strings.ToLower(f.Name))
		if d <= 2 || strings.HasPrefix(f.Name, name) {
			out = append(out, cand{f.Name, d})
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	sort.Slice(out, func(i, j int) bool {
		if out[i].d != out[j].d {
			return out[i].d < out[j].d
		}
		return out[i].name < out[j].name
	})
	var names []string
	for i, c := range out {
		if i == 3 {
			break
		}
		names = append(names, c.name)
	}
	return names
}

// editDistance is the Levenshtein distance between a and b, in bytes
// (flag names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// printError prints a command's error: one line, and cobra's "Did you
// mean this?" with its suggestions (commands or flags, which are
// provenant's own names) on lines of their own after it.
func printError(w io.Writer, msg string) {
	first, rest, found := strings.Cut(msg, didYouMean)
	_, _ = fmt.Fprintf(w, "provenant: %s\n", oneLine(first)) // best effort: the exit code still says it
	if !found {
		return
	}
	_, _ = fmt.Fprintln(w, strings.TrimSpace(didYouMean))
	for _, s := range strings.Split(rest, "\n") {
		if s = strings.TrimSpace(s); s != "" {
			_, _ = fmt.Fprintf(w, "\t%s\n", oneLine(s))
		}
	}
}
