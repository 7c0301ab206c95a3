package caddymodule

import (
	"strings"
	"sync"

	"github.com/consentgate/consentgate/banner"
)

// providerLinks memoises banner.ProviderLink, so that a frame's URL is
// parsed once per configuration rather than on every page view showing it.
type providerLinks struct {
	mu sync.RWMutex
	m  map[string]string
}

// Frame URLs come from the pages: the memo keeps at most maxLinks of them,
// none longer than maxLinkSrc, and works the rest out each time.
const (
	maxLinks   = 4096
	maxLinkSrc = 2048
)

// of is banner.ProviderLink(src).
func (l *providerLinks) of(src string) string {
	l.mu.RLock()
	link, ok := l.m[src]
	l.mu.RUnlock()
	if ok {
		return link
	}
	src = strings.Clone(src) // the rewriter's src shares the page's memory
	link = banner.ProviderLink(src)
	if len(src) <= maxLinkSrc {
		l.mu.Lock()
		if l.m == nil {
			l.m = make(map[string]string)
		}
		if len(l.m) < maxLinks {
			l.m[src] = link
		}
		l.mu.Unlock()
	}
	return link
}
