package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/agent"
)

// cameraFlags collects repeated --camera NAME=rtsp://… and --onvif
// NAME=http://… flags, in the order given.
type cameraFlags struct {
	list  *[]agent.Camera
	parse func(string) (agent.Camera, error)
}

func (c cameraFlags) String() string {
	if c.list == nil {
		return ""
	}
	return fmt.Sprint(len(*c.list), " cameras")
}

func (c cameraFlags) Set(v string) error {
	cam, err := c.parse(v)
	if err != nil {
		return err
	}
	*c.list = append(*c.list, cam)
	return nil
}

// cmdAgent runs the P&P agent on a camera's LAN (docs/CAMERAS.md).
func cmdAgent(args []string) error {
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: vigilo agent --server URL --device-id ID --claim-code CODE
         (--camera NAME=rtsp://user:pass@host/path | --onvif NAME=http://user:pass@host[:port][/path]) [...]
         [--state-dir DIR] [--buffer-dir DIR [--buffer-mb N]] [--discover [--discover-probe HOST:PORT]]
       vigilo agent --discover-only [--discover-probe HOST:PORT]

Connects outbound (HTTPS/WebSocket to the server's API port) and serves the
cameras to the server through that connection: no port forwarding needed.
An --onvif device is onboarded by the server through the agent (identity,
profiles, stream, motion events, PTZ) like a reachable ONVIF camera.
Register each camera first (P&P, device id and claim code); with several
cameras, camera NAME is registered as device id ID:NAME. With
--buffer-dir the agent records the cameras locally too and sends the server
what it missed while the uplink was down. With --discover it reports the
ONVIF devices it finds (WS-Discovery) to the server, listed on each of its
cameras for the integrator to register.

`)
		fs.PrintDefaults()
	}
	var cams []agent.Camera
	cfg := agent.Config{Version: version, Logger: newLogger("info", "text")}
	fs.StringVar(&cfg.Server, "server", os.Getenv("VIGILO_AGENT_SERVER"), "server base URL, e.g. https://vigilo.example.com (VIGILO_AGENT_SERVER)")
	fs.StringVar(&cfg.DeviceID, "device-id", os.Getenv("VIGILO_AGENT_DEVICE_ID"), "this agent's device id (VIGILO_AGENT_DEVICE_ID)")
	fs.StringVar(&cfg.ClaimCode, "claim-code", os.Getenv("VIGILO_AGENT_CLAIM_CODE"), "claim code the integrator registered (VIGILO_AGENT_CLAIM_CODE)")
	fs.Var(cameraFlags{&cams, agent.ParseCamera}, "camera", "NAME=rtsp://user:pass@host/path of a camera on this LAN (repeatable)")
	fs.Var(cameraFlags{&cams, agent.ParseONVIF}, "onvif",
		"NAME=http://user:pass@host[:port][/path] of an ONVIF device on this LAN (repeatable; path defaults to "+agent.DefaultONVIFPath+")")
	fs.StringVar(&cfg.StateDir, "state-dir", defaultStateDir(), "where the device credentials are kept")
	fs.StringVar(&cfg.BufferDir, "buffer-dir", os.Getenv("VIGILO_AGENT_BUFFER_DIR"),
		"record the cameras here too, to back-fill the server after an uplink outage; empty: no buffer (VIGILO_AGENT_BUFFER_DIR)")
	bufMB := 1024
	if v := os.Getenv("VIGILO_AGENT_BUFFER_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return errors.New("VIGILO_AGENT_BUFFER_MB: want a number of MiB")
		}
		bufMB = n
	}
	fs.IntVar(&bufMB, "buffer-mb", bufMB, "disk the local buffer may use, in MiB, at least 16; the oldest video goes first (VIGILO_AGENT_BUFFER_MB)")
	fs.BoolVar(&cfg.Discover, "discover", os.Getenv("VIGILO_AGENT_DISCOVER") == "true",
		"find ONVIF devices on this LAN by WS-Discovery (multicast "+agent.DiscoveryGroup+") and report them to the server (VIGILO_AGENT_DISCOVER=true)")
	fs.Var(stringList{&cfg.DiscoverTargets}, "discover-probe", "also probe this host:port by unicast WS-Discovery (repeatable; where multicast does not reach)")
	only := fs.Bool("discover-only", false, "probe once, print the ONVIF devices found with the --onvif flag for each, and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *only {
		return discoverOnly(cfg.DiscoverTargets)
	}
	cfg.Cameras = cams
	cfg.BufferMax = int64(bufMB) << 20
	if err := cfg.Validate(); err != nil {
		return err
	}
	ids, err := cfg.DeviceIDs()
	if err != nil {
		return err
	}
	for i, id := range ids {
		fmt.Fprintf(os.Stderr, "camera %s: register it as a P&P camera with device id %s and your claim code\n", cams[i].Name, id)
	}
	ctx, stop := signalContext()
	defer stop()
	return agent.Run(ctx, cfg)
}

// defaultStateDir is the user's configuration directory, or ./vigilo-agent.
func defaultStateDir() string {
	if d, err := os.UserConfigDir(); err == nil && strings.TrimSpace(d) != "" {
		return filepath.Join(d, "vigilo-agent")
	}
	return "vigilo-agent"
}

// stringList collects a repeated string flag.
type stringList struct{ list *[]string }

func (s stringList) String() string {
	if s.list == nil {
		return ""
	}
	return strings.Join(*s.list, ",")
}

func (s stringList) Set(v string) error {
	*s.list = append(*s.list, v)
	return nil
}

// discoverOnly probes the LAN once and prints what answered.
func discoverOnly(targets []string) error {
	ctx, stop := signalContext()
	defer stop()
	devs, err := agent.Discover(ctx, true, targets, 3*time.Second)
	if err != nil {
		return err
	}
	if len(devs) == 0 {
		fmt.Println("no ONVIF device answered (WS-Discovery on " + agent.DiscoveryGroup + ")")
		return nil
	}
	for i, d := range devs {
		fmt.Printf("%s\t%s\t%s\t%s\n", d.XAddr, d.Name, d.Hardware, d.AgentFlag(i))
	}
	return nil
}
