package consentlog

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/consentgate/consentgate/internal/testpg"
)

// BenchmarkAppend measures decisions per second through Log.Append (the
// path a visitor's choice takes) with the stores as durable as in
// production: SQLite synchronous=FULL, PostgreSQL with fsync on.
// "parallel" is many visitors at once on one node, whose appends the Log
// group-commits: one transaction and fsync for all those waiting.
func BenchmarkAppend(b *testing.B) {
	var pg *testpg.Cluster
	dsns := map[string]func(b *testing.B) string{
		"sqlite": func(b *testing.B) string { return freshDSN(b, "sqlite") },
		"postgres": func(b *testing.B) string {
			if pg == nil {
				var err error
				if pg, err = testpg.New(testpg.Options{Durable: true}); err != nil {
					b.Fatalf("PostgreSQL backend cannot be benchmarked: %v", err)
				}
			}
			dsn, err := pg.CreateDatabase(context.Background(), fmt.Sprintf("bench%d", dbCounter.Add(1)))
			if err != nil {
				b.Fatal(err)
			}
			return dsn
		},
	}
	defer func() {
		if pg != nil {
			pg.Close()
		}
	}()
	for _, name := range backendNames {
		for _, parallel := range []bool{false, true} {
			mode := "serial"
			if parallel {
				mode = "parallel"
			}
			b.Run(name+"/"+mode, func(b *testing.B) {
				s := openT(b, dsns[name](b))
				log, err := NewLog(s, b.TempDir(), LogOptions{})
				if err != nil {
					b.Fatal(err)
				}
				defer log.Close()
				ctx := context.Background()
				var n atomic.Int64
				b.ResetTimer()
				if parallel {
					b.SetParallelism(64) // 64×GOMAXPROCS visitors: what group commit is for
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if _, err := log.Append(ctx, input(int(n.Add(1)))); err != nil {
								b.Error(err)
								return
							}
						}
					})
				} else {
					for i := 0; i < b.N; i++ {
						if _, err := log.Append(ctx, input(i)); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
				b.StopTimer()
				if log.Pending() {
					b.Fatal("records were spooled: the store failed during the benchmark")
				}
			})
		}
	}
}
