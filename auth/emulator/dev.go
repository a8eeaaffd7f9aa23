package emulator

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"
)

// The /dev/ routes exist only on the emulator. They need no credentials, so
// they refuse requests whose Host is not a loopback or IP-literal address
// (a guard against DNS rebinding), and state-changing ones require a JSON
// Content-Type (so a web page cannot post to them cross-origin).
func (e *Emulator) serveDev(w http.ResponseWriter, r *http.Request, p string) {
	if !devHostAllowed(r.Host) {
		e.writeError(w, newAPIError(http.StatusForbidden, "unauthorized_action",
			"The /dev/ routes answer only requests addressed to localhost or an IP address."))
		return
	}
	type route struct {
		method string
		fn     func(http.ResponseWriter, *http.Request)
	}
	routes := map[string]route{
		"/dev/outbox":   {http.MethodGet, e.devOutbox},
		"/dev/inbox":    {http.MethodGet, e.devInbox},
		"/dev/sessions": {http.MethodGet, e.devSessions},
		"/dev/clock":    {http.MethodPost, e.devClock},
		"/dev/faults":   {http.MethodPost, e.devFaults},
		"/dev/sdk":      {http.MethodGet, e.devSDK},
		"/dev/project":  {http.MethodGet, e.devProject},
	}
	// GET shows the settings, POST changes them.
	updates := map[string]func(http.ResponseWriter, *http.Request){
		"/dev/sdk":     e.devSDKUpdate,
		"/dev/project": e.devProjectUpdate,
	}
	rt, ok := routes[p]
	if !ok {
		e.writeError(w, errRouteNotFound())
		return
	}
	if fn := updates[p]; fn != nil && r.Method == http.MethodPost {
		rt = route{http.MethodPost, fn}
	}
	if r.Method != rt.method && !(rt.method == http.MethodGet && r.Method == http.MethodHead) {
		e.writeError(w, errMethodNotAllowed())
		return
	}
	if rt.method == http.MethodPost {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			e.writeError(w, newAPIError(http.StatusUnsupportedMediaType, "bad_request",
				"Send a JSON body with Content-Type: application/json."))
			return
		}
	}
	rt.fn(w, r)
}

// devHostAllowed reports whether a /dev/ request's Host header names
// localhost (or a subdomain of it) or an IP literal.
func devHostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	return net.ParseIP(host) != nil
}

func (e *Emulator) devOutbox(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, e.Outbox(r.URL.Query().Get("to")))
}

func (e *Emulator) devSessions(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, e.Sessions())
}

type clockRequest struct {
	Advance string `json:"advance"`
}

type clockResponse struct {
	Now        time.Time `json:"now"`
	StatusCode int       `json:"status_code"`
}

func (e *Emulator) devClock(w http.ResponseWriter, r *http.Request) {
	var req clockRequest
	if apiErr := decodeBody(r, &req); apiErr != nil {
		e.writeError(w, apiErr)
		return
	}
	d, err := time.ParseDuration(req.Advance)
	if err != nil || d < 0 {
		e.writeError(w, badRequest(`"advance" must be a non-negative Go duration such as "2h" or "90s".`))
		return
	}
	e.Advance(d)
	writeJSON(w, http.StatusOK, clockResponse{Now: e.Now(), StatusCode: http.StatusOK})
}

type faultRequest struct {
	Path      string  `json:"path"`
	Status    int     `json:"status"`
	Count     *int    `json:"count"`
	Malformed bool    `json:"malformed"`
	Latency   *string `json:"latency"`
}

type faultResponse struct {
	StatusCode int `json:"status_code"`
}

func (e *Emulator) devFaults(w http.ResponseWriter, r *http.Request) {
	var req faultRequest
	if apiErr := decodeBody(r, &req); apiErr != nil {
		e.writeError(w, apiErr)
		return
	}
	if req.Latency == nil && req.Path == "" {
		e.writeError(w, badRequest(`Pass "latency", or "path" with "status" or "malformed".`))
		return
	}
	var latency time.Duration
	if req.Latency != nil {
		d, err := time.ParseDuration(*req.Latency)
		if err != nil || d < 0 || d > 10*time.Minute {
			e.writeError(w, badRequest(`"latency" must be a Go duration between 0s and 10m.`))
			return
		}
		latency = d
	}
	count := 1
	if req.Count != nil {
		count = *req.Count
	}
	if req.Path != "" {
		switch {
		case count < 0:
			e.writeError(w, badRequest(`"count" must not be negative.`))
			return
		case req.Malformed == (req.Status != 0):
			e.writeError(w, badRequest(`Pass exactly one of "status" (500-599) or "malformed": true with "path".`))
			return
		case req.Status != 0 && (req.Status < 500 || req.Status > 599):
			e.writeError(w, badRequest(`"status" must be between 500 and 599.`))
			return
		}
	}
	if req.Latency != nil {
		e.SetLatency(latency)
	}
	switch {
	case req.Path != "" && req.Malformed:
		e.MalformNext(req.Path, count)
	case req.Path != "":
		e.FailNext(req.Path, count, req.Status)
	}
	writeJSON(w, http.StatusOK, faultResponse{StatusCode: http.StatusOK})
}

