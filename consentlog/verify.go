package consentlog

import (
	"context"
	"errors"
	"fmt"
)

// Report is the result of Verify.
type Report struct {
	Records  int64  `json:"records"`   // records checked
	FirstSeq int64  `json:"first_seq"` // 0 when the chain is empty
	LastSeq  int64  `json:"last_seq"`
	Anchor   string `json:"anchor"` // hash the first record links to: GenesisHash until a purge
	Head     string `json:"head"`   // hash of the last record; write it down to detect a cut-off end
	Broken   *Break `json:"broken,omitempty"`
}

// OK reports whether the whole chain verified.
func (r Report) OK() bool { return r.Broken == nil }

// Break is the first record at which the chain does not verify.
type Break struct {
	Seq    int64  `json:"seq"`
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

func (b *Break) Error() string {
	return fmt.Sprintf("consentlog: chain broken at record %d (%s): %s", b.Seq, b.ID, b.Reason)
}

// Verify implements Store. For every record, in chain order, it checks that
// the sequence has no gap, that prev_hash is the previous record's hash,
// that the personal fields still match their digest (or, for an erased
// record, that they are blank and a later erasure record names it), and
// that the record's own hash matches its fields. It stops at the first
// record that fails: with one altered row that is exactly that row; a row
// altered with a recomputed hash shows as a break at the next one.
func (s *store) Verify(ctx context.Context) (Report, error) {
	var rep Report
	err := s.b.read(ctx, func(q querier) error {
		rep = Report{}
		var head int64
		var headHash string
		if err := q.queryRow(ctx, "SELECT head_seq, head_hash, tail_seq, tail_hash FROM chain WHERE id = 1").Scan(&head, &headHash, &rep.LastSeq, &rep.Anchor); err != nil {
			return err
		}
		// Which erasure record names which erased record.
		erasedBy := map[string]int64{}
		err := each(ctx, q, Query{Event: EventErasure}, 0, func(r Record, _ string) error {
			for _, id := range r.ErasedIDs {
				erasedBy[id] = r.Seq
			}
			return nil
		})
		if err != nil {
			return err
		}
		rep.Head = rep.Anchor
		err = each(ctx, q, Query{}, 0, func(r Record, salt string) error {
			if b := check(r, salt, rep.LastSeq+1, rep.Head, erasedBy); b != nil {
				rep.Broken = b
				return errStop
			}
			if rep.Records == 0 {
				rep.FirstSeq = r.Seq
			}
			rep.Records++
			rep.LastSeq, rep.Head = r.Seq, r.Hash
			return nil
		})
		if err != nil && err != errStop {
			return err
		}
		if rep.Broken == nil && (rep.LastSeq != head || rep.Head != headHash) {
			rep.Broken = &Break{Seq: head, Reason: fmt.Sprintf("chain head is record %d but the records end at %d", head, rep.LastSeq)}
		}
		return nil
	})
	if err != nil {
		return Report{}, fmt.Errorf("consentlog: verify: %w", err)
	}
	return rep, nil
}

// errStop ends a walk early without being an error.
var errStop = errors.New("stop")

func check(r Record, salt string, wantSeq int64, prev string, erasedBy map[string]int64) *Break {
	fail := func(format string, args ...any) *Break {
		return &Break{Seq: r.Seq, ID: r.ID, Reason: fmt.Sprintf(format, args...)}
	}
	if r.Seq != wantSeq {
		return fail("expected record %d next: records are missing", wantSeq)
	}
	if r.PrevHash != prev {
		return fail("prev_hash %.12s… does not match the previous record's hash %.12s…", r.PrevHash, prev)
	}
	if r.Erased {
		if r.ConsentID != "" || r.IP != "" || r.Path != "" || r.Browser != "" || salt != "" {
			return fail("marked erased but personal fields are not blank")
		}
		if by, ok := erasedBy[r.ID]; !ok || by <= r.Seq {
			return fail("marked erased but no later erasure record names it")
		}
	} else if salt == "" || personalDigest(salt, r) != r.PersonalDigest {
		return fail("personal fields (consent id, ip, path, browser) do not match their digest")
	}
	if h := recordHash(r); h != r.Hash {
		return fail("hash does not match the record's fields")
	}
	return nil
}
