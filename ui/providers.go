package ui

import "strings"

// provider is a well-known web mail service.
type provider struct {
	// Name is shown on the button: "Open " + Name.
	Name string
	// URL opens the provider's web inbox.
	URL string
}

var (
	gmail   = provider{"Gmail", "https://mail.google.com/mail/u/0/#inbox"}
	outlook = provider{"Outlook", "https://outlook.live.com/mail/0/inbox"}
	yahoo   = provider{"Yahoo Mail", "https://mail.yahoo.com/"}
	icloud  = provider{"iCloud Mail", "https://www.icloud.com/mail"}
	proton  = provider{"Proton Mail", "https://mail.proton.me/u/0/inbox"}
)

// exactDomains are domains that belong to one provider only.
var exactDomains = map[string]provider{
	"gmail.com":      gmail,
	"googlemail.com": gmail,
	"icloud.com":     icloud,
	"me.com":         icloud,
	"mac.com":        icloud,
	"proton.me":      proton,
	"protonmail.com": proton,
	"protonmail.ch":  proton,
	"pm.me":          proton,
}

// brandLabels are providers that also use country domains, such as
// hotmail.co.uk or yahoo.fr, keyed by the domain's first label.
var brandLabels = map[string]provider{
	"outlook": outlook,
	"hotmail": outlook,
	"live":    outlook,
	"msn":     outlook,
	"yahoo":   yahoo,
	"ymail":   yahoo,
}

// providerFor returns the web mail provider of email, if it is a well-known
// one.
func providerFor(email string) (provider, bool) {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return provider{}, false
	}
	domain := strings.TrimSuffix(strings.ToLower(email[at+1:]), ".")
	if p, ok := exactDomains[domain]; ok {
		return p, true
	}
	labels := strings.Split(domain, ".")
	p, ok := brandLabels[labels[0]]
	if !ok {
		return provider{}, false
	}
	switch {
	case len(labels) == 2 && len(labels[1]) >= 2: // hotmail.com, yahoo.fr
		return p, true
	case len(labels) == 3 && (labels[1] == "co" || labels[1] == "com") && len(labels[2]) == 2: // hotmail.co.uk, yahoo.com.br
		return p, true
	}
	return provider{}, false
}
