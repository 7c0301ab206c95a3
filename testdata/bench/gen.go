//go:build ignore

// Command gen writes council.html, the benchmark page of issue 12: an
// old-CMS council home page (Jadu/GOSS/Drupal-style markup) with a
// mega-menu, GTM, GA4 and legacy analytics.js in the head, a 260-row bin
// collection table, 434 links, three YouTube embeds, a Facebook page plugin
// (SDK and iframe), the Meta pixel's noscript image and inline SVG icons.
// The vendors' snippets are as they publish them. It is deterministic:
//
//	go run testdata/bench/gen.go > testdata/bench/council.html
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

func main() {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	head(p)
	p("<body class=\"home jadu-cms page-id-1\">\n")
	p("<!-- Google Tag Manager (noscript) -->\n<noscript><iframe src=\"https://www.googletagmanager.com/ns.html?id=GTM-K7LW2QX\"\nheight=\"0\" width=\"0\" style=\"display:none;visibility:hidden\"></iframe></noscript>\n<!-- End Google Tag Manager (noscript) -->\n")
	p("<div id=\"fb-root\"></div>\n<script async defer crossorigin=\"anonymous\" src=\"https://connect.facebook.net/en_GB/sdk.js#xfbml=1&amp;version=v19.0\" nonce=\"Qm9rZXkx\"></script>\n")
	sprite(p)
	links := 0
	a := func(href, text string) string { links++; return fmt.Sprintf("<a href=\"%s\">%s</a>", href, text) }
	p("<a class=\"skip-link\" href=\"#main-content\">Skip to main content</a>\n")
	links++
	header(p, a)
	megaMenu(p, a)
	p("<main id=\"main-content\" role=\"main\">\n<!-- InstanceBeginEditable name=\"content\" -->\n")
	p("<nav class=\"breadcrumb\" aria-label=\"Breadcrumb\"><ol><li>%s</li><li>%s</li><li>%s</li><li aria-current=\"page\">Bin collection days</li></ol></nav>\n",
		a("/", "Home"), a("/residents", "Residents"), a("/residents/bins-and-recycling", "Bins &amp; recycling"))
	p("<h1>Bin collection days by street</h1>\n<p class=\"lead\">Find your refuse, recycling and garden waste collection days. Collections move by one day in the weeks of bank holidays &ndash; see %s.</p>\n",
		a("/residents/bins-and-recycling/bank-holiday-collections", "bank holiday collections"))
	tasks(p, a)
	videos(p)
	table(p, a)
	news(p, a)
	facebook(p, a)
	p("<!-- InstanceEndEditable -->\n</main>\n")
	footer(p, a)
	tail(p)
	links++ // footer's data-consent-open link
	if links != 434 {
		fmt.Fprintf(os.Stderr, "gen: %d links, want 434\n", links)
		os.Exit(1)
	}
}

type printf = func(string, ...any)

