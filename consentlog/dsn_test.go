package consentlog

import "testing"

func TestRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://consent:s3cret@db.internal/consent?sslmode=require": "postgres://consent:xxxxx@db.internal/consent?sslmode=require",
		"postgres://postgres@/db?host=/tmp":                             "postgres://postgres@/db?host=/tmp",
		"/var/lib/caddy/consent-log.db":                                 "/var/lib/caddy/consent-log.db",
	} {
		if got := RedactDSN(in); got != want {
			t.Errorf("RedactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}
