package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
)

// upstream is the origin Caddy proxies to, in this process so that it
// costs the same in both configurations and needs nothing installed.
type upstream struct {
	addr string
	srv  *http.Server
	// The big page's responses being written and their bytes so far: at
	// the memory sample, every response must still be streaming.
	streaming, sent atomic.Int64
}

const (
	pagePath = "/bins.html" // the council page
	jsPath   = "/site.js"   // 100 KB of JavaScript: what non-HTML costs
	bigPath  = "/big.html"  // the council page repeated to the slow clients' size
)

func startUpstream(pageFile string, bigSize int) (*upstream, error) {
	page, err := os.ReadFile(pageFile)
	if err != nil {
		return nil, err
	}
	js := script(100 << 10)
	mux := http.NewServeMux()
	mux.HandleFunc(pagePath, func(w http.ResponseWriter, r *http.Request) {
		serve(w, "text/html; charset=utf-8", page)
	})
	mux.HandleFunc(jsPath, func(w http.ResponseWriter, r *http.Request) {
		serve(w, "text/javascript; charset=utf-8", js)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	u := &upstream{addr: l.Addr().String(), srv: &http.Server{Handler: mux}}
	mux.HandleFunc(bigPath, func(w http.ResponseWriter, r *http.Request) {
		// Streamed, no Content-Length: as a CMS sends a long generated page.
		u.streaming.Add(1)
		defer u.streaming.Add(-1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		for n := 0; n < bigSize; n += len(page) {
			if _, err := w.Write(page); err != nil {
				return
			}
			u.sent.Add(int64(len(page)))
		}
	})
	go u.srv.Serve(l)
	return u, nil
}

func serve(w http.ResponseWriter, ctype string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

func (u *upstream) close() { u.srv.Close() }

// script returns about size bytes of plausible site JavaScript.
func script(size int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "function handler%d(e){var t=e.target.closest('[data-toggle]');if(!t)return;"+
			"t.setAttribute('aria-expanded',t.getAttribute('aria-expanded')!=='true');"+
			"document.getElementById(t.dataset.toggle).hidden=!document.getElementById(t.dataset.toggle).hidden}\n", i)
	}
	return b.Bytes()
}
