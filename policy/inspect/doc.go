// Package inspect reads bundles of attestations into a report an auditor can
// read: where each envelope is, what it says (statement, subjects, SLSA
// provenance v1 and v0.2, verification summaries), who signed it and whether
// each signature verifies, and the chain of steps that links the products of
// one step to the materials of the next.
//
// It lives under provenance, not policy, because it reads provenance and
// checks signatures but decides nothing: it needs attest and provenance and
// no policy engine, so it stays as light to import as they are (a depcheck
// test keeps OPA and sigstore-go out).
//
// Content is shown even when it is not verified, because an auditor needs
// to see what a bundle claims; every envelope, signature and product carries
// a status, and nothing unverified is marked as if it were. Payloads are
// parsed for display only.
//
// Bundles are read as a stream: one envelope at a time is decoded, verified,
// summarised and dropped, and the chain is indexed by digest, so that a
// bundle of 10,000 envelopes holds summaries in memory, never payloads.
// Renderers write the report as a table for terminals, JSON (schema in
// docs/inspect.md and docs/inspect.schema.json), Markdown with a Mermaid
// graph, and a self-contained HTML page with an inline SVG graph.
package inspect