func head(p printf) {
	p(`<!DOCTYPE html>
<!--[if lt IE 9]><html class="no-js lt-ie9" lang="en-GB"><![endif]-->
<!--[if gt IE 8]><!--><html class="no-js" lang="en-GB"><!--<![endif]-->
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1">
<!-- InstanceBeginEditable name="doctitle" -->
<title>Bin collection days | Llanwern County Council</title>
<!-- InstanceEndEditable -->
<meta name="description" content="Bin collection days for every street in Llanwern &ndash; refuse, recycling &amp; garden waste.">
<meta name="generator" content="Jadu Continuum CMS">
<meta property="og:title" content="Bin collection days &#124; Llanwern County Council">
<meta property="og:image" content="https://www.llanwern.gov.uk/site/images/social/og-default.png">
<meta name="twitter:card" content="summary">
<link rel="canonical" href="https://www.llanwern.gov.uk/residents/bins-and-recycling/bin-collection-days">
<link rel="alternate" hreflang="cy" href="https://www.llanwern.gov.uk/cy/trigolion/biniau-ac-ailgylchu/diwrnodau-casglu-biniau">
<link rel="shortcut icon" href="/site/favicon.ico">
<link rel="apple-touch-icon" href="/site/images/apple-touch-icon.png">
<link rel="stylesheet" href="/site/styles/generic/base.css?v=20190412" media="all">
<link rel="stylesheet" href="/site/styles/generic/print.css?v=20190412" media="print">
<link rel="preconnect" href="https://www.googletagmanager.com">
<link rel="preconnect" href="https://www.google-analytics.com" crossorigin>
<link rel="dns-prefetch" href="//connect.facebook.net">
<link rel="dns-prefetch" href="//www.youtube.com">
<!--[if lt IE 9]><script src="/site/javascript/html5shiv.min.js"></script><![endif]-->
<style>
.skip-link{position:absolute;left:-9999px}.skip-link:focus{left:0;top:0;z-index:999;background:#fd0;color:#0b0c0c;padding:.5em}
.mega-menu__panel{display:none}.mega-menu__item:hover>.mega-menu__panel,.mega-menu__item:focus-within>.mega-menu__panel{display:block}
.icon{width:1em;height:1em;fill:currentColor;vertical-align:-.125em}
table.collections td,table.collections th{padding:.25em .5em;border-bottom:1px solid #b1b4b6;text-align:left}
</style>
<script>document.documentElement.className = document.documentElement.className.replace('no-js', 'js');</script>
<!-- Google Tag Manager -->
<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-K7LW2QX');</script>
<!-- End Google Tag Manager -->
<!-- Google tag (gtag.js) -->
<script async src="https://www.googletagmanager.com/gtag/js?id=G-4XJ2N8L3QP"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());

  gtag('config', 'G-4XJ2N8L3QP');
</script>
<!-- Legacy Universal Analytics, left in by the 2016 theme -->
<script>
  (function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;i[r]=i[r]||function(){
  (i[r].q=i[r].q||[]).push(arguments)},i[r].l=1*new Date();a=s.createElement(o),
  m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)
  })(window,document,'script','https://www.google-analytics.com/analytics.js','ga');

  ga('create', 'UA-1234567-1', 'auto');
  ga('set', 'anonymizeIp', true);
  ga('send', 'pageview');
</script>
<!-- Meta Pixel Code -->
<script>
!function(f,b,e,v,n,t,s)
{if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};
if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';
n.queue=[];t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];
s.parentNode.insertBefore(t,s)}(window, document,'script',
'https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '284619037751234');
fbq('track', 'PageView');
</script>
<noscript><img height="1" width="1" style="display:none"
src="https://www.facebook.com/tr?id=284619037751234&ev=PageView&noscript=1"
/></noscript>
<!-- End Meta Pixel Code -->
<script type="application/ld+json">
{"@context":"https://schema.org","@type":"GovernmentOrganization","name":"Llanwern County Council","alternateName":"Cyngor Sir Llanwern","url":"https://www.llanwern.gov.uk/","logo":"https://www.llanwern.gov.uk/site/images/logo.png","sameAs":["https://www.facebook.com/llanwerncouncil","https://twitter.com/llanwerncouncil","https://www.youtube.com/@llanwerncouncil"]}
</script>
</head>
`)
}

// sprite is the inline SVG symbol sheet the theme's icons <use>.
func sprite(p printf) {
	p("<svg xmlns=\"http://www.w3.org/2000/svg\" style=\"display:none\" aria-hidden=\"true\">\n")
	for _, s := range icons {
		p("<symbol id=\"icon-%s\" viewBox=\"0 0 24 24\"><path d=\"%s\"/></symbol>\n", s[0], s[1])
	}
	p("</svg>\n")
}

