package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	otpemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"
)

// absentAsOnStytch are the SDK-typed fields (Go type name "." JSON name)
// that Stytch itself leaves out of the emulated endpoints' answers, so the
// emulator leaves them out too. Every other field must be present.
var absentAsOnStytch = map[string]string{
	// An authentication factor carries only the object of its own method
	// (email_factor for magic links and email OTPs).
	"AuthenticationFactor.*_factor": "only the factor of the method used",
	// Fraud and RBAC products: only sent when those are in use.
	"AuthenticateResponse.user_device": "device fingerprinting (fraud product) is not emulated",
	"AuthenticateResponse.verdict":     "sent only with authorization_check (RBAC)",
	// The JWKS keys' optional members that Stytch's session keys omit.
	"JWK.x5c":      "no certificate chain on session keys",
	"JWK.x5t_s256": "no certificate thumbprint on session keys",
	// stytcherror.Error: error_details is optional.
	"Error.error_details": "optional, sent only for some errors",
}

// exemptionsUsed records which absentAsOnStytch entries a check relied on,
// so that a stale entry is noticed.
var exemptionsUsed = map[string]bool{}

// exempt reports whether field (of Go type typ) may be absent.
func exempt(typ, field string) bool {
	if _, ok := absentAsOnStytch[typ+"."+field]; ok {
		exemptionsUsed[typ+"."+field] = true
		return true
	}
	if _, ok := absentAsOnStytch[typ+".*_factor"]; ok && strings.HasSuffix(field, "_factor") && field != "email_factor" {
		exemptionsUsed[typ+".*_factor"] = true
		return true
	}
	return false
}

var timeType = reflect.TypeOf(time.Time{})

// checkShape asserts that the decoded JSON value v has every field the Go
// type typ names, with a compatible JSON type: strings for strings and
// times (RFC 3339), numbers for numbers, arrays (never null) for slices,
// objects (never null) for maps and structs, and null or the element for
// pointers. It returns the problems found, each naming its path.
func checkShape(path string, typ reflect.Type, v any) []string {
	if typ.Kind() == reflect.Pointer {
		if v == nil {
			return nil
		}
		typ = typ.Elem()
	}
	bad := func(want string) []string {
		b, _ := json.Marshal(v)
		return []string{path + ": want " + want + ", got " + string(b)}
	}
	switch {
	case typ == timeType:
		s, ok := v.(string)
		if !ok {
			return bad("an RFC 3339 string")
		}
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return bad("an RFC 3339 string")
		}
		return nil
	case typ.Kind() == reflect.Interface:
		return nil
	case typ.Kind() == reflect.String:
		if _, ok := v.(string); !ok {
			return bad("a string")
		}
	case typ.Kind() == reflect.Bool:
		if _, ok := v.(bool); !ok {
			return bad("a boolean")
		}
	case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Float64:
		if _, ok := v.(float64); !ok {
			return bad("a number")
		}
	case typ.Kind() == reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return bad("an array")
		}
		var out []string
		for i, el := range arr {
			out = append(out, checkShape(path+"["+strconv.Itoa(i)+"]", typ.Elem(), el)...)
		}
		return out
	case typ.Kind() == reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return bad("an object")
		}
		var out []string
		for k, el := range obj {
			out = append(out, checkShape(path+"."+k, typ.Elem(), el)...)
		}
		return out
	case typ.Kind() == reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return bad("an object")
		}
		return checkFields(path, typ, obj)
	default:
		return []string{path + ": unhandled Go kind " + typ.Kind().String()}
	}
	return nil
}

func checkFields(path string, typ reflect.Type, obj map[string]any) []string {
	var out []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		val, ok := obj[name]
		switch {
		case !ok && exempt(typ.Name(), name):
		case !ok:
			out = append(out, path+"."+name+": missing")
		default:
			out = append(out, checkShape(path+"."+name, f.Type, val)...)
		}
	}
	return out
}

// assertShape decodes body and checks it against the SDK type of sample.
func assertShape(t *testing.T, endpoint string, body []byte, sample any) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: %v", endpoint, err)
	}
	problems := checkShape(endpoint, reflect.TypeOf(sample), v)
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	// And the SDK type decodes it.
	if err := json.Unmarshal(body, reflect.New(reflect.TypeOf(sample)).Interface()); err != nil {
		t.Errorf("%s: stytch-go cannot decode: %v", endpoint, err)
	}
}