// sdkSettingsResponse is the body of /dev/sdk.
type sdkSettingsResponse struct {
	SDKSettings
	StatusCode int `json:"status_code"`
}

func (e *Emulator) devSDK(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, sdkSettingsResponse{SDKSettings: e.SDKSettings(), StatusCode: http.StatusOK})
}

// sdkSettingsPatch is the body of POST /dev/sdk: the fields given replace
// the current ones, the others stay.
type sdkSettingsPatch struct {
	AppIDs       *[]string `json:"app_ids"`
	Domains      *[]string `json:"domains"`
	Disabled     *[]string `json:"disabled"`
	PKCERequired *bool     `json:"pkce_required"`
	Captcha      *bool     `json:"captcha"`
	DFP          *bool     `json:"dfp"`
}

func (e *Emulator) devSDKUpdate(w http.ResponseWriter, r *http.Request) {
	devUpdate(e, w, r, func(p *sdkSettingsPatch) error {
		return e.updateSDKSettings(func(s *SDKSettings) {
			setIf(&s.AppIDs, p.AppIDs)
			setIf(&s.Domains, p.Domains)
			setIf(&s.Disabled, p.Disabled)
			setIf(&s.PKCERequired, p.PKCERequired)
			setIf(&s.Captcha, p.Captcha)
			setIf(&s.DFP, p.DFP)
		})
	}, e.devSDK)
}

// devUpdate is a settings POST under /dev/: it decodes the patch, applies
// it (an error is a 400 bad_request) and answers with show.
func devUpdate[P any](e *Emulator, w http.ResponseWriter, r *http.Request, apply func(*P) error,
	show func(http.ResponseWriter, *http.Request)) {
	var p P
	if apiErr := decodeBody(r, &p); apiErr != nil {
		e.writeError(w, apiErr)
		return
	}
	if err := apply(&p); err != nil {
		e.writeError(w, badRequest("%s", strings.TrimPrefix(err.Error(), "emulator: ")))
		return
	}
	show(w, r)
}

// projectSettingsResponse is the body of /dev/project.
type projectSettingsResponse struct {
	RedirectSettings
	StatusCode int `json:"status_code"`
}

func (e *Emulator) devProject(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, projectSettingsResponse{RedirectSettings: e.RedirectSettings(), StatusCode: http.StatusOK})
}

// projectSettingsPatch is the body of POST /dev/project: redirect_urls are
// added to the allow-list, then the defaults given replace the current ones.
type projectSettingsPatch struct {
	RedirectURLs             []string `json:"redirect_urls"`
	DefaultLoginRedirectURL  string   `json:"default_login_redirect_url"`
	DefaultSignupRedirectURL string   `json:"default_signup_redirect_url"`
}

func (e *Emulator) devProjectUpdate(w http.ResponseWriter, r *http.Request) {
	devUpdate(e, w, r, func(p *projectSettingsPatch) error {
		for _, u := range p.RedirectURLs {
			if _, err := allowListKey(u); err != nil {
				return fmt.Errorf("invalid redirect URL %q: %w", u, err)
			}
		}
		for _, u := range p.RedirectURLs {
			_ = e.addRedirect(u) // validated above
		}
		return e.SetDefaultRedirectURLs(p.DefaultLoginRedirectURL, p.DefaultSignupRedirectURL)
	}, e.devProject)
}

// setIf sets *dst to *src when src is not nil.
func setIf[T any](dst, src *T) {
	if src != nil {
		*dst = *src
	}
}

// inboxPage is the data of the inbox template.
type inboxPage struct {
	Messages []Message
	Latest   string
	Nonce    string
}

