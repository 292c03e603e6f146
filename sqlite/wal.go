package sqlite

import (
	"fmt"
	"os"
	"sync"
)

// walFile is the database's write-ahead log, opened to sync it.
type walFile struct {
	mu    sync.Mutex
	path  string
	f     *os.File
	syncs int64
	// fsync is (*os.File).Sync; the tests make it fail.
	fsync func(*os.File) error
}

func openWAL(dbPath string) (*walFile, error) {
	w := &walFile{path: dbPath + "-wal", fsync: (*os.File).Sync}
	f, err := os.OpenFile(w.path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open the write-ahead log: %w", err)
	}
	w.f = f
	return w, nil
}

// sync syncs the log file. SQLite keeps the file while a connection has
// the database open, so the file opened is the log; should it have been
// replaced all the same, the new one is opened and synced.
func (w *walFile) sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if now, err := os.Stat(w.path); err == nil {
		if was, err := w.f.Stat(); err != nil || !os.SameFile(was, now) {
			f, err := os.OpenFile(w.path, os.O_RDWR, 0)
			if err != nil {
				return err
			}
			w.f.Close()
			w.f = f
		}
	} else {
		return err
	}
	w.syncs++
	return w.fsync(w.f)
}

func (w *walFile) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.Close()
}