// TestResponseShapes walks each emulated endpoint's stytch-go response type
// by reflection and checks that every field it types is in the emulator's
// answer with a compatible JSON type.
func TestResponseShapes(t *testing.T) {
	env := newEnv(t, Config{})
	call := func(method, path string, body any) []byte {
		t.Helper()
		var b string
		if body != nil {
			j, _ := json.Marshal(body)
			b = string(j)
		}
		out, err := env.raw(env.client, method, path, b)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		return out
	}
	const address = "shape@example.com"

	assertShape(t, "magic_links/email/login_or_create", call(http.MethodPost, "/v1/magic_links/email/login_or_create",
		mlemail.LoginOrCreateParams{Email: address}), mlemail.LoginOrCreateResponse{})
	assertShape(t, "magic_links/email/send", call(http.MethodPost, "/v1/magic_links/email/send",
		mlemail.SendParams{Email: address}), mlemail.SendResponse{})

	// authenticate without a session: session is null, tokens are "".
	assertShape(t, "magic_links/authenticate (no session)", call(http.MethodPost, "/v1/magic_links/authenticate",
		magiclinks.AuthenticateParams{Token: env.sendLink(address, "")}), magiclinks.AuthenticateResponse{})
	ml := call(http.MethodPost, "/v1/magic_links/authenticate",
		magiclinks.AuthenticateParams{Token: env.sendLink(address, ""), SessionDurationMinutes: 60})
	assertShape(t, "magic_links/authenticate", ml, magiclinks.AuthenticateResponse{})
	var auth magiclinks.AuthenticateResponse
	mustJSON(t, ml, &auth)

	assertShape(t, "otps/email/login_or_create", call(http.MethodPost, "/v1/otps/email/login_or_create",
		otpemail.LoginOrCreateParams{Email: address}), otpemail.LoginOrCreateResponse{})
	assertShape(t, "otps/email/send", call(http.MethodPost, "/v1/otps/email/send",
		otpemail.SendParams{Email: address}), otpemail.SendResponse{})
	assertShape(t, "otps/authenticate", call(http.MethodPost, "/v1/otps/authenticate",
		otp.AuthenticateParams{MethodID: auth.User.Emails[0].EmailID, Code: env.latest(address).Code,
			SessionToken: auth.SessionToken}), otp.AuthenticateResponse{})

	assertShape(t, "sessions/authenticate", call(http.MethodPost, "/v1/sessions/authenticate",
		sessions.AuthenticateParams{SessionToken: auth.SessionToken}), sessions.AuthenticateResponse{})
	assertShape(t, "sessions (get)", call(http.MethodGet, "/v1/sessions?user_id="+auth.UserID, nil), sessions.GetResponse{})
	assertShape(t, "sessions/jwks", call(http.MethodGet, "/v1/sessions/jwks/"+env.emu.ProjectID(), nil), sessions.GetJWKSResponse{})

	assertShape(t, "users (get)", call(http.MethodGet, "/v1/users/"+auth.UserID, nil), users.GetResponse{})
	assertShape(t, "users (update)", call(http.MethodPut, "/v1/users/"+auth.UserID,
		users.UpdateParams{Name: &users.Name{FirstName: "Ada"}, TrustedMetadata: map[string]any{"k": 1}}), users.UpdateResponse{})

	assertShape(t, "sessions/revoke", call(http.MethodPost, "/v1/sessions/revoke",
		sessions.RevokeParams{SessionToken: auth.SessionToken}), sessions.RevokeResponse{})
	assertShape(t, "users (delete)", call(http.MethodDelete, "/v1/users/"+auth.UserID, nil), users.DeleteResponse{})

	// Errors, from several routes.
	for _, c := range []struct {
		method, path, body string
		auth               bool
	}{
		{http.MethodPost, "/v1/sessions/authenticate", `{"session_token":"nope"}`, true},
		{http.MethodGet, "/v1/users/user-test-00000000-0000-0000-0000-000000000000", "", true},
		{http.MethodPost, "/v1/magic_links/email/send", `{"email":"bad"}`, true},
		{http.MethodGet, "/v1/users/x", "", false},
	} {
		req, err := http.NewRequest(c.method, env.srv.URL+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		if c.auth {
			req.SetBasicAuth(env.emu.ProjectID(), env.emu.Secret())
		}
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assertShape(t, "error "+c.path, body, stytcherror.Error{})
	}
	for k := range absentAsOnStytch {
		if !exemptionsUsed[k] {
			t.Errorf("absentAsOnStytch[%q] was not needed: the field is sent now", k)
		}
	}
}

// TestCheckShape makes sure the shape check finds what it is meant to.
func TestCheckShape(t *testing.T) {
	type inner struct {
		ID string `json:"id,omitempty"`
	}
	type sample struct {
		Name    string         `json:"name,omitempty"`
		Count   int32          `json:"count,omitempty"`
		List    []inner        `json:"list,omitempty"`
		Meta    map[string]any `json:"meta,omitempty"`
		When    *time.Time     `json:"when,omitempty"`
		Nested  *inner         `json:"nested,omitempty"`
		Started time.Time      `json:"started"`
	}
	good := `{"name":"a","count":1,"list":[{"id":"x"}],"meta":{},"when":null,"nested":{"id":"y"},"started":"2026-01-01T00:00:00Z"}`
	var v any
	mustJSON(t, []byte(good), &v)
	if p := checkShape("s", reflect.TypeOf(sample{}), v); len(p) != 0 {
		t.Fatalf("good body: %v", p)
	}
	for _, c := range []struct{ body, want string }{
		{`{"count":1,"list":[],"meta":{},"when":null,"nested":null,"started":"2026-01-01T00:00:00Z"}`, "s.name: missing"},
		{`{"name":"a","count":"1","list":[],"meta":{},"when":null,"nested":null,"started":"2026-01-01T00:00:00Z"}`, "s.count: want a number"},
		{`{"name":"a","count":1,"list":null,"meta":{},"when":null,"nested":null,"started":"2026-01-01T00:00:00Z"}`, "s.list: want an array"},
		{`{"name":"a","count":1,"list":[{}],"meta":{},"when":null,"nested":null,"started":"2026-01-01T00:00:00Z"}`, "s.list[0].id: missing"},
		{`{"name":"a","count":1,"list":[],"meta":null,"when":null,"nested":null,"started":"2026-01-01T00:00:00Z"}`, "s.meta: want an object"},
		{`{"name":"a","count":1,"list":[],"meta":{},"when":"","nested":null,"started":"2026-01-01T00:00:00Z"}`, "s.when: want an RFC 3339 string"},
		{`{"name":"a","count":1,"list":[],"meta":{},"when":null,"nested":null,"started":null}`, "s.started: want an RFC 3339 string"},
	} {
		mustJSON(t, []byte(c.body), &v)
		p := checkShape("s", reflect.TypeOf(sample{}), v)
		if len(p) != 1 || !strings.HasPrefix(p[0], c.want) {
			t.Errorf("%s: got %v, want %q", c.body, p, c.want)
		}
	}
}
