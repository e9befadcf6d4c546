package main

import "time"

// verifyNow is verify's clock: keys of a trust file and X.509
// certificates are judged at verification time when an attestation
// carries no trusted time. Tests set it.
var verifyNow = time.Now
