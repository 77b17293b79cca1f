package config

import (
	"flag"
	"fmt"
	"time"
)

// sessionFlags reads the sign-in session timeouts. The defaults suit a
// control room: a shift's idle console survives (12 h), and nobody stays
// signed in for more than a week without typing the password again.
func sessionFlags(fs *flag.FlagSet, c *Config, env func(k, def string) string) error {
	idle, err := time.ParseDuration(env("VIGILO_SESSION_IDLE", "12h"))
	if err != nil || idle < time.Minute {
		return fmt.Errorf("VIGILO_SESSION_IDLE: want a duration of at least 1m, e.g. 12h")
	}
	maxAge, err := time.ParseDuration(env("VIGILO_SESSION_MAX", "168h"))
	if err != nil || maxAge < time.Minute {
		return fmt.Errorf("VIGILO_SESSION_MAX: want a duration of at least 1m, e.g. 168h")
	}
	fs.DurationVar(&c.SessionIdle, "session-idle", idle, "sign-in sessions end after this long without use (VIGILO_SESSION_IDLE)")
	fs.DurationVar(&c.SessionMax, "session-max", maxAge, "sign-in sessions end this long after sign-in (VIGILO_SESSION_MAX)")
	return nil
}
