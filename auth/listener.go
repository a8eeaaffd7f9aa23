package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Listener limits. The callback is one small GET from a local browser.
const (
	listenerReadHeaderTimeout = 5 * time.Second
	listenerReadTimeout       = 10 * time.Second
	listenerWriteTimeout      = 30 * time.Second // covers the Stytch call behind the page
	listenerIdleTimeout       = 30 * time.Second
	listenerMaxHeaderBytes    = 16 << 10
	maxTokenLen               = 512
	// ShutdownGrace is how long the listener lets in-flight pages finish.
	ShutdownGrace = 2 * time.Second
)

// callbackFunc handles a magic-link token that arrived on the listener and
// returns the page to show in the browser. Concurrent requests may call it
// at once; the engine lets only one of them exchange a token at a time.
type callbackFunc func(ctx context.Context, token string) page

// listener is the loopback HTTP server that receives the browser after it
// follows a magic link. It is open only while a login is pending.
type listener struct {
	log      *slog.Logger
	redirect *url.URL
	hosts    map[string]bool
	handle   callbackFunc
	servers  []*http.Server
	wg       sync.WaitGroup
	once     sync.Once
	closed   chan struct{} // closed when Close has finished
}

// startListener binds exactly the redirect URL's host and port — for
// "localhost" both 127.0.0.1 and ::1 when available, never another
// interface — and serves in the background. A busy port is reported at
// once as a KindPortBusy *Error.
func startListener(redirect *url.URL, handle callbackFunc, log *slog.Logger) (*listener, error) {
	port := redirect.Port()
	host := redirect.Hostname()
	var addrs []string
	if strings.EqualFold(host, "localhost") {
		addrs = []string{net.JoinHostPort("127.0.0.1", port), net.JoinHostPort("::1", port)}
	} else {
		addrs = []string{net.JoinHostPort(host, port)}
	}
	l := &listener{log: log, redirect: redirect, handle: handle, hosts: allowedHosts(host, port), closed: make(chan struct{})}
	var lns []net.Listener
	for i, a := range addrs {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			if i > 0 && !isAddrInUse(err) {
				// IPv6 loopback missing: 127.0.0.1 alone is enough.
				log.Debug("loopback listener: skipping address", "addr", a, "err", err)
				continue
			}
			for _, o := range lns {
				o.Close()
			}
			return nil, portError(port, a, "", err)
		}
		lns = append(lns, ln)
	}
	mux := http.HandlerFunc(l.serveHTTP)
	for _, ln := range lns {
		srv := &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: listenerReadHeaderTimeout,
			ReadTimeout:       listenerReadTimeout,
			WriteTimeout:      listenerWriteTimeout,
			IdleTimeout:       listenerIdleTimeout,
			MaxHeaderBytes:    listenerMaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		}
		l.servers = append(l.servers, srv)
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Warn("loopback listener stopped", "addr", ln.Addr().String(), "err", err)
			}
		}()
		log.Debug("loopback listener ready", "addr", ln.Addr().String(), "path", redirect.Path)
	}
	return l, nil
}

// portError says the redirect's port can't be used. setting names where
// the redirect URL was set; "" names both its flag and variable.
func portError(port, addr, setting string, err error) *Error {
	if setting == "" {
		setting = "--redirect-url (or " + EnvRedirectURL + ")"
	}
	if isAddrInUse(err) {
		return newError(KindPortBusy, fmt.Sprintf(
			"Port %s is already in use by another program, so the sign-in link can't reach this app. "+
				"Quit that program, or choose another port with %s and register that URL in Stytch, "+
				"or use the deep link %s, which needs no port.",
			port, setting, DeepLinkRedirectURL), err)
	}
	return newError(KindPortBusy, fmt.Sprintf("Could not listen on %s for the sign-in link. Choose another address with %s.", addr, setting), err)
}

// allowedHosts lists the Host header values a browser may send for the
// redirect URL: its own host:port and the loopback equivalents. Anything
// else is refused, which defeats DNS rebinding.
func allowedHosts(host, port string) map[string]bool {
	hs := map[string]bool{}
	add := func(h string) { hs[strings.ToLower(net.JoinHostPort(h, port))] = true }
	add(host)
	switch ip := net.ParseIP(host); {
	case strings.EqualFold(host, "localhost"):
		add("127.0.0.1")
		add("::1")
	case ip != nil && ip.To4() != nil:
		add("localhost")
	case ip != nil:
		add("localhost")
	}
	return hs
}

// callbackToken is the one check of a redirect's query, for the loopback
// listener and deep links alike: a magic-link token type and a token of
// Stytch's shape (base64url, at most maxTokenLen bytes). It returns the
// token, or the page that says why the link was refused.
func callbackToken(q url.Values) (string, *page) {
	if t := q.Get("stytch_token_type"); t != "magic_links" {
		p := pageWrongType(t)
		return "", &p
	}
	token := q.Get("token")
	if token == "" {
		p := pageMissingToken()
		return "", &p
	}
	if len(token) > maxTokenLen || strings.Trim(token, tokenChars) != "" {
		p := pageFor(KindLinkNotFound, "")
		return "", &p
	}
	return token, nil
}

// tokenChars are the characters of a Stytch token (base64url, padded).
const tokenChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="

// Close stops accepting connections and lets in-flight requests finish
// within grace. It is safe to call more than once.
func (l *listener) Close(grace time.Duration) {
	l.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		for _, s := range l.servers {
			if err := s.Shutdown(ctx); err != nil {
				s.Close()
			}
		}
		l.wg.Wait()
		close(l.closed)
		l.log.Debug("loopback listener closed")
	})
}

// waitClosed waits until a Close in progress has finished, at most d.
func (l *listener) waitClosed(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-l.closed:
	case <-t.C:
	}
}

func (l *listener) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !l.hosts[strings.ToLower(r.Host)] {
		l.log.Warn("loopback listener: refused request with unexpected Host header")
		writePage(w, r, http.StatusMisdirectedRequest, pageBadHost())
		return
	}
	if r.URL.Path != l.redirect.Path {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.Method == http.MethodHead {
		// Link scanners probe with HEAD; never spend the token on them.
		setPageHeaders(w)
		w.WriteHeader(http.StatusOK)
		return
	}
	token, refused := callbackToken(r.URL.Query())
	if refused != nil {
		l.log.Warn("loopback listener: refused a sign-in link", "reason", refused.Heading)
		writePage(w, r, http.StatusBadRequest, *refused)
		return
	}
	p := l.handle(r.Context(), token)
	writePage(w, r, p.status, p)
}
