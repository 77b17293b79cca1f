package onvif

import (
	"context"
	"fmt"
	"strings"
	"time"
)

const (
	actCreatePullPoint = "http://www.onvif.org/ver10/events/wsdl/EventPortType/CreatePullPointSubscriptionRequest"
	actPullMessages    = "http://www.onvif.org/ver10/events/wsdl/PullPointSubscription/PullMessagesRequest"
	actRenew           = "http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/RenewRequest"
	actUnsubscribe     = "http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/UnsubscribeRequest"
)

// SubscriptionTerm is the term we ask a pull-point subscription for; the
// device may grant less (it says so in its answer), and the puller renews
// at half of what was granted.
const SubscriptionTerm = 60 * time.Second

// Subscription is a pull point: its address (an XAddr: on the events
// service's host, and dialled through the policy too) and the term the
// device granted (0 when its answer did not say).
type Subscription struct {
	Address string
	Term    time.Duration
}

// termTimes are the two times a subscription's answers carry: the term is
// their difference, read on the device's own clock, so a device whose clock
// is off still grants what it means.
type termTimes struct {
	Current     string `xml:"CurrentTime"`
	Termination string `xml:"TerminationTime"`
}

func (t termTimes) term() time.Duration {
	cur, err1 := parseDeviceTime(t.Current)
	end, err2 := parseDeviceTime(t.Termination)
	if err1 != nil || err2 != nil || !end.After(cur) {
		return 0
	}
	return end.Sub(cur)
}

// parseDeviceTime reads an xs:dateTime as devices write it: with a zone, or
// (cheap cameras) without one — both times of an answer are then in the
// same zone, which is all a difference needs.
func parseDeviceTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02T15:04:05.999999999", s)
}

// CreatePullPoint subscribes to the device's events.
func (c *Client) CreatePullPoint(ctx context.Context, eventsURL string) (Subscription, error) {
	var r struct {
		Ref struct {
			Address string `xml:"Address"`
		} `xml:"SubscriptionReference"`
		termTimes
	}
	err := c.call(ctx, eventsURL, `<CreatePullPointSubscription xmlns="`+nsEvents+`"><InitialTerminationTime>PT60S</InitialTerminationTime></CreatePullPointSubscription>`,
		"CreatePullPointSubscriptionResponse", &r, actCreatePullPoint)
	if err != nil {
		return Subscription{}, err
	}
	addr, err := onDeviceHost(eventsURL, r.Ref.Address)
	if err != nil {
		return Subscription{}, err
	}
	return Subscription{Address: addr, Term: r.term()}, nil
}

// Notification is one event message: its topic and data items.
type Notification struct {
	Topic string
	Time  time.Time
	Data  map[string]string
}

type pullResponse struct {
	Messages []struct {
		Topic struct {
			Text string `xml:",chardata"`
		} `xml:"Topic"`
		Message struct {
			Message struct {
				UtcTime string `xml:"UtcTime,attr"`
				Data    struct {
					Items []struct {
						Name  string `xml:"Name,attr"`
						Value string `xml:"Value,attr"`
					} `xml:"SimpleItem"`
				} `xml:"Data"`
			} `xml:"Message"`
		} `xml:"Message"`
	} `xml:"NotificationMessage"`
}

// PullMessages waits up to wait for messages (at most 32).
func (c *Client) PullMessages(ctx context.Context, subURL string, wait time.Duration) ([]Notification, error) {
	var r pullResponse
	body := fmt.Sprintf(`<PullMessages xmlns="%s"><Timeout>PT%dS</Timeout><MessageLimit>32</MessageLimit></PullMessages>`,
		nsEvents, int(wait.Seconds()))
	if err := c.call(ctx, subURL, body, "PullMessagesResponse", &r, actPullMessages); err != nil {
		return nil, err
	}
	out := make([]Notification, 0, len(r.Messages))
	for i, m := range r.Messages {
		if i >= 32 {
			break
		}
		n := Notification{Topic: limit(strings.TrimSpace(m.Topic.Text), 200), Data: map[string]string{}}
		n.Time, _ = time.Parse(time.RFC3339Nano, m.Message.Message.UtcTime)
		for j, it := range m.Message.Message.Data.Items {
			if j >= 16 {
				break
			}
			n.Data[limit(it.Name, 64)] = limit(it.Value, 64)
		}
		out = append(out, n)
	}
	return out, nil
}

// Renew extends the subscription by SubscriptionTerm and returns the term
// the device granted (0 when its answer did not say).
func (c *Client) Renew(ctx context.Context, subURL string) (time.Duration, error) {
	var r termTimes
	err := c.call(ctx, subURL, `<Renew xmlns="`+nsWSNT+`"><TerminationTime>PT60S</TerminationTime></Renew>`, "RenewResponse", &r, actRenew)
	return r.term(), err
}

// Unsubscribe ends the subscription (best effort).
func (c *Client) Unsubscribe(ctx context.Context, subURL string) error {
	return c.call(ctx, subURL, `<Unsubscribe xmlns="`+nsWSNT+`"/>`, "UnsubscribeResponse", nil, actUnsubscribe)
}

// Motion reads a notification as motion: ok when its topic is a motion
// topic (tns1:VideoSource/MotionAlarm, tns1:RuleEngine/CellMotionDetector/
// Motion and the like) with a boolean state item; on tells which way.
func (n Notification) Motion() (on, ok bool) {
	t := strings.ToLower(n.Topic)
	if !strings.Contains(t, "motionalarm") && !strings.Contains(t, "motiondetector") && !strings.HasSuffix(t, "/motion") {
		return false, false
	}
	for _, k := range []string{"State", "IsMotion", "motion", "Motion"} {
		if v, has := n.Data[k]; has {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true", "1":
				return true, true
			case "false", "0":
				return false, true
			}
		}
	}
	return false, false
}
