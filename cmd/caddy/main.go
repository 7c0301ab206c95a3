// Command caddy is Caddy with its standard modules plus consentgate's
// cookie_consent handler: the same binary xcaddy would build.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"
	_ "github.com/consentgate/consentgate/caddymodule"
)

func main() {
	caddycmd.Main()
}
