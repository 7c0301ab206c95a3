package rewrite

// The wire names: the attributes and element the rewriter writes into a
// page for the banner script (banner/assets/banner.js) to read back when the
// visitor consents, and the markers a site writes for the rewriter. A test
// checks that banner.js reads each one it must.
const (
	// attrCategory marks a held element with the category it waits for.
	attrCategory = "data-consent"
	// attrVendor names the vendor of a held element.
	attrVendor = "data-consent-vendor"
	// attrHeld prefixes each attribute held back: data-consent-src is the
	// element's src, to be restored as src.
	attrHeld = "data-consent-"
	// attrType keeps a held script's own type (type="text/plain" holds it).
	attrType = "data-consent-type"
	// attrPlaceholder marks a frame whose srcdoc is the placeholder.
	attrPlaceholder = "data-consent-ph"
	// attrElement keeps a held AMP component's own name on heldElement.
	attrElement = "data-consent-el"
	// heldElement is what a held AMP component is renamed to.
	heldElement = "cg-held"
	// openAttr marks a site's own "Cookie settings" link or button, which
	// the banner opens the settings layer for.
	openAttr = "data-consent-open"
	// fillAttr marks the element the cookie table goes in when the site
	// names no selector of its own; only the rewriter reads it.
	fillAttr = "data-consent-cookie-table"
)
