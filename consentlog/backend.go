package consentlog

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The two backends differ only in how they connect, how they lock and how
// they spell placeholders; every query is written once, with "?"
// placeholders, in the SQL both understand.

type scanner interface{ Scan(dest ...any) error }

type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

type querier interface {
	exec(ctx context.Context, q string, args ...any) (int64, error)
	query(ctx context.Context, q string, args ...any) (rows, error)
	queryRow(ctx context.Context, q string, args ...any) scanner
}

type backend interface {
	querier
	// write runs fn in a transaction that holds the database's write lock
	// for the chain: BEGIN IMMEDIATE on SQLite, a row lock on PostgreSQL.
	write(ctx context.Context, fn func(querier) error) error
	// read runs fn in a read-only snapshot, so multi-statement reads such
	// as Verify see one consistent chain while other nodes append.
	read(ctx context.Context, fn func(querier) error) error
	// lockChain is appended to the SELECT of the chain row in write.
	lockChain() string
	// lockMigrations serialises schema migrations between nodes.
	lockMigrations() string
	close()
}

type sqlExecer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// sqlConn is one SQLite transaction's connection. A statement executed
// more than once in it (the INSERT of a group-committed batch) is prepared
// once: the driver would otherwise parse it again for every record.
type sqlConn struct {
	c     *sql.Conn
	stmts map[string]*sql.Stmt
}

func (s *sqlConn) exec(ctx context.Context, q string, args ...any) (int64, error) {
	st, ok := s.stmts[q]
	if !ok {
		var err error
		if st, err = s.c.PrepareContext(ctx, q); err != nil {
			return 0, err
		}
		if s.stmts == nil {
			s.stmts = map[string]*sql.Stmt{}
		}
		s.stmts[q] = st
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s *sqlConn) query(ctx context.Context, q string, args ...any) (rows, error) {
	return sqlQuery(ctx, s.c, q, args...)
}

func (s *sqlConn) queryRow(ctx context.Context, q string, args ...any) scanner {
	return s.c.QueryRowContext(ctx, q, args...)
}

// close releases the prepared statements; the transaction has ended.
func (s *sqlConn) close() {
	for _, st := range s.stmts {
		st.Close()
	}
}

func sqlQuery(ctx context.Context, e sqlExecer, q string, args ...any) (rows, error) {
	r, err := e.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

// --- PostgreSQL ---

type pgBackend struct{ pool *pgxpool.Pool }

func openPostgres(ctx context.Context, dsn string) (*pgBackend, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("consentlog: open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("consentlog: open postgres: %w", err)
	}
	return &pgBackend{pool: pool}, nil
}

// rebind turns "?" placeholders into PostgreSQL's "$n". The package's
// queries have no "?" inside literals.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pgxQuerier is what a pool and a transaction have in common.
type pgxQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type pgTx struct{ q pgxQuerier }

func (t pgTx) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := t.q.Exec(ctx, rebind(q), args...)
	return tag.RowsAffected(), err
}

func (t pgTx) query(ctx context.Context, q string, args ...any) (rows, error) {
	return t.q.Query(ctx, rebind(q), args...)
}

func (t pgTx) queryRow(ctx context.Context, q string, args ...any) scanner {
	return t.q.QueryRow(ctx, rebind(q), args...)
}

func (b *pgBackend) exec(ctx context.Context, q string, args ...any) (int64, error) {
	return pgTx{b.pool}.exec(ctx, q, args...)
}

func (b *pgBackend) query(ctx context.Context, q string, args ...any) (rows, error) {
	return pgTx{b.pool}.query(ctx, q, args...)
}

func (b *pgBackend) queryRow(ctx context.Context, q string, args ...any) scanner {
	return pgTx{b.pool}.queryRow(ctx, q, args...)
}

func (b *pgBackend) write(ctx context.Context, fn func(querier) error) error {
	return pgx.BeginTxFunc(ctx, b.pool, pgx.TxOptions{}, func(tx pgx.Tx) error { return fn(pgTx{tx}) })
}

func (b *pgBackend) read(ctx context.Context, fn func(querier) error) error {
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	return pgx.BeginTxFunc(ctx, b.pool, opts, func(tx pgx.Tx) error { return fn(pgTx{tx}) })
}

// lockChain: FOR UPDATE on the single chain row makes every appending node
// wait for the previous transaction and then read the head it committed, so
// the chain cannot fork.
func (b *pgBackend) lockChain() string { return " FOR UPDATE" }

// lockMigrations: a transaction-scoped advisory lock, because the tables
// it would otherwise lock may not exist yet. The key is arbitrary but fixed.
func (b *pgBackend) lockMigrations() string { return "SELECT pg_advisory_xact_lock(7243011595)" }

func (b *pgBackend) close() { b.pool.Close() }

var (
	errNoRowsSQL = sql.ErrNoRows
	errNoRowsPG  = pgx.ErrNoRows
)
