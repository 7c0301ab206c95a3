package consentlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// The text a visitor was shown is kept beside the chain, by the hash each
// record carries in BannerHash, so that a DPO can answer "what exactly did
// this person agree to on that date" long after the text has changed.

// maxBannerText bounds a kept text: a banner's strings in one locale are a
// few KiB, and the store must not take whatever a caller hands it.
const maxBannerText = 256 << 10

// BannerText is one version of a banner's text, as kept by KeepBannerText.
type BannerText struct {
	Hash   string    // HashBannerText(Text), what records name it by
	Locale string    // the locale it was first kept for
	Text   string    // exactly the text hashed
	First  time.Time // when it was first kept
}

// IsBannerHash reports whether h has the form HashBannerText gives: 64
// lowercase hex digits.
func IsBannerHash(h string) bool {
	return len(h) == 64 && strings.Trim(h, "0123456789abcdef") == ""
}

// KeepBannerText implements Store. The hash is computed here, never taken
// from the caller, so a kept text is always the one its hash names. The
// same text kept again, from another node or a later start, keeps the
// first row: its First is when the text first came into use.
func (s *store) KeepBannerText(ctx context.Context, locale, text string) (string, error) {
	switch {
	case text == "":
		return "", errors.New("consentlog: keep banner text: empty text")
	case len(text) > maxBannerText:
		return "", fmt.Errorf("consentlog: keep banner text: %d bytes, more than %d", len(text), maxBannerText)
	case len(locale) > maxText:
		return "", fmt.Errorf("consentlog: keep banner text: locale of %d bytes, more than %d", len(locale), maxText)
	}
	if err := storableText(locale + text); err != nil {
		return "", fmt.Errorf("consentlog: keep banner text: %w", err)
	}
	hash := HashBannerText(text)
	err := s.b.write(ctx, func(q querier) error {
		_, err := q.exec(ctx, `INSERT INTO banner_texts (hash, locale, text, first_kept) VALUES (?, ?, ?, ?)
			ON CONFLICT (hash) DO NOTHING`, hash, locale, text, formatTS(time.Now()))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("consentlog: keep banner text %s: %w", hash, err)
	}
	return hash, nil
}

// BannerText implements Store.
func (s *store) BannerText(ctx context.Context, hash string) (BannerText, bool, error) {
	t := BannerText{Hash: hash}
	var first string
	err := s.b.queryRow(ctx, "SELECT locale, text, first_kept FROM banner_texts WHERE hash = ?", hash).
		Scan(&t.Locale, &t.Text, &first)
	if isNoRows(err) {
		return BannerText{}, false, nil
	}
	if err == nil {
		t.First, err = time.Parse(tsLayout, first)
	}
	if err != nil {
		return BannerText{}, false, fmt.Errorf("consentlog: banner text %s: %w", hash, err)
	}
	return t, true, nil
}

// BannerString is one string of a kept banner text: Key is its JSON path,
// nested keys joined by dots ("categories.analytics.name").
type BannerString struct{ Key, Value string }

// maxBannerDepth bounds the nesting Strings follows: a banner's text is an
// object of strings with categories one level down.
const maxBannerDepth = 16

// Strings lists the strings of a text that is a JSON object, as the Caddy
// module keeps it, in the order they appear; ok is false for any other
// text (or an object with no strings), which is then best shown as it is.
func (t BannerText) Strings() (strs []BannerString, ok bool) {
	dec := json.NewDecoder(strings.NewReader(t.Text))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	if err := bannerObject(dec, "", 1, &strs); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF || len(strs) == 0 {
		return nil, false
	}
	return strs, true
}

// bannerObject reads the members of an object whose '{' was read.
func bannerObject(dec *json.Decoder, prefix string, depth int, out *[]BannerString) error {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if err := bannerValue(dec, dotted(prefix, tok.(string)), depth, out); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	return err
}

func bannerValue(dec *json.Decoder, key string, depth int, out *[]BannerString) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		if depth == maxBannerDepth {
			return errors.New("nested too deeply")
		}
		if v == '{' {
			return bannerObject(dec, key, depth+1, out)
		}
		for i := 0; dec.More(); i++ {
			if err := bannerValue(dec, dotted(key, strconv.Itoa(i)), depth+1, out); err != nil {
				return err
			}
		}
		_, err = dec.Token() // ']'
		return err
	case string:
		*out = append(*out, BannerString{key, v})
	case json.Number:
		*out = append(*out, BannerString{key, v.String()})
	case bool:
		*out = append(*out, BannerString{key, strconv.FormatBool(v)})
	case nil:
		*out = append(*out, BannerString{key, ""})
	}
	return nil
}

func dotted(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}
