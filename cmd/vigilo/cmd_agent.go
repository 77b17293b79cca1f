package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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
         [--state-dir DIR] [--buffer-dir DIR [--buffer-mb N]]

Connects outbound (HTTPS/WebSocket to the server's API port) and serves the
cameras to the server through that connection: no port forwarding needed.
An --onvif device is onboarded by the server through the agent (identity,
profiles, stream, motion events, PTZ) like a reachable ONVIF camera.
Register each camera first (P&P, device id and claim code); with several
cameras, camera NAME is registered as device id ID:NAME. With
--buffer-dir the agent records the cameras locally too and sends the server
what it missed while the uplink was down.

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
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	cfg.Cameras = cams
	cfg.BufferMax = int64(bufMB) << 20
	if err := cfg.Validate(); err != nil {
		return err
	}
	for i, id := range cfg.DeviceIDs() {
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
