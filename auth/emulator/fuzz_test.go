package emulator

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// checkAnswer asserts a response is a JSON success object or a well-formed
// Stytch error, and never a 500 (which would mean a recovered panic).
func checkAnswer(t *testing.T, resp *http.Response, body []byte) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q (status %d): %s", ct, resp.StatusCode, body)
	}
	if resp.StatusCode == http.StatusOK {
		var obj map[string]any
		if err := json.Unmarshal(body, &obj); err != nil {
			t.Fatalf("200 with a non-object body: %s", body)
		}
		return
	}
	if resp.StatusCode >= 500 {
		t.Fatalf("server error %d: %s", resp.StatusCode, body)
	}
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil || e.ErrorType == "" || e.StatusCode != resp.StatusCode ||
		e.RequestID == "" || e.ErrorMessage == "" || e.ErrorURL == "" {
		t.Fatalf("bad error body for status %d: %s", resp.StatusCode, body)
	}
}

// FuzzDecodeRequest sends arbitrary bodies to every JSON endpoint of /v1
// and /sdk/v1.
func FuzzDecodeRequest(f *testing.F) {
	endpoints := append(append([]string{}, jsonEndpoints...), sdkJSONEndpoints...)
	seed := func(method, path, body string) {
		if method != http.MethodPost || len(body) > 4096 {
			return
		}
		for i, p := range endpoints {
			if p == path {
				f.Add(uint8(i), []byte(body))
			}
		}
	}
	for _, tc := range errorCases() {
		seed(tc.method, tc.path, tc.body)
	}
	for _, tc := range sdkErrorCases() {
		seed(tc.method, sdkPrefix+tc.path, tc.body)
	}
	f.Add(uint8(0), []byte(`{"email":"ok@example.com","login_magic_link_url":"http://127.0.0.1:5555/callback"}`))
	f.Add(uint8(5), []byte(`{"method_id":"email-test-00000000-0000-4000-8000-000000000000","code":"123456","session_duration_minutes":5}`))
	f.Add(uint8(3), []byte(`{"email":"ok@example.com","expiration_minutes":10}`))
	f.Add(uint8(6), []byte(`{"session_jwt":"a.b.c"}`))
	f.Add(uint8(7), []byte(`null`))
	f.Add(uint8(2), []byte("\xff\xfe{}"))

	env := newEnv(f, Config{})
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(env.emu.ProjectID()+":"+env.emu.Secret()))
	sdkAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(env.emu.PublicToken()+":"+env.emu.PublicToken()))
	client := &http.Client{}
	f.Fuzz(func(t *testing.T, endpoint uint8, body []byte) {
		p := endpoints[int(endpoint)%len(endpoints)]
		req, err := http.NewRequest(http.MethodPost, env.srv.URL+p, strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
		if strings.HasPrefix(p, sdkPrefix+"/") {
			req.Header.Set("Authorization", sdkAuth)
			req.Header.Set("X-SDK-Client", sdkClientHeader(DefaultSDKAppID))
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		checkAnswer(t, resp, b)
	})
}

// FuzzRedirect sends arbitrary query strings to the hosted redirect: it
// must never panic and never redirect outside the allow-list.
func FuzzRedirect(f *testing.F) {
	env := newEnv(f, Config{RedirectURLs: []string{"http://127.0.0.1:*/cb", "myapp://auth/callback"}})
	for _, target := range []string{"", appRedirect + "?a=1", "http://127.0.0.1:4000/cb#x"} {
		body := `{"email":"fz@example.com"`
		if target != "" {
			body += `,"signup_magic_link_url":"` + target + `","login_magic_link_url":"` + target + `"`
		}
		if _, err := env.raw(env.client, http.MethodPost, pathMLLoginOrCreate, body+"}"); err != nil {
			f.Fatal(err)
		}
		link, err := url.Parse(env.latest("fz@example.com").Link)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(link.RawQuery)
	}
	for _, seed := range []string{
		"", "token=", "token=%ZZ", "token=a&token=b", "public_token=x&stytch_token_type=magic_links&token=bm90LWEtdG9rZW4%3D",
		"token=" + strings.Repeat("A", 300), ";;;&&&==", "token=http://evil.example.com/",
	} {
		f.Add(seed)
	}

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	f.Fuzz(func(t *testing.T, query string) {
		// Bytes that cannot appear in an HTTP request line are refused by
		// the client or by net/http before the handler runs.
		if strings.ContainsFunc(query, func(r rune) bool { return r <= ' ' || r >= 0x7f || r == '#' }) {
			return
		}
		u := env.srv.URL + "/v1/magic_links/redirect"
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.RawQuery = query
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusFound {
			checkAnswer(t, resp, b)
			return
		}
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			t.Fatalf("bad Location %q: %v", resp.Header.Get("Location"), err)
		}
		env.emu.mu.Lock()
		allowed := env.emu.redirectAllowed(loc)
		env.emu.mu.Unlock()
		if !allowed || loc.Query().Get("stytch_token_type") != "magic_links" || loc.Query().Get("token") == "" {
			t.Fatalf("redirect to %s (query %q)", loc, query)
		}
	})
}
