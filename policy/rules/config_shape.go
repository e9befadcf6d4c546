package rules

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// exceptionKeys are the keys of one exception, as a user writes them.
var exceptionKeys = []string{"code", "package", "title", "artifacts", "reason", "expires"}

// configShape checks the shape of a policy configuration before it is
// decoded, so that a mistake is told in the file's own words ("put policy
// settings under data:") and never as the decoder's Go types ("field slsa
// not found in type rules.Config"). It returns one line per problem,
// "name:line: what is wrong".
func configShape(doc *yaml.Node, name string) []string {
	root := docRoot(doc)
	if root == nil {
		return nil
	}
	at := func(n *yaml.Node) string { return fmt.Sprintf("%s:%d: ", name, n.Line) }
	if root.Kind != yaml.MappingNode {
		return []string{at(root) + "a policy configuration is a mapping with data: (settings that policies read as data.config) and exceptions:, not " + yamlKind(root)}
	}
	var out []string
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], deref(root.Content[i+1])
		switch k.Value {
		case "data":
			if v.Kind != yaml.MappingNode && !isNull(v) {
				out = append(out, at(v)+"data: is "+yamlKind(v)+", want a mapping of sections, each the settings of a policy (data.config.SECTION), e.g. data: {slsa: {level: 2}}")
			}
		case "exceptions":
			out = append(out, exceptionsShape(v, at)...)
		default:
			msg := fmt.Sprintf("unknown key %s: the top level has only data: and exceptions:; put policy settings under data:, e.g. data: {%s: ...}", safeKey(k.Value), safeKey(k.Value))
			if near := nearest(k.Value, []string{"data", "exceptions"}); near != "" {
				msg = fmt.Sprintf("unknown key %s; did you mean %s:?", safeKey(k.Value), near)
			}
			out = append(out, at(k)+msg)
		}
	}
	return out
}

func exceptionsShape(v *yaml.Node, at func(*yaml.Node) string) []string {
	v = deref(v)
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		return []string{at(v) + "exceptions: is " + yamlKind(v) + ", want a list of exceptions, each a mapping with code (or package and title) and reason"}
	}
	var out []string
	for _, e := range v.Content {
		e = deref(e)
		if e.Kind != yaml.MappingNode {
			out = append(out, at(e)+"an exception is a mapping with code (or package and title) and reason, not "+yamlKind(e))
			continue
		}
		for i := 0; i+1 < len(e.Content); i += 2 {
			k, val := e.Content[i], deref(e.Content[i+1])
			switch k.Value {
			case "artifacts":
				if val.Kind != yaml.SequenceNode && !isNull(val) {
					out = append(out, at(val)+"artifacts: is "+yamlKind(val)+", want a list of patterns, e.g. artifacts: [\"dist/*\"]")
					continue
				}
				for _, a := range val.Content {
					if deref(a).Kind != yaml.ScalarNode {
						out = append(out, at(a)+"artifacts: each pattern is a string, not "+yamlKind(a))
					}
				}
			case "code", "package", "title", "reason", "expires":
				if val.Kind != yaml.ScalarNode {
					out = append(out, at(val)+k.Value+": is "+yamlKind(val)+", want a string")
				}
			default:
				msg := fmt.Sprintf("unknown key %s in an exception (it has %s)", safeKey(k.Value), strings.Join(exceptionKeys, ", "))
				if near := nearest(k.Value, exceptionKeys); near != "" {
					msg = fmt.Sprintf("unknown key %s in an exception; did you mean %s?", safeKey(k.Value), near)
				}
				out = append(out, at(k)+msg)
			}
		}
	}
	return out
}

// deref is the node an alias stands for (the decoder follows aliases).
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; i < 16 && n != nil && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// yamlKind names a node's kind for the user.
func yamlKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!null":
		return "empty"
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	}
	return "a string"
}

// safeKey quotes a key from the file when it is not a plain word, so that
// what the file holds is shown as text.
func safeKey(k string) string {
	if plainKey.MatchString(k) {
		return k
	}
	return fmt.Sprintf("%q", k)
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_.\-]{1,64}$`)

// goTypes are the decoder's words for the configuration's types, and the
// user's.
var goTypes = strings.NewReplacer(
	"unmarshal errors:; ", "",
	"[]rules.Exception", "a list of exceptions",
	"rules.Exception", "an exception",
	"rules.Config", "a policy configuration",
	"map[string]interface {}", "a mapping",
	"[]string", "a list of strings",
	"!!seq", "a list", "!!map", "a mapping", "!!str", "a string", "!!int", "a number", "!!bool", "a boolean", "!!float", "a number",
)
