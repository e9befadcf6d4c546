// Package rules loads, compiles and evaluates Rego policies with OPA: the
// files, directories and built-in policies (builtin:slsa, builtin:github,
// builtin:chain, builtin:layout) a gate runs, compiled once against the published schema
// of the input document, evaluated once per artifact into findings (deny,
// warn, violation, and conftest's deny_NAME..., in any head form, with
// their METADATA), the policy configuration (data and exceptions, each
// scoped to the rule it names) and `policy test`.
//
// Any error loading or evaluating a policy is an error or a denying
// finding, never a pass. Package policy builds the input document from
// verified attestations and folds the findings into its decision.
package rules
