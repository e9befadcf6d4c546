// Package safetext escapes text that comes from outside provenant (an
// attestation, a certificate, a policy finding, a file name, a key) for
// each human-readable format provenant writes, so that whoever wrote the
// text cannot change what the output says around it: no terminal escape
// sequences or fake lines in text, no HTML, Markdown structure, images,
// links or math in Markdown, no markup in HTML.
//
// One helper per format; every printer uses them for every such field.
package safetext
