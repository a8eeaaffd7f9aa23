//go:build e2e

package main

// Reading the X11 CLIPBOARD selection, so a test can see the text of a
// field: select it and copy it with the keyboard (ctrl+a, ctrl+c), then
// ask the selection's owner, the app's window, for it as UTF8_STRING.
// There is no clipboard tool among the test packages, so this speaks the
// few requests it needs of the X11 core protocol itself: InternAtom,
// CreateWindow, ConvertSelection and GetProperty.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

var le = binary.LittleEndian

// x11 is a connection to the private X server.
type x11 struct {
	conn   net.Conn
	r      *bufio.Reader
	idBase uint32
	root   uint32
}

// dialX11 connects to display (":N") over its Unix socket. Xvfb runs
// without access control, so no authorization is sent.
func dialX11(display string) (*x11, error) {
	n := strings.TrimPrefix(display, ":")
	n, _, _ = strings.Cut(n, ".")
	conn, err := net.DialTimeout("unix", "/tmp/.X11-unix/X"+n, 5*time.Second)
	if err != nil {
		return nil, err
	}
	x := &x11{conn: conn, r: bufio.NewReader(conn)}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	// Little-endian, protocol 11.0, no authorization.
	if _, err := conn.Write([]byte{'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		conn.Close()
		return nil, err
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(x.r, head); err != nil {
		conn.Close()
		return nil, err
	}
	data := make([]byte, int(le.Uint16(head[6:]))*4)
	if _, err := io.ReadFull(x.r, data); err != nil {
		conn.Close()
		return nil, err
	}
	if head[0] != 1 {
		conn.Close()
		return nil, fmt.Errorf("X server refused the connection: %q", data)
	}
	x.idBase = le.Uint32(data[4:])
	vendor, formats := int(le.Uint16(data[16:])), int(data[21])
	x.root = le.Uint32(data[32+pad4(vendor)+8*formats:]) // the first screen's root window
	return x, nil
}

func pad4(n int) int { return (n + 3) &^ 3 }

func (x *x11) Close() error { return x.conn.Close() }

// request sends one request: opcode, its one-byte argument, and body
// (a multiple of 4 bytes).
func (x *x11) request(opcode, arg byte, body []byte) error {
	b := make([]byte, 4, 4+len(body))
	b[0], b[1] = opcode, arg
	le.PutUint16(b[2:], uint16((4+len(body))/4))
	_, err := x.conn.Write(append(b, body...))
	return err
}

// next reads the next reply, event or error: 32 bytes, plus a reply's
// additional data.
func (x *x11) next() ([]byte, error) {
	p := make([]byte, 32)
	if _, err := io.ReadFull(x.r, p); err != nil {
		return nil, err
	}
	switch p[0] {
	case 0:
		return nil, fmt.Errorf("X error %d (major opcode %d)", p[1], p[10])
	case 1:
		extra := make([]byte, int(le.Uint32(p[4:]))*4)
		if _, err := io.ReadFull(x.r, extra); err != nil {
			return nil, err
		}
		return append(p, extra...), nil
	}
	return p, nil
}

// reply reads packets until a reply, skipping events.
func (x *x11) reply() ([]byte, error) {
	for {
		p, err := x.next()
		if err != nil || p[0] == 1 {
			return p, err
		}
	}
}

func (x *x11) atom(name string) (uint32, error) {
	body := make([]byte, 4+pad4(len(name)))
	le.PutUint16(body, uint16(len(name)))
	copy(body[4:], name)
	if err := x.request(16, 0, body); err != nil { // InternAtom
		return 0, err
	}
	p, err := x.reply()
	if err != nil {
		return 0, err
	}
	return le.Uint32(p[8:]), nil
}

// window creates a 1×1 unmapped window, to own or receive a selection.
func (x *x11) window() (uint32, error) {
	win := x.idBase | 1
	body := make([]byte, 28)
	le.PutUint32(body[0:], win)
	le.PutUint32(body[4:], x.root)
	le.PutUint16(body[12:], 1)        // width
	le.PutUint16(body[14:], 1)        // height
	le.PutUint16(body[18:], 1)        // InputOutput; depth and visual from the parent
	return win, x.request(1, 0, body) // CreateWindow
}

// takeClipboard makes this connection's window the CLIPBOARD owner. When
// the connection closes the window goes and the clipboard has no owner, so
// no earlier copy can be read as a new one.
func (x *x11) takeClipboard() error {
	clip, err := x.atom("CLIPBOARD")
	if err != nil {
		return err
	}
	win, err := x.window()
	if err != nil {
		return err
	}
	body := make([]byte, 12)
	le.PutUint32(body[0:], win)
	le.PutUint32(body[4:], clip)
	if err := x.request(22, 0, body); err != nil { // SetSelectionOwner, CurrentTime
		return err
	}
	// GetSelectionOwner: its reply means the server has done the above.
	if err := x.request(23, 0, body[4:8]); err != nil {
		return err
	}
	p, err := x.reply()
	if err != nil {
		return err
	}
	if owner := le.Uint32(p[8:]); owner != win {
		return fmt.Errorf("CLIPBOARD owner is %#x after taking it, want %#x", owner, win)
	}
	return nil
}

// clipboard returns the text the CLIPBOARD selection's owner hands out as
// UTF8_STRING, or "" when nobody owns the selection.
func (x *x11) clipboard() (string, error) {
	var atoms [3]uint32
	for i, name := range []string{"CLIPBOARD", "UTF8_STRING", "MAGICLINK_E2E_CLIP"} {
		a, err := x.atom(name)
		if err != nil {
			return "", err
		}
		atoms[i] = a
	}
	clip, utf8, prop := atoms[0], atoms[1], atoms[2]
	win, err := x.window()
	if err != nil {
		return "", err
	}

	body := make([]byte, 20)
	le.PutUint32(body[0:], win)
	le.PutUint32(body[4:], clip)
	le.PutUint32(body[8:], utf8)
	le.PutUint32(body[12:], prop)
	if err := x.request(24, 0, body); err != nil { // ConvertSelection, CurrentTime
		return "", err
	}
	for {
		p, err := x.next()
		if err != nil {
			return "", err
		}
		if p[0]&0x7f != 31 { // not SelectionNotify
			continue
		}
		if le.Uint32(p[20:]) == 0 {
			return "", nil // no owner, or it could not convert
		}
		break
	}

	body = make([]byte, 20)
	le.PutUint32(body[0:], win)
	le.PutUint32(body[4:], prop)
	le.PutUint32(body[12:], 0)                     // offset
	le.PutUint32(body[16:], 1<<16)                 // length, in 4-byte units
	if err := x.request(20, 1, body); err != nil { // GetProperty, deleting it
		return "", err
	}
	p, err := x.reply()
	if err != nil {
		return "", err
	}
	format, n := int(p[1]), int(le.Uint32(p[16:]))
	if format != 8 {
		return "", fmt.Errorf("clipboard property has format %d, want 8", format)
	}
	if 32+n > len(p) {
		return "", errors.New("short GetProperty reply")
	}
	return string(p[32 : 32+n]), nil
}

// fieldText is the text of the focused field of win: selected and copied
// with the keyboard, then read from the clipboard.
func (h *harness) fieldText(t *testing.T, win string) string {
	t.Helper()
	withX11 := func(f func(x *x11) error) {
		t.Helper()
		x, err := dialX11(h.display)
		if err != nil {
			t.Fatalf("X11 connection for the clipboard: %v", err)
		}
		defer x.Close()
		if err := f(x); err != nil {
			t.Fatalf("clipboard: %v", err)
		}
	}
	withX11(func(x *x11) error { return x.takeClipboard() })
	h.keys(t, win, "ctrl+a", "ctrl+c")
	deadline := time.Now().Add(5 * time.Second)
	for {
		var text string
		withX11(func(x *x11) (err error) {
			text, err = x.clipboard()
			return err
		})
		if text != "" || time.Now().After(deadline) {
			return text
		}
		time.Sleep(200 * time.Millisecond)
	}
}
