// Package junit holds the JUnit XML document that provenant's report
// writers fill (verify's and verify-layout's): the shape Jenkins'
// junit-10.xsd describes, which CI systems that validate reports use.
// The writers decide what goes into it and escape it; this package only
// names the elements and attributes once.
package junit

import (
	"encoding/xml"
	"io"
)

// Suites is the document: <testsuites> with its totals.
type Suites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []Suite  `xml:"testsuite"`
}

// Suite is one <testsuite>. Errors is required by junit-10.xsd: the
// cases that end in an <error> (a check that could not be made), apart
// from the failures (a check that denied).
type Suite struct {
	Name     string `xml:"name,attr"`
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
	Errors   int    `xml:"errors,attr"`
	Cases    []Case `xml:"testcase"`
}

// Case is one <testcase>: at most one of Failure and Error is set.
type Case struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Failure   *Failure `xml:"failure,omitempty"`
	Error     *Failure `xml:"error,omitempty"`
	SystemOut string   `xml:"system-out,omitempty"`
}

// Failure is the body of a <failure> or an <error>.
type Failure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// Write writes s as an indented XML document with its header and a final
// line break.
func Write(w io.Writer, s Suites) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
