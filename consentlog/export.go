package consentlog

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Format is an export format.
type Format string

// Export formats.
const (
	CSV  Format = "csv"  // RFC 4180, header row of Columns
	JSON Format = "json" // an array of objects, one per line, keys as Columns in that order
)

// Columns is the export column order. It is part of the package's
// contract: append new columns at the end, never reorder. Booleans are
// "granted"/"denied" for the category and Consent Mode columns and
// "true"/"false" otherwise in CSV, and JSON booleans in JSON; times are UTC
// with microseconds (2006-01-02T15:04:05.000000Z); erased_ids is comma-
// separated. With these values an export is enough to recompute every
// record's hash (see the package documentation).
var Columns = []string{
	"seq", "id", "time", "consent_id", "event", "method",
	"analytics", "media", "social", "marketing",
	"analytics_storage", "ad_storage", "ad_user_data", "ad_personalization",
	"gpc", "policy_version", "banner_hash", "locale", "path", "ip", "browser",
	"erased_ids", "erased", "personal_digest", "prev_hash", "hash",
}

// exportRow is the JSON shape; its field order is Columns (a test holds
// the two together).
type exportRow struct {
	Seq               int64  `json:"seq"`
	ID                string `json:"id"`
	Time              string `json:"time"`
	ConsentID         string `json:"consent_id"`
	Event             Event  `json:"event"`
	Method            Method `json:"method"`
	Analytics         bool   `json:"analytics"`
	Media             bool   `json:"media"`
	Social            bool   `json:"social"`
	Marketing         bool   `json:"marketing"`
	AnalyticsStorage  bool   `json:"analytics_storage"`
	AdStorage         bool   `json:"ad_storage"`
	AdUserData        bool   `json:"ad_user_data"`
	AdPersonalization bool   `json:"ad_personalization"`
	GPC               bool   `json:"gpc"`
	PolicyVersion     string `json:"policy_version"`
	BannerHash        string `json:"banner_hash"`
	Locale            string `json:"locale"`
	Path              string `json:"path"`
	IP                string `json:"ip"`
	Browser           string `json:"browser"`
	ErasedIDs         string `json:"erased_ids"`
	Erased            bool   `json:"erased"`
	PersonalDigest    string `json:"personal_digest"`
	PrevHash          string `json:"prev_hash"`
	Hash              string `json:"hash"`
}

func toRow(r Record) exportRow {
	m := r.ConsentMode
	return exportRow{
		Seq: r.Seq, ID: r.ID, Time: formatTS(r.Time), ConsentID: r.ConsentID, Event: r.Event, Method: r.Method,
		Analytics: r.Allows(storedCategories[0]), Media: r.Allows(storedCategories[1]),
		Social: r.Allows(storedCategories[2]), Marketing: r.Allows(storedCategories[3]),
		AnalyticsStorage: m.AnalyticsStorage, AdStorage: m.AdStorage, AdUserData: m.AdUserData, AdPersonalization: m.AdPersonalization,
		GPC: r.GPC, PolicyVersion: r.PolicyVersion, BannerHash: r.BannerHash, Locale: r.Locale, Path: r.Path,
		IP: r.IP, Browser: r.Browser, ErasedIDs: strings.Join(r.ErasedIDs, ","), Erased: r.Erased,
		PersonalDigest: r.PersonalDigest, PrevHash: r.PrevHash, Hash: r.Hash,
	}
}

func granted(b bool) string {
	if b {
		return "granted"
	}
	return "denied"
}

func (e exportRow) csv() []string {
	return []string{
		strconv.FormatInt(e.Seq, 10), e.ID, e.Time, e.ConsentID, string(e.Event), string(e.Method),
		granted(e.Analytics), granted(e.Media), granted(e.Social), granted(e.Marketing),
		granted(e.AnalyticsStorage), granted(e.AdStorage), granted(e.AdUserData), granted(e.AdPersonalization),
		strconv.FormatBool(e.GPC), e.PolicyVersion, e.BannerHash, e.Locale, e.Path, e.IP, e.Browser,
		e.ErasedIDs, strconv.FormatBool(e.Erased), e.PersonalDigest, e.PrevHash, e.Hash,
	}
}

// Export implements Store. Rows go to w as the database returns them, so
// memory stays flat whatever the size of the log.
func (s *store) Export(ctx context.Context, w io.Writer, f Format, q Query) error {
	var err error
	switch f {
	case CSV:
		cw := csv.NewWriter(w)
		if err = cw.Write(Columns); err == nil {
			err = each(ctx, s.b, q, 0, func(r Record, _ string) error { return cw.Write(toRow(r).csv()) })
		}
		if err == nil {
			cw.Flush()
			err = cw.Error()
		}
	case JSON:
		bw := bufio.NewWriter(w)
		sep := "[\n"
		err = each(ctx, s.b, q, 0, func(r Record, _ string) error {
			b, err := json.Marshal(toRow(r))
			if err != nil {
				return err
			}
			if _, err := bw.WriteString(sep); err != nil {
				return err
			}
			sep = ",\n"
			_, err = bw.Write(b)
			return err
		})
		if err == nil {
			end := "\n]\n"
			if sep == "[\n" {
				end = "[\n]\n"
			}
			if _, err = bw.WriteString(end); err == nil {
				err = bw.Flush()
			}
		}
	default:
		err = fmt.Errorf("unknown format %q", f)
	}
	if err != nil {
		return fmt.Errorf("consentlog: export %s: %w", f, err)
	}
	return nil
}
