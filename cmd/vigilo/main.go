// Command vigilo is the whole platform in one binary:
//
//	vigilo serve     run the platform (SQLite + local disk by default)
//	vigilo migrate   apply database migrations and list them
//	vigilo user      manage users from the console (reset a password)
//	vigilo bench     run benchmarks (see docs/BENCHMARKS.md)
//	vigilo agent     the P&P agent, run on a camera's LAN (docs/CAMERAS.md)
//	vigilo version   print the version
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "serve":
		err = cmdServe(args)
	case "migrate":
		err = cmdMigrate(args)
	case "user":
		err = cmdUser(args)
	case "bench":
		err = cmdBench(args)
	case "agent":
		err = cmdAgent(args)
	case "version", "--version", "-v":
		fmt.Println("vigilo", version)
	case "help", "-h", "--help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "vigilo: unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vigilo:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: vigilo <command> [flags]

commands:
  serve     run the platform (flags or VIGILO_* variables; see vigilo serve -h)
  migrate   apply database migrations and list them
  user      console user tools: vigilo user reset-password <email> <new-password>
  bench     benchmarks: vigilo bench record -h
  agent     the P&P agent, on a camera's LAN: vigilo agent -h
  version   print the version
`)
}

// signalContext ends on SIGINT or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func newLogger(level, format string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
