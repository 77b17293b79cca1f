package config

import (
	"flag"
	"fmt"
	"time"
)

// minEventPostBuffer is what an events plan promises after an event
// (media.MinEventPostBuffer): a shorter setting is refused, not raised.
const minEventPostBuffer = 10 * time.Second

// eventFlags reads the event recording settings; the returned function
// checks them once the flags are parsed.
func (c *Config) eventFlags(fs *flag.FlagSet, env func(k, def string) string) (func() error, error) {
	post, err := time.ParseDuration(env("VIGILO_EVENT_POST_BUFFER", "10s"))
	if err != nil || post < minEventPostBuffer {
		return nil, fmt.Errorf("VIGILO_EVENT_POST_BUFFER: want a duration of at least %s, e.g. 30s", minEventPostBuffer)
	}
	fs.DurationVar(&c.EventPostBuffer, "event-post-buffer", post,
		"an events-plan camera records this long after its event ended, at least 10s (VIGILO_EVENT_POST_BUFFER)")
	return func() error {
		if c.EventPostBuffer < minEventPostBuffer {
			return fmt.Errorf("-event-post-buffer: want a duration of at least %s", minEventPostBuffer)
		}
		return nil
	}, nil
}
