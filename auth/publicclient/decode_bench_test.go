package publicclient

import "testing"

// BenchmarkDecodeAuthenticate decodes a magic_links/authenticate answer as
// AuthenticateLink does: the client's share of the CPU of a sign-in, which
// auth's BenchmarkEmulatorAuthenticate compares with stytch-go's.
func BenchmarkDecodeAuthenticate(b *testing.B) {
	body := []byte(sample(b, "magic_links_authenticate.json"))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var out authData
		if err := decodeResponse(200, body, &out, nil); err != nil {
			b.Fatal(err)
		}
	}
}
