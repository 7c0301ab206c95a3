package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"
)

// choicesUnderLoad is scenario a: many visitors posting choices for the
// whole duration while the DPO's CLI reads the same SQLite file. Every
// answered choice must be a stored record once the spool drained, the chain
// must verify, the CLI must never fail, and Caddy's memory must stay flat.
func choicesUnderLoad(o options, dir string) (string, []string) {
	db := filepath.Join(dir, "consent.db")
	spool := filepath.Join(dir, "spool")
	in, err := start(o.caddy, dir, config{
		consent: fmt.Sprintf("log %s\nlog_spool %s", db, spool),
		handler: fmt.Sprintf("root * %s\nfile_server", o.site),
		admin:   true,
	})
	if err != nil {
		return "caddy did not start", []string{err.Error()}
	}
	defer in.stop()

	l := startLoad(in.base(), o.conns)

	// The DPO's reads, every few seconds, against the file Caddy writes.
	ctx, cancelCLI := context.WithCancel(context.Background())
	var cliOK, cliFailed int
	var cliFirst string
	var cliWG sync.WaitGroup
	cliWG.Go(func() {
		t := time.NewTicker(3 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			_, verr := in.verify(ctx, db)
			_, eerr := in.exportIDs(ctx, db)
			for _, err := range []error{verr, eerr} {
				switch {
				case ctx.Err() != nil:
				case err != nil:
					cliFailed++
					if cliFirst == "" {
						cliFirst = err.Error()
					}
				default:
					cliOK++
				}
			}
		}
	})

	warm := min(10*time.Second, o.duration/4)
	time.Sleep(warm)
	rssWarm, _ := in.rss()
	time.Sleep(o.duration - warm)
	res := l.finish()
	cancelCLI()
	cliWG.Wait()

	var problems []string
	problems = append(problems, res.problems()...)
	drained, err := spoolDrained(spool, 90*time.Second)
	if err != nil {
		problems = append(problems, err.Error())
	}
	rssEnd, _ := in.rss()
	ids, err := in.exportIDs(context.Background(), db)
	if err != nil {
		problems = append(problems, err.Error())
	}
	verified, verr := in.verify(context.Background(), db)
	if verr != nil {
		problems = append(problems, verr.Error())
	}
	stored := int64(len(ids))
	if stored != res.answered || (verr == nil && verified != stored) {
		problems = append(problems, fmt.Sprintf("choices answered %d, records exported %d, verified %d", res.answered, stored, verified))
	}
	if cliFailed > 0 {
		problems = append(problems, fmt.Sprintf("%d of %d CLI reads during the load failed; first: %s", cliFailed, cliOK+cliFailed, cliFirst))
	}
	if limit := rssWarm*3/2 + 50*mb; rssEnd > limit {
		problems = append(problems, fmt.Sprintf("RSS grew from %s after warm-up to %s (limit %s)", mib(rssWarm), mib(rssEnd), mib(limit)))
	}
	if !in.alive() {
		problems = append(problems, "caddy exited")
	}
	if len(problems) > 0 {
		problems = append(problems, "caddy's last errors: "+in.errors(3))
	}
	return fmt.Sprintf("%s; stored %d, verified %d, lost %d; spool drained in %s; CLI reads %d ok, %d failed; RSS %s after warm-up, %s at end",
		res, stored, verified, max(0, res.answered-stored), drained.Round(100*time.Millisecond), cliOK, cliFailed, mib(rssWarm), mib(rssEnd)), problems
}
