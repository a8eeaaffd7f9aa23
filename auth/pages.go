package auth

import (
	"bytes"
	"html/template"
	"net/http"
)

// page is a small self-contained HTML page shown in the browser after it
// reaches the loopback listener.
type page struct {
	status  int
	Tone    string // "ok", "warn" or "error"
	Title   string
	Heading string
	Body    string
	Hint    string
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{{.Title}} · Magiclink</title>
<style>
:root{--bg:#f5f6fa;--card:#fff;--fg:#1d2130;--muted:#5b6275;--ok:#1f9d55;--warn:#c77c02;--error:#d0342c;--accent:#5b5bd6}
@media (prefers-color-scheme:dark){:root{--bg:#14161f;--card:#1e212d;--fg:#e8eaf2;--muted:#a0a6b8}}
*{box-sizing:border-box}body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{background:var(--card);max-width:28rem;margin:1.5rem;padding:2rem 2.25rem;border-radius:16px;box-shadow:0 8px 30px rgba(0,0,0,.08);text-align:center}
.badge{width:56px;height:56px;border-radius:50%;margin:0 auto 1rem;display:flex;align-items:center;justify-content:center;font-size:28px;color:#fff}
.ok .badge{background:var(--ok)}.warn .badge{background:var(--warn)}.error .badge{background:var(--error)}
h1{font-size:1.35rem;margin:.25rem 0 .5rem}p{margin:.5rem 0;color:var(--muted)}.brand{margin-top:1.5rem;font-size:.8rem;color:var(--muted)}
</style></head>
<body><main class="{{.Tone}}" role="main">
<div class="badge" aria-hidden="true">{{if eq .Tone "ok"}}&#10003;{{else if eq .Tone "warn"}}!{{else}}&#10005;{{end}}</div>
<h1 id="heading">{{.Heading}}</h1>
<p>{{.Body}}</p>{{if .Hint}}<p>{{.Hint}}</p>{{end}}
<div class="brand">Magiclink · you can close this tab</div>
</main></body></html>
`))

func setPageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
}

func writePage(w http.ResponseWriter, r *http.Request, status int, p page) {
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, p); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w)
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

func pageSignedIn(email string) page {
	return page{status: http.StatusOK, Tone: "ok", Title: "Signed in",
		Heading: "You're signed in",
		Body:    "Signed in as " + email + ". Return to the Magiclink app; it has your profile open.",
	}
}

func pageAlreadySignedIn() page {
	return page{status: http.StatusOK, Tone: "ok", Title: "Already signed in",
		Heading: "You're already signed in",
		Body:    "This sign-in was already completed. Return to the Magiclink app.",
	}
}

func pageInProgress() page {
	return page{status: http.StatusConflict, Tone: "warn", Title: "Signing in",
		Heading: "Sign-in already in progress",
		Body:    "The app is finishing a sign-in right now. Return to the Magiclink app.",
	}
}

func pageNoLogin() page {
	return page{status: http.StatusGone, Tone: "warn", Title: "No sign-in in progress",
		Heading: "No sign-in in progress",
		Body:    "The app isn't waiting for a sign-in link. Open Magiclink and ask for a new link.",
	}
}

func pageWrongType(t string) page {
	body := "This page only accepts email magic links."
	if t != "" {
		body = "This page only accepts email magic links, but the link was of type “" + t + "”."
	}
	return page{status: http.StatusBadRequest, Tone: "error", Title: "Unsupported link",
		Heading: "This isn't a sign-in link", Body: body,
		Hint: "Use the “Sign in” link from the latest Magiclink email. Your pending sign-in is still open.",
	}
}

func pageMissingToken() page {
	return page{status: http.StatusBadRequest, Tone: "error", Title: "Incomplete link",
		Heading: "The link is incomplete",
		Body:    "The sign-in link is missing its token; the email may have been cut off or rewritten.",
		Hint:    "Click the button in the email rather than copying the address. Your pending sign-in is still open.",
	}
}

func pageBadHost() page {
	return page{status: http.StatusMisdirectedRequest, Tone: "error", Title: "Refused",
		Heading: "Request refused",
		Body:    "This sign-in page only answers requests addressed to this computer's loopback address.",
	}
}

// pageFor turns a failure into the page the browser shows.
func pageFor(kind Kind, msg string) page {
	p := page{status: http.StatusBadRequest, Tone: "error", Title: "Sign-in failed", Heading: "Sign-in failed", Body: msg}
	switch kind {
	case KindLinkExpired:
		p.status, p.Title, p.Heading = http.StatusGone, "Link expired", "This link has expired or was already used"
		p.Body = "Each link works once and only for a limited time."
		p.Hint = "Go back to Magiclink and press Resend to get a new link."
	case KindLinkNotFound:
		p.status, p.Title, p.Heading = http.StatusNotFound, "Invalid link", "This link isn't valid"
		p.Body = "Stytch doesn't recognise this link. It may be incomplete or from another app."
		p.Hint = "Open the newest email from Magiclink, or ask for a new link in the app."
	case KindOtherDevice:
		p.status, p.Title, p.Heading = http.StatusBadRequest, "Wrong device", "Open this link on the computer that asked for it"
		p.Body = "For your security, a link only works in the same run of Magiclink that requested it. It was requested by another device, or the app was restarted since."
		p.Hint = "In Magiclink, ask for a new link and open it on this computer — or use “Get a code instead”."
	case KindOlderLink:
		p.status, p.Title, p.Heading = http.StatusBadRequest, "Older link", "This is an older link"
		p.Body = "You asked for a new sign-in link since this one was sent, and each new request replaces the links before it."
		p.Hint = olderLinkPageHint
	case KindNetwork:
		p.status, p.Tone, p.Title, p.Heading = http.StatusBadGateway, "warn", "Try again", "Couldn't reach Stytch"
		p.Body = "Your link is still good. Check your connection, then reload this page."
	case KindRateLimited:
		p.status, p.Tone, p.Title, p.Heading = http.StatusTooManyRequests, "warn", "Slow down", "Too many attempts"
		p.Body = "Wait a minute, then reload this page."
	}
	return p
}
