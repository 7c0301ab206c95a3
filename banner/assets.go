package banner

import (
	"bytes"
	"io/fs"
	"path"
	"strings"
	"time"
)

// Assets holds banner.css, banner.js, consent-mode.js and guard.js as they
// are served: the scripts without their comment lines and indentation (see
// strip), so that comments cost the visitor nothing.
var Assets fs.FS = func() fs.FS {
	m := memFS{}
	for _, name := range []string{"banner.css", "banner.js", "consent-mode.js", "guard.js"} {
		b, err := files.ReadFile("assets/" + name)
		if err != nil {
			panic(err)
		}
		if path.Ext(name) == ".js" {
			b = strip(b)
		}
		m[name] = b
	}
	return m
}()

// strip drops indentation, blank lines and lines that are only a //
// comment. It works on whole lines, so nothing inside a string or a regular
// expression can be cut, and keeps every other line whole so that no
// statement boundary moves. The assets' sources are written for it: no
// multi-line string, no line inside a block comment that starts with //.
func strip(b []byte) []byte {
	var out []string
	for l := range strings.SplitSeq(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "//") {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

// memFS is a flat read-only file system in memory whose files can seek, as
// http.ServeFileFS needs.
type memFS map[string][]byte

func (m memFS) Open(name string) (fs.File, error) {
	b, ok := m[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{Reader: bytes.NewReader(b), name: name}, nil
}

// memFile is an open memFS file and its own FileInfo.
type memFile struct {
	*bytes.Reader // Size is the whole length, as FileInfo's
	name          string
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Name() string               { return f.name }
func (f *memFile) Mode() fs.FileMode          { return 0o444 }
func (f *memFile) ModTime() time.Time         { return time.Time{} }
func (f *memFile) IsDir() bool                { return false }
func (f *memFile) Sys() any                   { return nil }
