// Package report writes verify's report (a policy.Report) for people and
// machines: text for a terminal or a log, Markdown for a job summary,
// SARIF for code scanning, JUnit for CI test views. Every field that comes
// from an attestation, a policy, a file name or a key is escaped for its
// format (attest/safetext), so that whoever wrote it cannot change what
// the report says around it.
package report
