//go:build !linux

package main

import "syscall"

// sysProcAttr: only Linux can tie the child's life to this program's.
func sysProcAttr() *syscall.SysProcAttr { return nil }
