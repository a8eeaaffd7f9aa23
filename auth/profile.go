package auth

import (
	"strings"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
)

// profileFrom builds the profile view's data from Stytch's user and session.
func profileFrom(u users.User, s *sessions.Session, now time.Time) *Profile {
	p := &Profile{UserID: u.UserID, Status: u.Status, LastCheckedAt: now}
	if u.CreatedAt != nil {
		p.CreatedAt = *u.CreatedAt
	}
	if u.Name != nil {
		p.Name = strings.Join(strings.Fields(strings.Join([]string{u.Name.FirstName, u.Name.MiddleName, u.Name.LastName}, " ")), " ")
	}
	used := ""
	if s != nil {
		p.SessionID = s.SessionID
		if s.StartedAt != nil {
			p.SignedInAt = *s.StartedAt
		}
		if s.ExpiresAt != nil {
			p.ExpiresAt = *s.ExpiresAt
		}
		for _, f := range s.AuthenticationFactors {
			p.Factors = append(p.Factors, describeFactor(f))
			if f.EmailFactor != nil && used == "" {
				used = f.EmailFactor.EmailAddress
			}
		}
	}
	for _, em := range u.Emails {
		if used == "" || strings.EqualFold(em.Email, used) {
			p.Email, p.EmailVerified = em.Email, em.Verified
			break
		}
	}
	if p.Email == "" {
		p.Email = used
	}
	return p
}

func describeFactor(f sessions.AuthenticationFactor) string {
	var name string
	switch f.Type {
	case "magic_link":
		name = "Email magic link"
	case "otp":
		name = "One-time code"
		if f.DeliveryMethod == "email" {
			name = "Email one-time code"
		}
	default:
		name = strings.ReplaceAll(string(f.Type), "_", " ")
		if name == "" {
			name = "Unknown method"
		}
	}
	if f.EmailFactor != nil && f.EmailFactor.EmailAddress != "" {
		name += " (" + f.EmailFactor.EmailAddress + ")"
	}
	return name
}
