package vlm

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// #17.7: a 401 names the variable the key is read from; a 404 from a base_url without /v1 asks whether
// /v1 was meant.
func TestErrorMessagesSayWhatToFix(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !strings.HasPrefix(r.URL.Path, "/v1/") {
			w.WriteHeader(404)
			w.Write([]byte(`{"detail":"Not Found"}`))
			return
		}
		w.WriteHeader(401)
		w.Write([]byte(`{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`))
	}))
	defer srv.Close()
	t.Setenv("LOUPE_TEST_KEY", "sk-test-123456")
	for _, c := range []struct{ base, env, want string }{
		{srv.URL + "/v1", "LOUPE_TEST_KEY", "$LOUPE_TEST_KEY"},
		{srv.URL + "/v1", "", "api_key_env"},
		{srv.URL, "", "did you mean " + srv.URL + "/v1"},
	} {
		b := &Backend{Name: "x", Kind: KindVLLM, BaseURL: c.base, Model: "m", APIKeyEnv: c.env}
		if err := b.Normalize(); err != nil {
			t.Fatal(err)
		}
		cl, err := NewClient(b, nil)
		if err != nil {
			t.Fatal(err)
		}
		errs := sendAll(t, cl, 1, 1)
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), c.want) {
			t.Errorf("%s (key from %q): %v, want %q", c.base, c.env, errs, c.want)
		}
	}
}