func (e *Emulator) devInbox(w http.ResponseWriter, _ *http.Request) {
	msgs := e.Outbox("")
	page := inboxPage{Messages: msgs, Nonce: base64.RawStdEncoding.EncodeToString(randomBytes(16))}
	if len(msgs) > 0 {
		page.Latest = msgs[0].ID
	}
	var buf bytes.Buffer
	if err := inboxTemplate.Execute(&buf, page); err != nil {
		e.writeError(w, internalError(err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-"+
		page.Nonce+"'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// inboxTemplate renders /dev/inbox. html/template escapes every value; the
// inline script polls /dev/outbox and reloads when a new message arrives.
var inboxTemplate = template.Must(template.New("inbox").Funcs(template.FuncMap{
	"when": func(t time.Time) string { return t.Local().Format("Jan 2 15:04:05") },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Inbox · Stytch emulator</title>
<noscript><meta http-equiv="refresh" content="5"></noscript>
<style>
:root{--bg:#f5f6fa;--card:#fff;--fg:#1f2330;--muted:#6b7080;--accent:#4a5bdc;--border:#e2e4ec;--chip:#eef0fb}
@media (prefers-color-scheme:dark){:root{--bg:#14161c;--card:#1d2029;--fg:#e7e9f0;--muted:#9aa0b2;--accent:#8d9bff;--border:#2c303c;--chip:#262a38}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{padding:1.5rem 1rem .5rem;max-width:44rem;margin:0 auto}
h1{font-size:1.4rem;margin:0}
header p{margin:.25rem 0 0;color:var(--muted);font-size:.9rem}
main{max-width:44rem;margin:0 auto;padding:0 1rem 3rem}
.msg{background:var(--card);border:1px solid var(--border);border-radius:.75rem;padding:1rem 1.25rem;margin:.75rem 0}
.top{display:flex;gap:.5rem;align-items:baseline;flex-wrap:wrap}
.to{font-weight:600;word-break:break-all}
.when{margin-left:auto;color:var(--muted);font-size:.85rem}
.kind{font-size:.75rem;text-transform:uppercase;letter-spacing:.05em;background:var(--chip);color:var(--accent);border-radius:999px;padding:.1rem .6rem}
.subject{margin:.4rem 0 .8rem;color:var(--muted)}
a.button{display:inline-block;background:var(--accent);color:#fff;text-decoration:none;border-radius:.5rem;padding:.55rem 1.1rem;font-weight:600}
@media (prefers-color-scheme:dark){a.button{color:#10121a}}
.link{display:block;margin-top:.6rem;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;color:var(--muted);word-break:break-all}
.code{font:700 2.4rem/1 ui-monospace,SFMono-Regular,Menlo,monospace;letter-spacing:.35em;margin:.2rem 0 .3rem;user-select:all}
.empty{text-align:center;color:var(--muted);padding:3rem 1rem;border:2px dashed var(--border);border-radius:.75rem;margin-top:1rem}
footer{color:var(--muted);font-size:.8rem;text-align:center;margin-top:2rem}
</style>
</head>
<body data-latest="{{.Latest}}">
<header>
<h1>Inbox</h1>
<p>Emails sent by the local Stytch emulator, newest first. This page refreshes by itself.</p>
</header>
<main>
{{range .Messages}}<article class="msg">
<div class="top"><span class="kind">{{.Kind}}</span><span class="to">{{.To}}</span><span class="when" title="{{.SentAt.UTC.Format "2006-01-02T15:04:05Z07:00"}}">{{when .SentAt}}</span></div>
<div class="subject">{{.Subject}}</div>
{{if .Code}}<div class="code">{{.Code}}</div><div class="subject">Type this code into the app.</div>
{{else}}<a class="button" href="{{.Link}}">{{if eq .Kind "signup"}}Confirm and sign up{{else}}Sign in{{end}}</a>
<a class="link" href="{{.Link}}">{{.Link}}</a>
{{end}}</article>
{{else}}<div class="empty">No emails yet. Ask the app for a sign-in link or code and it appears here.</div>
{{end}}<footer>Emulator-only page (/dev/inbox). JSON: <code>/dev/outbox</code></footer>
</main>
<script nonce="{{.Nonce}}">
(function(){
  var latest = document.body.getAttribute("data-latest");
  function poll(){
    fetch("/dev/outbox", {cache: "no-store"}).then(function(r){ return r.json(); }).then(function(msgs){
      var id = msgs.length ? msgs[0].id : "";
      if (id !== latest) { location.reload(); }
    }).catch(function(){}).finally(function(){ setTimeout(poll, 2000); });
  }
  setTimeout(poll, 2000);
})();
</script>
</body>
</html>
`))