var icons = [][2]string{
	{"search", "M15.5 14h-.79l-.28-.27A6.47 6.47 0 0 0 16 9.5 6.5 6.5 0 1 0 9.5 16c1.61 0 3.09-.59 4.23-1.57l.27.28v.79l5 4.99L20.49 19l-4.99-5zm-6 0C7.01 14 5 11.99 5 9.5S7.01 5 9.5 5 14 7.01 14 9.5 11.99 14 9.5 14z"},
	{"chevron", "M10 6 8.59 7.41 13.17 12l-4.58 4.59L10 18l6-6z"},
	{"bin", "M6 19c0 1.1.9 2 2 2h8c1.1 0 2-.9 2-2V7H6v12zM19 4h-3.5l-1-1h-5l-1 1H5v2h14V4z"},
	{"calendar", "M19 4h-1V2h-2v2H8V2H6v2H5c-1.11 0-1.99.9-1.99 2L3 20a2 2 0 0 0 2 2h14c1.1 0 2-.9 2-2V6c0-1.1-.9-2-2-2zm0 16H5V10h14v10z"},
	{"facebook", "M22 12a10 10 0 1 0-11.56 9.88v-6.99H7.9V12h2.54V9.8c0-2.51 1.49-3.89 3.78-3.89 1.09 0 2.24.2 2.24.2v2.46h-1.26c-1.24 0-1.63.77-1.63 1.56V12h2.78l-.44 2.89h-2.34v6.99A10 10 0 0 0 22 12z"},
	{"youtube", "M23.5 6.2a3 3 0 0 0-2.1-2.1C19.5 3.6 12 3.6 12 3.6s-7.5 0-9.4.5A3 3 0 0 0 .5 6.2 31 31 0 0 0 0 12a31 31 0 0 0 .5 5.8 3 3 0 0 0 2.1 2.1c1.9.5 9.4.5 9.4.5s7.5 0 9.4-.5a3 3 0 0 0 2.1-2.1A31 31 0 0 0 24 12a31 31 0 0 0-.5-5.8zM9.6 15.6V8.4l6.3 3.6-6.3 3.6z"},
}

func icon(name string) string {
	return fmt.Sprintf("<svg class=\"icon icon--%s\" aria-hidden=\"true\" focusable=\"false\"><use xlink:href=\"#icon-%s\"></use></svg>", name, name)
}

func header(p printf, a func(string, string) string) {
	p("<header class=\"site-header\" role=\"banner\">\n<div class=\"site-header__logo\">%s</div>\n",
		a("/", "<img src=\"/site/images/logo.svg\" alt=\"Llanwern County Council &ndash; home\" width=\"220\" height=\"60\">"))
	p("<ul class=\"site-header__utility\"><li>%s</li><li>%s</li><li>%s</li><li>%s</li></ul>\n",
		a("/cy/", "Cymraeg"), a("/my-account", "My account"), a("/contact-us", "Contact us"), a("/accessibility", "Accessibility"))
	p("<form class=\"site-search\" action=\"/site/scripts/google_results.php\" method=\"get\" role=\"search\"><label for=\"q\" class=\"visually-hidden\">Search this site</label><input id=\"q\" name=\"q\" type=\"search\" placeholder=\"Search &hellip;\"><button type=\"submit\">%s<span class=\"visually-hidden\">Search</span></button></form>\n</header>\n", icon("search"))
}

