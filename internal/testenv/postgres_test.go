package testenv

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestPostgresDSN(t *testing.T) {
	var name string
	t.Run("fresh database", func(t *testing.T) {
		dsn := PostgresDSN(t)
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var tables int
		if err := conn.QueryRow(ctx, "SELECT current_database(), (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')").Scan(&name, &tables); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(name, "vigilo_test_") || tables != 0 {
			t.Errorf("database %q has %d tables", name, tables)
		}
		if _, err := conn.Exec(ctx, "CREATE TABLE t (id int)"); err != nil {
			t.Fatal(err)
		}
	})
	if name == "" {
		t.Skip("no database was created")
	}
	// The subtest's cleanup dropped the database.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv(PostgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after the test", name)
	}
}

func TestWithDatabase(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:p@h:5432/postgres?sslmode=disable": "postgres://u:p@h:5432/x?sslmode=disable",
		"postgresql://h":                "postgresql://h/x",
		"host=h user=u dbname=postgres": "host=h user=u dbname=postgres dbname=x",
	} {
		if got, err := withDatabase(in, "x"); err != nil || got != want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
