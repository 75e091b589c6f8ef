package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// wardProcess runs `ward ARGS…` as a process of its own (the test binary, through
// TestWardProcess) with env added to an environment free of WARD_* variables, and returns what
// it wrote to standard output and error, and its exit status. Its cache directory is the test's
// (testCacheDir) unless env sets WARD_CACHE_DIR. No argument may contain white space.
func wardProcess(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	for _, a := range args {
		if strings.ContainsAny(a, " \t\n") || a == "" {
			t.Fatalf("wardProcess: argument %q would not survive the trip", a)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestWardProcess$")
	cmd.Env = append(processEnv(), "WARD_TEST_PROCESS="+strings.Join(args, " "), "WARD_CACHE_DIR="+testCacheDir(t))
	cmd.Env = append(cmd.Env, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if exit, ok := errors.AsType[*exec.ExitError](err); ok {
		return out.String(), errOut.String(), exit.ExitCode()
	} else if err != nil {
		t.Fatalf("running ward %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), 0
}

// processEnv returns this process's environment without the WARD_* variables, which would
// configure a child ward.
func processEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WARD_") {
			env = append(env, kv)
		}
	}
	return env
}
