package rewrite

import (
	"bufio"
	"errors"
	"io"
)

// The streaming plumbing: the push-style Write bridged to the pull-style
// lexer by a coroutine, the input given back by the streaming continuation,
// and the end of a response on every path (Close, Abort, a decode error).

// Write rewrites p. It returns an error if the content could not be decoded
// (everything decoded so far has then been written) or if dst failed.
// Output goes to dst as the buffer fills, in writes of its size: a write per
// input chunk would cost a system call each. A caller streaming a response
// calls Flush where the response should reach the client.
func (r *Rewriter) Write(p []byte) (int, error) {
	if r.done {
		if r.err != nil {
			return len(p), r.err
		}
		return 0, errors.New("rewrite: write after close")
	}
	r.in = p
	if _, ok := r.next(); !ok {
		r.done = true
	}
	r.in = nil
	if err := r.dst.err; err != nil {
		r.Abort()
		return 0, err
	}
	if r.err != nil {
		return len(p), r.err
	}
	return len(p), nil
}

// Err is the error that ended decoding, if any. Input written after it is
// discarded.
func (r *Rewriter) Err() error { return r.err }

// Flush writes out everything rewritten so far. At most the element being
// classified is held back.
func (r *Rewriter) Flush() error {
	if r.out == nil { // closed
		return nil
	}
	return r.wire().Flush()
}

// wire is the response's output: r.out, unless a marker's children are
// being dropped.
func (r *Rewriter) wire() *bufio.Writer {
	if r.fill != nil {
		return r.fill.out
	}
	return r.out
}

// stickyWriter is dst, remembering its first error: Write reports it
// without flushing.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.err = err
	return n, err
}

// Close ends the input, writes what remains (injecting the banner at the end
// if the page had no </body>) and reports any decode error.
func (r *Rewriter) Close() error {
	if !r.done {
		r.eof = true
		for !r.done {
			if _, ok := r.next(); !ok {
				r.done = true
			}
		}
	}
	r.stop()
	r.lex.release()
	if r.out == nil { // closed before
		return r.err
	}
	err := r.out.Flush()
	r.out.Reset(nil)
	outPool.Put(r.out)
	r.out = nil
	if err != nil {
		return err
	}
	return r.err
}

// Abort releases the coroutine without writing more, for a response the
// client has gone away from.
func (r *Rewriter) Abort() {
	r.done = true
	r.stop()
	r.lex.release()
}

// chunkSource is the input as an io.Reader: it hands over the current chunk
// and, when that is used up, suspends the coroutine until the next Write.
type chunkSource struct {
	r     *Rewriter
	yield func(struct{}) bool
}

func (s *chunkSource) Read(p []byte) (int, error) {
	for len(s.r.in) == 0 {
		if s.r.eof {
			return 0, io.EOF
		}
		if !s.yield(struct{}{}) {
			return 0, errAborted
		}
	}
	n := copy(p, s.r.in)
	s.r.in = s.r.in[n:]
	return n, nil
}

// source is what the lexer reads: bytes given back by an abandoned lexer
// or the streaming continuation first, then the input.
type source struct {
	pend []byte
	r    io.Reader
}

func (s *source) Read(p []byte) (int, error) {
	if len(s.pend) > 0 {
		n := copy(p, s.pend)
		s.pend = s.pend[n:]
		return n, nil
	}
	return s.r.Read(p)
}

// unread puts b back in front of what is still to be read; b is copied.
func (s *source) unread(b []byte) {
	if len(b) == 0 {
		return
	}
	s.pend = append(append(make([]byte, 0, len(b)+len(s.pend)), b...), s.pend...)
}

func (r *Rewriter) run(yield func(struct{}) bool) {
	var in io.Reader = &chunkSource{r: r, yield: yield}
	if r.opts.Decode != nil {
		d, err := r.opts.Decode(in)
		if err != nil {
			r.err = err
			return
		}
		in = d
		if c, ok := d.(io.Closer); ok {
			defer c.Close()
		}
	}
	r.src = &source{r: in}
	defer func() { // an error or an abort mid-fill: the output is the response's again
		if r.fill != nil {
			r.out, r.fill = r.fill.out, nil
		}
	}()
	for {
		err := r.tokens(r.lexer())
		switch {
		case err == errTokenTooLong:
			// oversized streamed the token through; the lexer starts
			// afresh where it stopped.
		case err == io.EOF:
			if r.held != nil {
				r.flushHeld(nil)
			}
			r.fillEnd()
			r.injectBody() // the head's insertion first, if still due
			return
		default:
			if err != errAborted {
				r.err = err
			}
			return
		}
	}
}
