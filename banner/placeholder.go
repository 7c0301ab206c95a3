package banner

import (
	"net/url"
	"strings"
)

// Embed is a third-party frame held back until consent.
type Embed struct {
	Page
	Provider string   // "YouTube"
	Category Category // the category that would allow it
	Link     string   // the content on the provider's own site, if known
}

// Sub fills {provider} and {category} into a placeholder string.
func (e Embed) Sub(s string) string {
	return strings.NewReplacer("{provider}", e.Provider, "{category}", strings.ToLower(e.Category.Name)).Replace(s)
}

// Placeholder renders the document shown inside a held-back frame (as its
// srcdoc): it keeps the frame's place and size in the page, names the
// provider, links to the content on the provider's site and offers to load
// it once or always allow its category. It works without JavaScript: the
// form posts to the top window. Nothing in it is fetched from the provider.
func Placeholder(e Embed) []byte { return render("placeholder.html", e) }

// ProviderLink returns where the content of an embed URL can be seen on the
// provider's own site: a YouTube watch page, the page a Facebook plugin
// shows, or the frame URL itself. Only http(s) URLs are returned.
func ProviderLink(src string) string {
	if strings.HasPrefix(src, "//") {
		src = "https:" + src
	}
	u, err := url.Parse(src)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	switch {
	case (host == "youtube.com" || host == "youtube-nocookie.com" || host == "m.youtube.com") && strings.HasPrefix(u.Path, "/embed/"):
		id := strings.TrimPrefix(u.Path, "/embed/")
		if id != "" && !strings.Contains(id, "/") && id != "videoseries" {
			return "https://www.youtube.com/watch?v=" + url.QueryEscape(id)
		}
		if list := u.Query().Get("list"); list != "" {
			return "https://www.youtube.com/playlist?list=" + url.QueryEscape(list)
		}
	case host == "facebook.com" && strings.HasPrefix(u.Path, "/plugins/"):
		if href := u.Query().Get("href"); strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "http://") {
			return href
		}
	}
	return u.String()
}
