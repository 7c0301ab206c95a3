package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// ratios are the rewriter figures issue 12 states against a floor measured
// in the same run: name, numerator, denominator (MB/s), target.
var ratios = [][4]string{
	{"rewriter / floor, 100 KB page", "BenchmarkRewrite100KB", "BenchmarkFloor100KB", ">= 0.5"},
	{"rewriter / floor, 5 MB page", "BenchmarkRewrite5MB", "BenchmarkFloor5MB", ">= 0.5"},
	{"rewriter / x/net/html tokenizer, 100 KB", "BenchmarkRewrite100KB", "BenchmarkTokenizer100KB", "about 5"},
	{"lexer alone, no rule / floor, 100 KB", "BenchmarkLexer100KB", "BenchmarkFloor100KB", "none (the rules cost the rest)"},
}

var procSuffix = regexp.MustCompile(`-\d+$`)

// summarise prints, from rounds of `go test -bench` output, the median of
// every metric of every benchmark, then the ratios above: the median of
// the ratios within each round, so that load on the machine that varies
// between rounds cancels out.
func summarise(w io.Writer, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	metrics := map[string]map[string][]float64{} // benchmark, unit, runs
	var names []string
	units := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := procSuffix.ReplaceAllString(fields[0], "")
		if metrics[name] == nil {
			metrics[name] = map[string][]float64{}
			names = append(names, name)
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			unit := fields[i+1]
			if metrics[name][unit] == nil {
				units[name] = append(units[name], unit)
			}
			metrics[name][unit] = append(metrics[name][unit], v)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\ngo benchmarks, medians of %s:\n", file)
	for _, name := range names {
		var parts []string
		for _, u := range units[name] {
			if u == "ns/op" && median(metrics[name][u]) == 0 {
				continue
			}
			parts = append(parts, number(median(metrics[name][u]))+" "+u)
		}
		fmt.Fprintf(w, "  %-40s %s (%d runs)\n", name, strings.Join(parts, "  "), len(metrics[name][units[name][0]]))
	}
	for _, r := range ratios {
		num, den := metrics[r[1]]["MB/s"], metrics[r[2]]["MB/s"]
		var q []float64
		for i := range min(len(num), len(den)) {
			q = append(q, num[i]/den[i])
		}
		if len(q) > 0 {
			fmt.Fprintf(w, "RATIO %-40s %.3f (target %s; %d rounds)\n", r[0], median(q), r[3], len(q))
		}
	}
	return nil
}

// number prints a figure with three significant digits, without exponent.
func number(v float64) string {
	if v >= 1000 || v <= -1000 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
