package emulator

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
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

// Server runs an Emulator on a TCP listener, over HTTP (Start) or HTTPS
// (StartTLS).
type Server struct {
	emu      *Emulator
	srv      *http.Server
	mu       sync.Mutex
	ln       net.Listener
	done     chan struct{}
	tls      bool
	certFile string // the PEM certificate StartTLS wrote
	tempDir  string // StartTLS's own directory for it, removed by Close
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
		// net/http's own messages (such as a client refusing the
		// self-signed certificate) are debug lines of the emulator's log.
		ErrorLog: slog.NewLogLogger(emu.log.Handler(), slog.LevelDebug),
	}
	return s, nil
}

// Start listens on addr (for example "127.0.0.1:9010", or "127.0.0.1:0"
// for any free port) and serves in the background. A busy port is an
// immediate error naming the address.
func (s *Server) Start(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.startLocked(addr, nil)
}

// StartTLS is Start over HTTPS, which Stytch's official SDKs require of a
// custom base URL. It generates a self-signed certificate (ECDSA P-256,
// for 127.0.0.1, ::1 and localhost) and writes it as PEM to certFile, for
// clients to trust; the private key stays in memory. With certFile "" the
// certificate goes into a new temporary directory, which Close removes.
// A new certificate is made at every start.
func (s *Server) StartTLS(addr, certFile string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return errors.New("emulator: server already started")
	}
	cert, pemCert, err := selfSignedCert(time.Now())
	if err != nil {
		return err
	}
	tempDir := ""
	if certFile == "" {
		if tempDir, err = os.MkdirTemp("", "stytch-emulator-tls-"); err != nil {
			return fmt.Errorf("emulator: certificate directory: %w", err)
		}
		certFile = filepath.Join(tempDir, "cert.pem")
	}
	if err = writeFileAtomic(certFile, pemCert); err != nil {
		err = fmt.Errorf("emulator: write certificate %s: %w", certFile, err)
	} else {
		err = s.startLocked(addr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	if err != nil {
		if tempDir != "" {
			_ = os.RemoveAll(tempDir)
		}
		return err
	}
	s.tls, s.certFile, s.tempDir = true, certFile, tempDir
	return nil
}

// startLocked listens on addr and serves, over TLS when cfg is set.
// Callers must hold s.mu.
func (s *Server) startLocked(addr string, cfg *tls.Config) error {
	if s.ln != nil {
		return errors.New("emulator: server already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("emulator: listen on %s: %w", addr, err)
	}
	s.ln = ln
	s.done = make(chan struct{})
	s.srv.TLSConfig = cfg
	go func() {
		defer close(s.done)
		var err error
		if cfg != nil {
			err = s.srv.ServeTLS(ln, "", "")
		} else {
			err = s.srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.emu.log.Error("emulator: server stopped", "error", err)
		}
	}()
	return nil
}

// CertFile returns the path of the PEM certificate StartTLS wrote, or ""
// when the server is not serving HTTPS.
func (s *Server) CertFile() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.certFile
}

// BaseURL returns "http://HOST:PORT" ("https://…" after StartTLS; no
// trailing slash) of the listener, with an unspecified address (0.0.0.0,
// ::) shown as 127.0.0.1. It is "" before Start.
func (s *Server) BaseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	scheme := "http://"
	if s.tls {
		scheme = "https://"
	}
	tcp, ok := s.ln.Addr().(*net.TCPAddr)
	if !ok {
		return scheme + s.ln.Addr().String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return scheme + net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

// SDKBaseURL returns the base URL of the client API: BaseURL + "/sdk/v1".
func (s *Server) SDKBaseURL() string { return s.BaseURL() + sdkPrefix }

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
	tempDir := s.tempDir
	s.tempDir = ""
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
	if tempDir != "" {
		if err := os.RemoveAll(tempDir); err != nil {
			errs = append(errs, fmt.Errorf("emulator: remove certificate: %w", err))
		}
	}
	return errors.Join(errs...)
}
