package main

import (
	"context"
	"fmt"
	"os"

	"github.com/vigilo/vigilo/internal/config"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/server"
	"github.com/vigilo/vigilo/internal/store"
)

func cmdServe(args []string) error {
	cfg, err := config.Load(args, nil)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel, cfg.LogFormat)
	ctx, stop := signalContext()
	defer stop()
	m := &server.Main{Config: cfg, Log: log, Out: os.Stdout}
	if err := m.Run(ctx); err != nil {
		return err
	}
	log.Info("vigilo started", "version", version, "addr", m.Addr)
	<-ctx.Done()
	log.Info("shutting down")
	return m.Close()
}

func cmdMigrate(args []string) error {
	cfg, err := config.Load(args, nil)
	if err != nil {
		return err
	}
	st, err := store.Open(context.Background(), cfg.DBURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	names, err := st.Applied(context.Background())
	if err != nil {
		return err
	}
	fmt.Printf("database %s is up to date; applied migrations:\n", st.Dialect())
	for _, n := range names {
		fmt.Println("  " + n)
	}
	return nil
}

// cmdUser holds console tools for operators who locked themselves out.
func cmdUser(args []string) error {
	if len(args) < 1 || args[0] != "reset-password" || len(args) < 3 {
		return fmt.Errorf("usage: vigilo user reset-password <email> <new-password> [serve flags]")
	}
	cfg, err := config.Load(args[3:], nil)
	if err != nil {
		return err
	}
	ctx := context.Background()
	st, err := store.Open(ctx, cfg.DBURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	if len(args[2]) < identity.MinPassword {
		return fmt.Errorf("password must be at least %d characters", identity.MinPassword)
	}
	hash, err := identity.HashPassword(args[2])
	if err != nil {
		return err
	}
	return st.InTx(ctx, func(q store.Q) error {
		u, err := q.UserByEmail(ctx, args[1])
		if err != nil {
			return err
		}
		u.PasswordHash = hash
		if err := q.UpdateUser(ctx, &u); err != nil {
			return err
		}
		fmt.Printf("password of %s changed\n", u.Email)
		return q.RevokeTokens(ctx, u.ID, identity.PurposeSession)
	})
}
