package emulator

import (
	"context"
	"regexp"
	"testing"
	"time"

	otpemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
)

func TestOTPFlowThroughSDK(t *testing.T) {
	env := newEnv(t, Config{})
	ctx := context.Background()
	resp, err := env.client.OTPs.Email.LoginOrCreate(ctx, &otpemail.LoginOrCreateParams{Email: "otp@example.com", ExpirationMinutes: 5})
	if err != nil {
		t.Fatalf("LoginOrCreate: %v", err)
	}
	if !resp.UserCreated || resp.EmailID == "" || resp.UserID == "" || resp.StatusCode != 200 || resp.RequestID == "" {
		t.Fatalf("unexpected response %+v", resp)
	}
	msg := env.latest("otp@example.com")
	if msg.Kind != "otp" || msg.Link != "" || !regexp.MustCompile(`^[0-9]{6}$`).MatchString(msg.Code) {
		t.Fatalf("unexpected message %+v", msg)
	}

	wrong := "000000"
	if msg.Code == wrong {
		wrong = "111111"
	}
	_, err = env.authOTP(resp.EmailID, wrong)
	wantStytchError(t, err, 404, "otp_code_not_found")

	auth, err := env.authOTP(resp.EmailID, msg.Code)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if auth.UserID != resp.UserID || auth.MethodID != resp.EmailID || auth.SessionToken == "" || auth.SessionJWT == "" ||
		auth.Session == nil || !auth.User.Emails[0].Verified {
		t.Fatalf("unexpected authenticate %+v", auth)
	}
	f := auth.Session.AuthenticationFactors
	if len(f) != 1 || f[0].Type != "otp" || f[0].DeliveryMethod != "email" || f[0].EmailFactor.EmailID != resp.EmailID {
		t.Fatalf("unexpected factors %+v", f)
	}
	if got := auth.Session.ExpiresAt.Sub(*auth.Session.StartedAt); got != 30*time.Minute {
		t.Fatalf("session length %s", got)
	}
	local, err := env.client.Sessions.AuthenticateJWT(ctx, time.Minute, &sessions.AuthenticateParams{SessionJWT: auth.SessionJWT})
	if err != nil || local.Session.SessionID != auth.Session.SessionID {
		t.Fatalf("AuthenticateJWT: %v", err)
	}

	// Single use.
	_, err = env.authOTP(resp.EmailID, msg.Code)
	wantStytchError(t, err, 401, "unable_to_auth_otp_code")

	// Existing user: user_created false.
	again, err := env.client.OTPs.Email.LoginOrCreate(ctx, &otpemail.LoginOrCreateParams{Email: "otp@example.com"})
	if err != nil || again.UserCreated || again.UserID != resp.UserID {
		t.Fatalf("second LoginOrCreate: %v %+v", err, again)
	}
	// OTP send for existing / unknown users.
	if _, err := env.client.OTPs.Email.Send(ctx, &otpemail.SendParams{Email: "otp@example.com"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	_, err = env.client.OTPs.Email.Send(ctx, &otpemail.SendParams{Email: "nobody@example.com"})
	wantStytchError(t, err, 404, "email_not_found")
}

func TestOTPExpiry(t *testing.T) {
	env := newEnv(t, Config{})
	methodID, code := env.sendOTP("exp@example.com") // default 2 minutes
	env.emu.Advance(2*time.Minute + time.Second)
	_, err := env.authOTP(methodID, code)
	wantStytchError(t, err, 401, "unable_to_auth_otp_code")
}

func TestOTPAttemptsLimit(t *testing.T) {
	env := newEnv(t, Config{})
	methodID, code := env.sendOTP("att@example.com")
	wrong := "123456"
	if code == wrong {
		wrong = "654321"
	}
	for i := 0; i < maxOTPAttempts; i++ {
		_, err := env.authOTP(methodID, wrong)
		wantStytchError(t, err, 404, "otp_code_not_found")
	}
	_, err := env.authOTP(methodID, code) // even the right code is burned now
	wantStytchError(t, err, 429, "too_many_requests")

	// A new code replaces the burned one.
	methodID2, code2 := env.sendOTP("att@example.com")
	if methodID2 != methodID {
		t.Fatalf("method id changed: %s != %s", methodID2, methodID)
	}
	if code2 != code { // the old code no longer works (when it differs)
		_, err = env.authOTP(methodID, code)
		wantStytchError(t, err, 404, "otp_code_not_found")
	}
	if _, err := env.authOTP(methodID, code2); err != nil {
		t.Fatalf("new code: %v", err)
	}
}
