package main

import "errors"

// cmdBench is replaced by the recorder benchmark (cmd_bench.go).
func cmdBench(args []string) error { return errors.New("no benchmarks built in yet") }
