package testpg

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMissingBinariesSayWhatToInstall(t *testing.T) {
	_, err := findBin(t.TempDir() + "/*/bin")
	if err == nil || !strings.Contains(err.Error(), "postgresql package") {
		t.Fatalf("got %v, want an error naming the postgresql package", err)
	}
}

func TestStopStart(t *testing.T) {
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn, err := c.CreateDatabase(ctx, "probe")
	if err != nil {
		t.Fatal(err)
	}
	query := func() error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		var user string
		return conn.QueryRow(ctx, "SELECT current_user").Scan(&user)
	}
	if err := query(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := query(); err == nil {
		t.Fatal("connected to a stopped cluster")
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if err := query(); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}
