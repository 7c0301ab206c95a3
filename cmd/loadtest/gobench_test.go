package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The rewriter-to-floor ratio is taken within each round, so a round run
// while the machine was busy (everything twice as slow) does not move it.
func TestSummariseRatioWithinRounds(t *testing.T) {
	rounds := `BenchmarkRewrite100KB-2   100  1000 ns/op  100.00 MB/s  40 B/op  2 allocs/op
BenchmarkFloor100KB-2   100  1000 ns/op  1000.00 MB/s  0 B/op  0 allocs/op
BenchmarkRewrite100KB-2   100  1000 ns/op  50.00 MB/s  40 B/op  2 allocs/op
BenchmarkFloor100KB-2   100  1000 ns/op  500.00 MB/s  0 B/op  0 allocs/op
BenchmarkRewrite100KB-2   100  1000 ns/op  60.00 MB/s  40 B/op  2 allocs/op
BenchmarkFloor100KB-2   100  1000 ns/op  1000.00 MB/s  0 B/op  0 allocs/op
`
	file := filepath.Join(t.TempDir(), "bench.txt")
	if err := os.WriteFile(file, []byte(rounds), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := summarise(&out, file); err != nil {
		t.Fatal(err)
	}
	// Per round: 0.1, 0.1, 0.06; the ratio of the medians would be 0.06.
	if !strings.Contains(out.String(), "RATIO rewriter / floor, 100 KB page            0.100 (target >= 0.5; 3 rounds)") {
		t.Errorf("no within-round ratio of 0.100 in:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "BenchmarkFloor100KB                      1000 ns/op  1000 MB/s") {
		t.Errorf("no medians for the floor in:\n%s", out.String())
	}
}
