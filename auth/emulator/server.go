package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Server timeouts. Requests are small; the write timeout leaves room for
// injected latency.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 11 * time.Minute
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 3 * time.Second
)

// Server runs an Emulator on a TCP listener.
type Server struct {
	emu  *Emulator
	srv  *http.Server
	mu   sync.Mutex
	ln   net.Listener
	done chan struct{}
}

// NewServer returns a Server for a new Emulator configured by cfg. Call
// Start to listen.
func NewServer(cfg Config) (*Server, error) {
	emu, err := New(cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{emu: emu}
	s.srv = &http.Server{
		Handler:           emu,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
	return s, nil
}

// Start listens on addr (for example "127.0.0.1:9010", or "127.0.0.1:0"
// for any free port) and serves in the background. A busy port is an
// immediate error naming the address.
func (s *Server) Start(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return errors.New("emulator: server already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("emulator: listen on %s: %w", addr, err)
	}
	s.ln = ln
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.emu.log.Error("emulator: server stopped", "error", err)
		}
	}()
	return nil
}

// BaseURL returns "http://HOST:PORT" (no trailing slash) of the listener,
// with an unspecified address (0.0.0.0, ::) shown as 127.0.0.1. It is ""
// before Start.
func (s *Server) BaseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	tcp, ok := s.ln.Addr().(*net.TCPAddr)
	if !ok {
		return "http://" + s.ln.Addr().String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

// InboxURL returns the URL of the HTML inbox page.
func (s *Server) InboxURL() string { return s.BaseURL() + "/dev/inbox" }

// Emulator returns the served Emulator.
func (s *Server) Emulator() *Emulator { return s.emu }

// Close shuts the server down gracefully (waiting a few seconds for
// requests in flight) and saves the state file.
func (s *Server) Close() error {
	s.mu.Lock()
	started := s.ln != nil
	done := s.done
	s.mu.Unlock()
	var errs []error
	if started {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("emulator: shutdown: %w", err))
			_ = s.srv.Close()
		}
		<-done
	}
	if err := s.emu.SaveState(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
