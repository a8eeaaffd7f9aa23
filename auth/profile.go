package auth

import (
	"strings"
	"time"

	"github.com/magiclink/magiclink/auth/backend"
)

// profileFrom builds the profile view's data from Stytch's user and session.
func profileFrom(a *backend.Auth, now time.Time) *Profile {
	u, s := a.User, a.Session
	p := &Profile{
		UserID: u.ID, Status: u.Status, CreatedAt: u.CreatedAt, LastCheckedAt: now,
		Name:      strings.Join(strings.Fields(strings.Join([]string{u.FirstName, u.MiddleName, u.LastName}, " ")), " "),
		SessionID: s.ID, SignedInAt: s.StartedAt, ExpiresAt: s.ExpiresAt,
	}
	used := ""
	for _, f := range s.Factors {
		p.Factors = append(p.Factors, describeFactor(f))
		if f.Email != "" && used == "" {
			used = f.Email
		}
	}
	for _, em := range u.Emails {
		if used == "" || strings.EqualFold(em.Address, used) {
			p.Email, p.EmailVerified = em.Address, em.Verified
			break
		}
	}
	if p.Email == "" {
		p.Email = used
	}
	return p
}

func describeFactor(f backend.Factor) string {
	var name string
	switch f.Type {
	case "magic_link":
		name = "Email magic link"
	case "otp", "email_otp":
		name = "One-time code"
		if f.DeliveryMethod == "email" || f.Type == "email_otp" {
			name = "Email one-time code"
		}
	default:
		name = strings.ReplaceAll(f.Type, "_", " ")
		if name == "" {
			name = "Unknown method"
		}
	}
	if f.Email != "" {
		name += " (" + f.Email + ")"
	}
	return name
}
