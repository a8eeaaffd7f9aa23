package emulator

import (
	"bytes"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Message is one email the emulator "sent". Its link (or code) is the only
// secret it holds.
type Message struct {
	// ID is a unique message id.
	ID string `json:"id"`
	// To is the recipient address.
	To string `json:"to"`
	// Subject is the email subject.
	Subject string `json:"subject"`
	// Kind is "login", "signup" or "otp".
	Kind string `json:"kind"`
	// Link is the magic link (the emulator's hosted redirect URL); empty for
	// "otp" messages.
	Link string `json:"link"`
	// Code is the 6-digit one-time code of an "otp" message.
	Code string `json:"code,omitempty"`
	// SentAt is the emulator time the message was sent.
	SentAt time.Time `json:"sent_at"`
}

// Outbox returns the messages sent to address to (case-insensitive), newest
// first; to == "" returns all of them. At most the latest 1000 are kept.
func (e *Emulator) Outbox(to string) []Message {
	to = strings.ToLower(strings.TrimSpace(to))
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []Message{}
	for i := len(e.outbox) - 1; i >= 0; i-- {
		if to == "" || e.outbox[i].To == to {
			out = append(out, e.outbox[i])
		}
	}
	return out
}

// deliver records m in the outbox and logs it. It returns the .eml job to
// run once e.mu is released (nil when no outbox directory is set). Callers
// must hold e.mu.
func (e *Emulator) deliver(m Message) func() {
	e.outbox = append(e.outbox, m)
	if n := len(e.outbox) - maxOutboxMessages; n > 0 {
		e.outbox = append([]Message(nil), e.outbox[n:]...)
	}
	attrs := []any{"to", m.To, "kind", m.Kind, "message_id", m.ID}
	if e.logLinks {
		if m.Link != "" {
			attrs = append(attrs, "link", m.Link)
		}
		if m.Code != "" {
			attrs = append(attrs, "code", m.Code)
		}
	}
	e.log.Info("emulator: email sent", attrs...)
	if e.outboxDir == "" {
		return nil
	}
	dir := e.outboxDir
	return func() {
		if err := writeEML(dir, m); err != nil {
			e.log.Warn("emulator: could not write .eml file", "message_id", m.ID, "error", err)
		}
	}
}

// writeEML writes m as a standard MIME email (text and HTML parts) to dir.
func writeEML(dir string, m Message) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create outbox directory: %w", err)
	}
	body, err := renderEML(m)
	if err != nil {
		return err
	}
	name := m.SentAt.UTC().Format("20060102T150405Z") + "-" + m.ID + ".eml"
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, body, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func renderEML(m Message) ([]byte, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	hdr := func(k, v string) { fmt.Fprintf(&buf, "%s: %s\r\n", k, v) }
	hdr("From", `"Stytch Emulator" <no-reply@stytch-emulator.localhost>`)
	hdr("To", "<"+m.To+">")
	hdr("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	hdr("Date", m.SentAt.UTC().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+m.ID+"@stytch-emulator.localhost>")
	hdr("X-Stytch-Emulator-Kind", m.Kind)
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", `multipart/alternative; boundary="`+mw.Boundary()+`"`)
	buf.WriteString("\r\n")

	text, html, err := emailBodies(m)
	if err != nil {
		return nil, err
	}
	for _, part := range []struct{ ctype, body string }{
		{"text/plain; charset=utf-8", text},
		{"text/html; charset=utf-8", html},
	} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", part.ctype)
		h.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := mw.CreatePart(h)
		if err != nil {
			return nil, fmt.Errorf("render email: %w", err)
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(part.body)); err != nil {
			return nil, fmt.Errorf("render email: %w", err)
		}
		if err := qp.Close(); err != nil {
			return nil, fmt.Errorf("render email: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("render email: %w", err)
	}
	return buf.Bytes(), nil
}

var emailHTML = template.Must(template.New("email").Parse(`<!doctype html>
<html><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;color:#1f2330">
<h1 style="font-size:1.3rem">{{.Subject}}</h1>
{{if .Code}}<p>Your one-time code is:</p>
<p style="font-size:2rem;letter-spacing:.3em;font-weight:700;font-family:ui-monospace,monospace">{{.Code}}</p>
<p>Type it into the app. It expires in a few minutes.</p>
{{else}}<p>Click the button to {{if eq .Kind "signup"}}finish signing up{{else}}sign in{{end}}.</p>
<p><a href="{{.Link}}" style="display:inline-block;padding:.7rem 1.2rem;background:#4a5bdc;color:#fff;border-radius:.5rem;text-decoration:none">{{if eq .Kind "signup"}}Confirm and sign up{{else}}Sign in{{end}}</a></p>
<p style="font-size:.8rem;color:#666">Or paste this link into your browser:<br>{{.Link}}</p>
{{end}}<p style="font-size:.8rem;color:#666">Sent by the local Stytch emulator. If you did not ask for this, ignore it.</p>
</body></html>
`))

// emailBodies renders the plain-text and HTML bodies of m.
func emailBodies(m Message) (text, html string, err error) {
	var t strings.Builder
	t.WriteString(m.Subject + "\n\n")
	if m.Code != "" {
		t.WriteString("Your one-time code is: " + m.Code + "\n\nType it into the app. It expires in a few minutes.\n")
	} else {
		t.WriteString("Open this link to sign in:\n\n" + m.Link + "\n")
	}
	t.WriteString("\nSent by the local Stytch emulator. If you did not ask for this, ignore it.\n")
	var h bytes.Buffer
	if err := emailHTML.Execute(&h, m); err != nil {
		return "", "", fmt.Errorf("render email: %w", err)
	}
	return t.String(), h.String(), nil
}

func subjectFor(kind string) string {
	switch kind {
	case "signup":
		return "Confirm your email address"
	case "otp":
		return "Your one-time sign-in code"
	default:
		return "Your sign-in link"
	}
}
