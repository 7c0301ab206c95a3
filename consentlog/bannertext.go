package consentlog

import (
	"context"
	"errors"
	"fmt"
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
