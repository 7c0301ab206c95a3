package console

import (
	"net/http"
	"strings"
)

// LoginForm is what the sign-in page shows.
type LoginForm struct {
	// User is the user name typed last time, shown again after a failure.
	User string
	// ReturnTo is the console page to go to once signed in (a path under
	// the prefix, checked by the caller); it travels in a hidden field.
	ReturnTo string
	// Error says why the last attempt failed; the fields point at it with
	// aria-describedby. Notice is a neutral message ("You have signed out").
	Error, Notice string
	// NoForm shows only the message: the form cannot be used (over plain
	// HTTP, say).
	NoForm bool
}

// LoginPage writes the sign-in page of a console mounted at prefix, with
// the console's headers and stylesheet. The form posts user name, password
// and return_to to prefix + "/login" and needs no JavaScript.
func LoginPage(w http.ResponseWriter, status int, prefix string, f LoginForm) error {
	setHeaders(w.Header())
	return write(w, status, "login", view{Prefix: strings.TrimSuffix(prefix, "/"), Title: "Sign in", Data: f})
}