var sections = []struct {
	name  string
	items []string
}{
	{"Bins and recycling", []string{"Bin collection days", "Missed bin", "Bulky waste collection", "Garden waste subscription", "Recycling centres", "What goes in which bin", "Order a new bin", "Assisted collections", "Clinical waste", "Commercial waste", "Fly-tipping", "Bank holiday collections"}},
	{"Council tax", []string{"Pay council tax", "Council tax bands", "Discounts and exemptions", "Single person discount", "Council tax reduction", "Moving home", "Direct Debit", "Arrears and recovery", "Second homes premium", "Appeals", "Where your money goes", "Council tax e-billing"}},
	{"Housing", []string{"Apply for housing", "Homelessness", "Housing benefit", "Private renting", "Disabled facilities grant", "Empty homes", "Houses in multiple occupation", "Gypsy and Traveller sites", "Home improvement loans", "Landlord licensing", "Energy efficiency grants", "Report disrepair"}},
	{"Schools and learning", []string{"School admissions", "Term dates", "Free school meals", "School transport", "Adult learning", "Libraries", "Youth service", "Childcare", "Additional learning needs", "School closures", "Welsh-medium education", "Education welfare"}},
	{"Roads and transport", []string{"Report a pothole", "Road works", "Parking permits", "Pay a parking fine", "Blue badges", "Bus passes", "Gritting", "Streetlights", "Dropped kerbs", "Road closures", "Active travel", "Car parks"}},
	{"Planning and building", []string{"View planning applications", "Apply for planning permission", "Building control", "Local development plan", "Conservation areas", "Listed buildings", "Tree preservation orders", "Planning enforcement", "Pre-application advice", "Street naming", "Land charges", "Community infrastructure levy"}},
	{"Social care and health", []string{"Adult social care", "Children's services", "Carers", "Safeguarding", "Fostering", "Adoption", "Care homes", "Direct payments", "Meals on wheels", "Telecare", "Mental health", "Dementia support"}},
	{"Council and democracy", []string{"Councillors", "Committee meetings", "Elections", "Register to vote", "Budget and spending", "Freedom of information", "Consultations", "Complaints", "Jobs", "Privacy notice", "Cookies", "Transparency"}},
}

func slug(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer(" ", "-", "'", "", "(", "", ")", "").Replace(s)
	return s
}

func megaMenu(p printf, a func(string, string) string) {
	p("<nav class=\"mega-menu\" aria-label=\"Main\">\n<ul class=\"mega-menu__list\">\n")
	for _, s := range sections {
		base := "/residents/" + slug(s.name)
		p("<li class=\"mega-menu__item\">%s\n<div class=\"mega-menu__panel\"><ul class=\"mega-menu__sublist\">\n",
			a(base, s.name+" "+icon("chevron")))
		for _, it := range s.items {
			p("<li class=\"mega-menu__subitem\">%s</li>\n", a(base+"/"+slug(it), it))
		}
		p("</ul></div></li>\n")
	}
	p("</ul>\n</nav>\n")
}

var popular = [][2]string{
	{"Report a missed bin", "Tell us by 4pm the day after your collection and we will come back within two working days."},
	{"Order a replacement bin", "Wheeled bins, recycling boxes and food caddies: delivered within ten working days."},
	{"Book a bulky waste collection", "Up to five large items such as furniture, fridges and mattresses, collected from outside your home."},
	{"Renew your garden waste subscription", "From &pound;42 a year for fortnightly collections of one brown bin, March to November."},
	{"Find your nearest recycling centre", "Opening times, what each site takes and how to book a visit with a van or trailer."},
	{"Check what goes in which bin", "An A&ndash;Z of household items and where to put them, including batteries and small electricals."},
	{"Apply for an assisted collection", "If nobody in your home can put the bins out, our crews can collect them from your property."},
	{"Report fly-tipping", "Tell us where it is, what it is and when you saw it; please do not touch it or move it."},
	{"Request a clinical waste collection", "A free weekly collection of sharps and other clinical waste for patients treated at home."},
	{"Download the collection calendar", "A printable PDF of this year's collection days for your round, with bank holiday changes."},
}

func tasks(p printf, a func(string, string) string) {
	p("<section class=\"widget widget--tasks\"><h2>Popular tasks</h2>\n<ul class=\"task-list\">\n")
	for _, t := range popular {
		p("<li class=\"task-list__item\">%s<p>%s</p></li>\n", a("/residents/bins-and-recycling/"+slug(t[0]), t[0]), t[1])
	}
	p("</ul></section>\n")
}

var videoIDs = []struct{ id, si, title string }{
	{"dQ7rK2mLp0Y", "Xh3kP9qLmN2vB8sT", "How to use your recycling boxes"},
	{"Lk4Nw8yUe2Q", "pR5tY7uI9oPaSdF1", "Garden waste collections explained"},
	{"Zp2Cx9vBn6M", "gH4jK6lZ8xCvBnM2", "A day at Llanwern recycling centre"},
}

