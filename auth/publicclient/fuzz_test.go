package publicclient

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/magiclink/magiclink/auth/backend"
)

// FuzzDecodeResponse feeds the response decoder arbitrary statuses and
// bodies, seeded from the samples and the error table. It must never
// panic; an error answer is always a *backend.Error with a short, clean
// message free of the call's secrets; a 2xx either decodes or wraps
// ErrUnexpectedResponse.
func FuzzDecodeResponse(f *testing.F) {
	for _, body := range samples(f) {
		f.Add(200, []byte(body))
		f.Add(400, []byte(body))
	}
	for _, tc := range errorCases {
		f.Add(tc.status, []byte(tc.body))
	}
	f.Add(403, []byte("Captcha required"))
	f.Add(200, []byte(`{"data":{"session":{"expires_at":""},"user":{"emails":[null]}}}`))
	f.Add(500, []byte(`{"error_type":"x","error_message":"`+testSession+`\u0000`+testCode+`"}`))
	f.Add(400, []byte("\xff\xfe<"+testVerifier+">"))

	f.Fuzz(func(t *testing.T, status int, body []byte) {
		outs := []func() any{
			func() any { return nil },
			func() any { return &authData{} },
			func() any { return &userData{} },
			func() any { return &sendCodeData{} },
			func() any { return &bootstrapData{} },
		}
		for _, mk := range outs {
			out := mk()
			err := decodeResponse(status, body, out, secretsOfTests)
			if status < 200 || status > 299 {
				checkFuzzedError(t, status, err)
				continue
			}
			if err != nil {
				if !errors.Is(err, ErrUnexpectedResponse) {
					t.Fatalf("2xx error %v does not wrap ErrUnexpectedResponse", err)
				}
				continue
			}
			switch v := out.(type) {
			case *authData:
				_ = v.auth()
			case *userData:
				_ = v.user()
			case *bootstrapData:
				_ = v.info()
			}
		}
		_ = requestID(body)
	})
}

func checkFuzzedError(t *testing.T, status int, err error) {
	t.Helper()
	be := backend.AsError(err)
	if be == nil {
		t.Fatalf("status %d: err %v is not a *backend.Error", status, err)
	}
	if be.StatusCode != status || be.Type == "" || be.Credentials != credentials {
		t.Fatalf("status %d: %#v", status, be)
	}
	if !utf8.ValidString(be.Message) || utf8.RuneCountInString(be.Message) > maxMessage ||
		strings.IndexFunc(be.Message, func(r rune) bool { return unicode.IsControl(r) }) >= 0 {
		t.Fatalf("status %d: bad message %q", status, be.Message)
	}
	if be.RequestID != "" && !validRequestID(be.RequestID) {
		t.Fatalf("bad request id %q", be.RequestID)
	}
	for _, s := range secretsOfTests {
		if strings.Contains(be.Error(), s) {
			t.Fatalf("error %q contains %q", be.Error(), s)
		}
	}
}
