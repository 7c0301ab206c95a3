package main

import "syscall"

// sysProcAttr makes the kernel kill Caddy if this program dies without
// running its cleanup (SIGKILL, a crash).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
