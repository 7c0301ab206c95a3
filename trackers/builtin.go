package trackers

// Builtin is the catalogue shipped with consentgate: the vendors UK council
// sites paste in, with the cookies each is documented to set.
//
// Google hosts: everything on google-analytics.com, analytics.google.com,
// googletagmanager.com, doubleclick.net, googlesyndication.com,
// googleadservices.com, googletagservices.com and adservice.google.com is
// tracking; on google.com and google.co.uk only the advertising paths are
// (/pagead/, /ads/, /ccm/, /rmkt/). reCAPTCHA is strictly necessary and
// never held; Google Maps, Fonts (fonts.googleapis.com, fonts.gstatic.com),
// Hosted Libraries (ajax.googleapis.com) and Translate are not in the
// catalogue: a site holds Maps back with a rule of its own.
var Builtin = []Vendor{
	{
		// reCAPTCHA protects the form a visitor is filling in. Its entries
		// exempt it from the Google rules, here and in the run-time guard.
		ID: "google-recaptcha", Name: "Google reCAPTCHA", Category: Necessary,
		Hosts:      []string{"google.com/recaptcha/", "recaptcha.net/recaptcha/", "gstatic.com/recaptcha/"},
		PrivacyURL: "https://policies.google.com/privacy",
		Cookies: []Cookie{
			{Name: "_GRECAPTCHA", Content: "Risk analysis result", Expiry: "6 months", ThirdParty: true, Purpose: "Tells people from automated abuse when a form is sent"},
		},
	},
	{
		// The container snippet loads gtm.js by URL, however the page
		// assembles it (a custom domain too: "gtm.js?id=").
		ID: "google-tag-manager", Name: "Google Tag Manager", Category: Analytics,
		Hosts: []string{"googletagmanager.com"}, Paths: []string{"/gtm.js", "/ns.html"},
		Signatures:    []string{"googletagmanager.com/gtm.js", "googletagmanager.com/ns.html", "gtm.js?id="},
		PrivacyURL:    "https://policies.google.com/privacy",
		NotStatistics: "it loads whatever tags its container holds, not only statistics: load Google Analytics with gtag.js (google-analytics) to use the exception, or keep Tag Manager behind consent",
	},
	{
		// Google Ads conversion tracking: its own hosts, and gtag.js when
		// loaded or configured for an AW- (Ads) or DC- (Floodlight) ID, which
		// is why it is matched before Google Analytics.
		ID: "google-ads", Name: "Google Ads", Category: Marketing,
		Hosts: []string{
			"doubleclick.net", "googleadservices.com", "googlesyndication.com", "googletagservices.com",
			"adservice.google.com", "adservice.google.co.uk",
			"googletagmanager.com/gtag/js?id=AW-", "googletagmanager.com/gtag/js?id=DC-",
			"googletagmanager.com/gtag/destination?id=AW-", "googletagmanager.com/gtag/destination?id=DC-",
			"google.com/pagead/", "google.com/ads/", "google.com/ccm/", "google.com/rmkt/",
			"google.co.uk/pagead/", "google.co.uk/ads/", "google.co.uk/ccm/", "google.co.uk/rmkt/",
		},
		// Loaders of conversion.js, adsbygoogle.js, gpt.js and Floodlight;
		// doubleclick.net by subdomain, as stats.g. is Google Analytics'.
		Signatures: []string{
			"googletagmanager.com/gtag/js?id=AW-", "googletagmanager.com/gtag/js?id=DC-",
			"googleadservices.com", "googlesyndication.com", "googletagservices.com",
			"googleads.g.doubleclick.net", "pubads.g.doubleclick.net", "ad.doubleclick.net", "fls.doubleclick.net",
		},
		PrivacyURL: "https://policies.google.com/privacy",
		Cookies: []Cookie{
			{Name: "_gac_", Prefix: true, Content: "Campaign information", Expiry: "90 days", Purpose: "Links visits to advertising campaigns"},
			{Name: "_gcl_", Prefix: true, Content: "Ad click information", Expiry: "90 days", Purpose: "Measures advertising conversions"},
		},
	},
	{
		ID: "google-analytics", Name: "Google Analytics", Category: Analytics,
		// consent-mode.js turns the rest off on the page (Google signals, ad
		// personalisation, ad data); the property must agree.
		StatisticsSettings: []string{
			"Google Analytics: turn off Google signals (Admin, Data collection)",
			"Google Analytics: link no Google Ads, Display & Video 360 or other advertising product",
			"Google Analytics: turn off data sharing with Google products and services, and for modelling contributions and business insights",
			"Google Analytics: send no User-ID or other identifier of a person",
			"Google Analytics: keep data retention as short as the reports need",
		},
		Hosts: []string{"google-analytics.com", "analytics.google.com", "googletagmanager.com", "stats.g.doubleclick.net"},
		// The loaders of every generation name the script they load:
		// urchin.js, ga.js and dc.js (async _gaq and document.write
		// snippets), analytics.js (also renamed, as WordPress plugins do:
		// GoogleAnalyticsObject is set by its loader alone), gtag.js.
		Signatures: []string{
			"google-analytics.com", "stats.g.doubleclick.net", "analytics.google.com/g/", "googletagmanager.com/gtag/js",
			"GoogleAnalyticsObject",
		},
		PrivacyURL: "https://policies.google.com/privacy",
		Cookies: []Cookie{
			{Name: "_ga", Content: "Client ID, GA1.1.<random>.<time>", Expiry: "2 years", Purpose: "Distinguishes visitors so visits can be counted"},
			{Name: "_ga_", Prefix: true, Content: "Session state", Expiry: "2 years", Purpose: "Keeps the state of a visit (Google Analytics 4)"},
			{Name: "_gid", Content: "Client ID", Expiry: "24 hours", Purpose: "Distinguishes visitors (Universal Analytics)"},
			{Name: "_gat", Prefix: true, Content: "1", Expiry: "1 minute", Purpose: "Throttles the request rate"},
			{Name: "_dc_gtm_", Prefix: true, Content: "1", Expiry: "1 minute", Purpose: "Throttles the request rate (via Tag Manager)"},
			{Name: "AMP_TOKEN", Content: "Token or opt-out flag", Expiry: "1 year", Purpose: "Client ID for AMP pages"},
			{Name: "__utma", Content: "Randomly generated number", Expiry: "2 years", Purpose: "Distinguishes visitors (legacy ga.js)"},
			{Name: "__utmb", Content: "Randomly generated number", Expiry: "30 minutes", Purpose: "Determines new sessions (legacy ga.js)"},
			{Name: "__utmc", Content: "Randomly generated number", Expiry: "End of session", Purpose: "Determines new sessions (legacy ga.js)"},
			{Name: "__utmt", Content: "1", Expiry: "10 minutes", Purpose: "Throttles the request rate (legacy ga.js)"},
			{Name: "__utmz", Content: "How the site was reached", Expiry: "6 months", Purpose: "Records the traffic source (legacy ga.js)"},
			{Name: "__utmv", Content: "Custom variable", Expiry: "2 years", Purpose: "Stores custom visitor data (legacy ga.js)"},
		},
	},
	{
		ID: "hotjar", Name: "Hotjar (Contentsquare)", Category: Analytics,
		Hosts:         []string{"hotjar.com", "hotjar.io", "contentsquare.net"},
		Signatures:    []string{"static.hotjar.com", "script.hotjar.com", "_hjSettings", "contentsquare.net"},
		PrivacyURL:    "https://www.hotjar.com/legal/policies/privacy/",
		NotStatistics: "session recordings and heatmaps go beyond statistics about how the site is used",
		Cookies: []Cookie{
			{Name: "_hjSessionUser_", Prefix: true, Content: "User ID", Expiry: "365 days", Purpose: "Recognises a returning visitor"},
			{Name: "_hjSession_", Prefix: true, Content: "Session data", Expiry: "30 minutes", Purpose: "Holds the current session"},
			{Name: "_hjid", Content: "User ID", Expiry: "365 days", Purpose: "Recognises a returning visitor"},
			{Name: "_hjAbsoluteSessionInProgress", Content: "0 or 1", Expiry: "30 minutes", Purpose: "Detects the first page view of a session"},
			{Name: "_hjFirstSeen", Content: "1", Expiry: "30 minutes", Purpose: "Identifies a new visitor's first session"},
			{Name: "_hjIncludedInSessionSample", Prefix: true, Content: "0 or 1", Expiry: "30 minutes", Purpose: "Whether the visit is in the recording sample"},
			{Name: "_hj", Prefix: true, Content: "Varies", Expiry: "Up to 365 days", Purpose: "Hotjar session and sampling state"},
			{Name: "_cs_id", Content: "Visitor ID", Expiry: "13 months", Purpose: "Recognises a returning visitor (Contentsquare)"},
			{Name: "_cs_s", Content: "Session data", Expiry: "30 minutes", Purpose: "Holds the current session (Contentsquare)"},
		},
	},
	{
		ID: "youtube", Name: "YouTube", Category: Media,
		Hosts:      []string{"youtube.com", "youtube-nocookie.com", "ytimg.com", "googlevideo.com", "youtu.be"},
		Signatures: []string{"youtube.com/iframe_api", "youtube.com/player_api"},
		PrivacyURL: "https://policies.google.com/privacy",
		Cookies: []Cookie{
			{Name: "YSC", Content: "Random ID", Expiry: "End of session", ThirdParty: true, Purpose: "Counts video views"},
			{Name: "VISITOR_INFO1_LIVE", Content: "Random ID", Expiry: "6 months", ThirdParty: true, Purpose: "Estimates bandwidth and tracks viewing"},
			{Name: "VISITOR_PRIVACY_METADATA", Content: "Consent state", Expiry: "6 months", ThirdParty: true, Purpose: "Stores the visitor's consent state for YouTube"},
			{Name: "PREF", Content: "Preferences", Expiry: "8 months", ThirdParty: true, Purpose: "Stores player preferences"},
			{Name: "yt-remote-device-id", Storage: "localStorage", Content: "Device ID", Expiry: "Until cleared", ThirdParty: true, Purpose: "Remembers the device for casting"},
			{Name: "ytidb::LAST_RESULT_ENTRY_KEY", Storage: "localStorage", Content: "Last result", Expiry: "Until cleared", ThirdParty: true, Purpose: "Player state"},
		},
	},
	{
		// The JavaScript SDK renders social plugins (page, like, comments);
		// the pixel (fbevents.js) is advertising.
		ID: "facebook-sdk", Name: "Facebook", Category: Social,
		Hosts: []string{"connect.facebook.net"}, Paths: []string{"/*/sdk.js", "/*/sdk/*", "/*/all.js"},
		Signatures: []string{`re:connect\.facebook\.net/[A-Za-z_]+/(?:sdk|all)[./]`},
		PrivacyURL: "https://www.facebook.com/privacy/policy/",
	},
	{
		ID: "meta", Name: "Meta (Facebook)", Category: Marketing,
		Hosts:      []string{"connect.facebook.net", "facebook.net"},
		Signatures: []string{"connect.facebook.net", `re:facebook\.com/tr\b`},
		PrivacyURL: "https://www.facebook.com/privacy/policy/",
		Cookies: []Cookie{
			{Name: "_fbp", Content: "Browser ID, fb.1.<time>.<random>", Expiry: "90 days", Purpose: "Identifies the browser for advertising"},
			{Name: "_fbc", Content: "Ad click ID", Expiry: "90 days", Purpose: "Records the last ad click"},
			{Name: "fr", Content: "Browser and user ID", Expiry: "90 days", ThirdParty: true, Purpose: "Advertising delivery and measurement"},
			{Name: "datr", Content: "Browser ID", Expiry: "2 years", ThirdParty: true, Purpose: "Identifies the browser for security and integrity"},
		},
	},
	{
		// facebook.com itself serves both the pixel (marketing, matched above
		// by path) and social plugins.
		ID: "facebook-tr", Name: "Meta Pixel", Category: Marketing,
		Hosts: []string{"facebook.com"}, Paths: []string{"/tr"},
		PrivacyURL: "https://www.facebook.com/privacy/policy/",
	},
	{
		// Social plugins, and the images they show from Facebook's CDN.
		ID: "facebook", Name: "Facebook", Category: Social,
		Hosts:      []string{"facebook.com", "fbcdn.net"},
		PrivacyURL: "https://www.facebook.com/privacy/policy/",
	},
	{
		// Embeds (embed.js and blockquote.instagram-media) and their images.
		ID: "instagram", Name: "Instagram", Category: Social,
		Hosts:      []string{"instagram.com", "cdninstagram.com"},
		Signatures: []string{"instagram.com/embed.js"},
		PrivacyURL: "https://privacycenter.instagram.com/policy",
	},
	{
		// The X pixel (uwt.js, twq) is advertising; analytics.twitter.com is
		// more specific than twitter.com below.
		ID: "x-ads", Name: "X (Twitter) Ads", Category: Marketing,
		Hosts:      []string{"ads-twitter.com", "analytics.twitter.com", "ads-api.twitter.com", "t.co"},
		Signatures: []string{"static.ads-twitter.com", "analytics.twitter.com", "t.co/i/adsct"},
		PrivacyURL: "https://x.com/privacy",
	},
	{
		ID: "twitter", Name: "X (Twitter)", Category: Social,
		Hosts:      []string{"platform.twitter.com", "platform.x.com", "syndication.twitter.com", "cdn.syndication.twimg.com", "twimg.com", "twitter.com", "x.com"},
		Signatures: []string{"platform.twitter.com/widgets.js", "platform.x.com/widgets.js", "twitter-wjs"},
		PrivacyURL: "https://x.com/privacy",
		Cookies: []Cookie{
			{Name: "personalization_id", Content: "Browser ID", Expiry: "2 years", ThirdParty: true, Purpose: "Personalises content and ads"},
			{Name: "guest_id", Content: "Browser ID", Expiry: "2 years", ThirdParty: true, Purpose: "Identifies a logged-out visitor"},
			{Name: "muc_ads", Content: "Browser ID", Expiry: "2 years", ThirdParty: true, Purpose: "Advertising measurement"},
			{Name: "gt", Content: "Guest token", Expiry: "End of session", ThirdParty: true, Purpose: "Guest access token"},
		},
	},
	// Fail-safe classes for AMP components (MatchElement) whose vendor
	// their markup does not tell: no hosts, no signatures.
	{
		ID: "amp-analytics", Name: "Analytics on AMP pages", Category: Analytics,
		PrivacyURL:    "https://amp.dev/documentation/components/amp-analytics/",
		NotStatistics: "an amp-analytics component may send to any vendor",
	},
	{
		ID: "amp-ad", Name: "Advertising on AMP pages", Category: Marketing,
		PrivacyURL: "https://amp.dev/documentation/components/amp-ad/",
	},
	{
		ID: "amp-call-tracking", Name: "Call tracking on AMP pages", Category: Marketing,
		PrivacyURL: "https://amp.dev/documentation/components/amp-call-tracking/",
	},
}