func videos(p printf) {
	p("<section class=\"widget widget--video\"><h2>%s Watch: recycling in Llanwern</h2>\n<div class=\"video-grid\">\n", icon("youtube"))
	for _, v := range videoIDs {
		p("<figure class=\"video\"><iframe width=\"560\" height=\"315\" src=\"https://www.youtube.com/embed/%s?si=%s\" title=\"YouTube video player\" frameborder=\"0\" allow=\"accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture; web-share\" referrerpolicy=\"strict-origin-when-cross-origin\" allowfullscreen></iframe><figcaption>%s</figcaption></figure>\n", v.id, v.si, v.title)
	}
	p("</div></section>\n")
}

var (
	first  = []string{"Heol", "Ffordd", "Church", "Station", "Mill", "Castle", "Park", "Chapel", "Bryn", "Maes", "Victoria", "Cae", "Llys", "Oak", "Pen-y", "School", "Tŷ", "Clos"}
	second = []string{"Road", "Street", "Lane", "Close", "Avenue", "Drive", "Terrace", "Gardens", "Way", "Crescent", "View", "Court", "Hill"}
	names  = []string{"y Castell", "Newydd", "Mawr", "Glas", "Fach", "Derwen", "Coed", "Afon", "Gwyn", "Eglwys", "Onnen", "Celyn"}
	areas  = []string{"Llanwern", "Langstone", "Bishton", "Magor", "Undy", "Penhow", "Caerwent", "Llanmartin", "Redwick", "Whitson"}
	days   = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}
	weeks  = []string{"Week A", "Week B"}
)

func table(p printf, a func(string, string) string) {
	p("<section class=\"widget\"><h2>%s Collection days</h2>\n", icon("calendar"))
	p("<table class=\"collections sortable\" summary=\"Bin collection days by street &amp; area\">\n<caption>Collection days for streets in Llanwern &amp; surrounding villages (updated 1&nbsp;April)</caption>\n")
	p("<thead><tr><th scope=\"col\">Street</th><th scope=\"col\">Area</th><th scope=\"col\">Postcode</th><th scope=\"col\">Refuse</th><th scope=\"col\">Recycling</th><th scope=\"col\">Garden waste</th><th scope=\"col\">Food waste</th></tr></thead>\n<tbody>\n")
	for i := range 260 {
		var street string
		if i%3 == 0 {
			street = first[i%len(first)] + " " + names[(i/3)%len(names)]
		} else {
			street = first[i%len(first)] + " " + second[(i*7)%len(second)]
		}
		area := areas[(i*3)%len(areas)]
		pc := fmt.Sprintf("NP18 %d%c%c", i%10, 'A'+rune(i%23), 'A'+rune((i*5)%23))
		href := fmt.Sprintf("/residents/bins-and-recycling/bin-collection-days/street?usrn=%d&amp;area=%s", 41200000+i*37, slug(area))
		row := "odd"
		if i%2 == 1 {
			row = "even"
		}
		p("<tr class=\"%s\"><td data-label=\"Street\">%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s (%s)</td><td>%s</td><td>%s</td></tr>\n",
			row, a(href, street), area, pc, days[i%5], days[(i+1)%5], weeks[i%2], days[(i+2)%5], days[i%5])
	}
	p("</tbody>\n</table>\n<p class=\"table-note\">Can&rsquo;t find your street? %s or call 01633 000000.</p>\n</section>\n",
		a("/residents/bins-and-recycling/report-a-missing-street", "Tell us"))
}

func news(p printf, a func(string, string) string) {
	p("<aside class=\"supplement\"><h2>Latest news</h2>\n<ul class=\"news-list\">\n")
	for i := range 10 {
		p("<li class=\"news-list__item\">%s<span class=\"news-list__date\">%d March</span><p>Residents are asked to put bins out by 7&nbsp;am on collection day; crews may arrive earlier than usual while routes change.</p></li>\n",
			a(fmt.Sprintf("/news/article/%d/route-changes-%d", 2700+i, i), fmt.Sprintf("Collection route changes: update %d", i+1)))
	}
	p("</ul>\n<p>%s</p>\n</aside>\n", a("/news", "All news"))
}

