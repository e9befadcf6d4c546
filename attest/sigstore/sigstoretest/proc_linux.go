package sigstoretest

import (
	"os/exec"
	"syscall"
)

// setDeathSignal ends the server with the test process, even when the
// test binary is killed.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
