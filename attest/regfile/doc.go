// Package regfile opens files for reading only when they are regular files,
// after following links.
//
// provenant reads paths that untrusted parties can choose or plant: an
// artifact, a bundle committed to a repository, a symbolic link in a build
// tree. A named pipe makes a read block forever, a device such as
// /dev/zero never ends, and a directory or a socket is not data at all.
// Open refuses all of them with one error that names the path and what it
// is, without blocking and without reading a byte: it checks the path, opens
// it without waiting for a writer (O_NONBLOCK), and checks the descriptor it
// got, so that a file swapped for a pipe in between is refused too.
//
// ReadFile adds a size bound for the small files read whole (keys, trusted
// roots, certificates, predicates), so that a huge file costs at most the
// bound plus one byte of memory.
package regfile