func facebook(p printf, a func(string, string) string) {
	p("<section class=\"widget widget--social\"><h2>%s Follow us</h2>\n", icon("facebook"))
	p("<div class=\"fb-page\" data-href=\"https://www.facebook.com/llanwerncouncil\" data-tabs=\"timeline\" data-width=\"340\" data-height=\"500\" data-small-header=\"false\" data-adapt-container-width=\"true\" data-hide-cover=\"false\" data-show-facepile=\"true\"><blockquote cite=\"https://www.facebook.com/llanwerncouncil\" class=\"fb-xfbml-parse-ignore\">%s</blockquote></div>\n",
		a("https://www.facebook.com/llanwerncouncil", "Llanwern County Council"))
	p("<!-- fallback for the old theme's sidebar -->\n<iframe src=\"https://www.facebook.com/plugins/page.php?href=https%%3A%%2F%%2Fwww.facebook.com%%2Fllanwerncouncil&amp;tabs=timeline&amp;width=340&amp;height=500&amp;small_header=false&amp;adapt_container_width=true&amp;hide_cover=false&amp;show_facepile=true&amp;appId\" width=\"340\" height=\"500\" style=\"border:none;overflow:hidden\" scrolling=\"no\" frameborder=\"0\" allowfullscreen=\"true\" allow=\"autoplay; clipboard-write; encrypted-media; picture-in-picture; web-share\"></iframe>\n</section>\n")
}

func footer(p printf, a func(string, string) string) {
	p("<footer class=\"site-footer\" role=\"contentinfo\">\n<div class=\"site-footer__columns\">\n")
	cols := [][]string{
		{"About the council", "Contact us", "Council offices", "Opening times", "Jobs and careers", "Press office", "Annual report", "Equality and diversity", "Welsh language standards"},
		{"Accessibility statement", "Privacy notice", "Terms and conditions", "Freedom of information", "Modern slavery statement", "Complaints", "Compliments", "Site map", "Translate this site"},
		{"Report it", "Apply for it", "Pay for it", "Book it", "Find my nearest", "Councillors", "Committee meetings", "Consultations", "Newsletters"},
		{"Libraries", "Leisure centres", "Parks and countryside", "Events", "Tourism", "Museums"},
	}
	for _, c := range cols {
		p("<ul class=\"site-footer__list\">\n")
		for _, it := range c {
			p("<li>%s</li>\n", a("/"+slug(it), it))
		}
		p("</ul>\n")
	}
	p("</div>\n<ul class=\"site-footer__social\"><li>%s</li><li>%s</li><li>%s</li></ul>\n",
		a("https://www.facebook.com/llanwerncouncil", icon("facebook")+"<span class=\"visually-hidden\">Facebook</span>"),
		a("https://twitter.com/llanwerncouncil", "X (Twitter)"),
		a("https://www.youtube.com/@llanwerncouncil", icon("youtube")+"<span class=\"visually-hidden\">YouTube</span>"))
	p("<p class=\"site-footer__cookies\"><a href=\"#\" data-consent-open>Cookie settings</a></p>\n")
	p("<p class=\"site-footer__copy\">&copy; Llanwern County Council 2019 &middot; Cyngor Sir Llanwern</p>\n</footer>\n")
}

func tail(p printf) {
	p(`<script src="/site/javascript/jquery-1.12.4.min.js"></script>
<script src="/site/javascript/jadu.megamenu.js?v=20190412"></script>
<script>
  // Open the mega-menu by keyboard; the old theme's own code.
  jQuery(function ($) {
    $('.mega-menu__item > a').on('keydown', function (e) {
      if (e.which === 40 && !$(this).next().is(':visible')) { e.preventDefault(); $(this).next().show().find('a').first().focus(); }
    });
    if (window.location.hash === '#main-content' && document.body.scrollTop < 10) { $('#main-content').attr('tabindex', -1).focus(); }
  });
</script>
</body>
</html>
`)
}
