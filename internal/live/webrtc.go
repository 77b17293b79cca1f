package live

import (
	"fmt"
	"net"
	"strings"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// h264Profiles are the H.264 variants the answer may pick from an offer.
// Only packetization-mode=1 (FU-A), which is what a camera's frames need;
// the profile is the camera's, passed through (browsers decode any of these
// whatever profile was negotiated).
var h264Profiles = []string{"42001f", "42e01f", "4d001f", "4d0032", "640032", "64001f"}

// startWebRTC builds the pion API: H.264 only, NACK and RTCP reports, one UDP
// port for every session with ICE-TCP on the same port number as fallback,
// and the announced host addresses.
func (s *Service) startWebRTC() error {
	me := &webrtc.MediaEngine{}
	for i, p := range h264Profiles {
		err := me.RegisterCodec(webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
				SDPFmtpLine:  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=" + p,
				RTCPFeedback: []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}}},
			PayloadType: webrtc.PayloadType(102 + 2*i),
		}, webrtc.RTPCodecTypeVideo)
		if err != nil {
			return err
		}
	}
	reg := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(me, reg); err != nil {
		return err
	}
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		return err
	}

	udp, tcp, err := listenPair(s.cfg.UDPPort)
	if err != nil {
		return err
	}
	s.udp, s.tcp = udp, tcp
	udpMux := webrtc.NewICEUDPMux(nil, udp)
	tcpMux := webrtc.NewICETCPMux(nil, tcp, 8)
	s.muxes = append(s.muxes, udpMux, tcpMux)

	var se webrtc.SettingEngine
	se.SetICEUDPMux(udpMux)
	se.SetICETCPMux(tcpMux)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6,
		webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6})
	// The server never needs multicast DNS: it answers, it does not browse.
	se.SetICEMulticastDNSMode(0)
	if len(s.cfg.Hosts) > 0 {
		err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{External: s.cfg.Hosts,
			AsCandidateType: webrtc.ICECandidateTypeHost, Mode: webrtc.ICEAddressRewriteReplace})
		if err != nil {
			udp.Close()
			tcp.Close()
			return err
		}
		for _, h := range s.cfg.Hosts {
			if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
				se.SetIncludeLoopbackCandidate(true)
			}
		}
	}
	s.api = webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	s.log.Info("WebRTC listening", "udp", udp.LocalAddr().String(), "tcp", tcp.Addr().String(),
		"hosts", strings.Join(s.cfg.Hosts, ","))
	return nil
}

// listenPair opens the UDP port and the TCP port of the same number. With
// port 0 the UDP port is chosen by the system and may be taken in TCP, so a
// few ports are tried.
func listenPair(port int) (*net.UDPConn, *net.TCPListener, error) {
	var lastErr error
	for range 20 {
		udp, err := net.ListenUDP("udp", &net.UDPAddr{Port: port})
		if err != nil {
			return nil, nil, fmt.Errorf("WebRTC UDP port %d: %w", port, err)
		}
		p := udp.LocalAddr().(*net.UDPAddr).Port
		tcp, err := net.ListenTCP("tcp", &net.TCPAddr{Port: p})
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		lastErr = fmt.Errorf("WebRTC ICE-TCP port %d: %w", p, err)
		if port != 0 {
			break
		}
	}
	return nil, nil, lastErr
}
