package sqlite

/*
#include <stdlib.h>

// The SQLite library is the one go-sqlite3 compiles in; it exports its API.
typedef struct sqlite3 sqlite3;
int sqlite3_db_config(sqlite3*, int op, ...);

// SQLITE_DBCONFIG_ENABLE_QPSG from sqlite3.h.
#define EPILOOP_DBCONFIG_ENABLE_QPSG 1007

// epiloop_qpsg sets the query planner stability guarantee to on (1), off
// (0) or leaves it (-1), and returns the setting in force, or -1 on error.
static int epiloop_qpsg(void *db, int on) {
	int out = -1;
	if (sqlite3_db_config((sqlite3*)db, EPILOOP_DBCONFIG_ENABLE_QPSG, on, &out) != 0) {
		return -1;
	}
	return out;
}

typedef struct sqlite3_stmt sqlite3_stmt;
int sqlite3_stmt_status(sqlite3_stmt*, int op, int reset);

// epiloop_reprepares returns how many times a statement was recompiled
// (SQLITE_STMTSTATUS_REPREPARE).
static int epiloop_reprepares(void *stmt) {
	return sqlite3_stmt_status((sqlite3_stmt*)stmt, 5, 0);
}
*/
import "C"

import (
	"database/sql"
	"errors"
	"reflect"
	"strconv"
	"unsafe"

	"github.com/mattn/go-sqlite3"
)

// Why the query planner stability guarantee (QPSG) is on: go-sqlite3
// keeps prepared statements per connection, and when it puts one back it
// clears the bindings. SQLite marks a statement whose plan might depend on
// a bound value — any join with an "x = ?" filter, any "LIMIT ?" — to be
// recompiled when its bindings are cleared, so without the QPSG every
// execution of such a statement is parsed and planned again: 25–30 µs for
// loading a lead with its person instead of 3 µs. With the QPSG a plan
// never depends on bound values; every query here is written so that its
// plan does not need them (partial indexes are matched by literals).

// driverName is go-sqlite3 with the QPSG set on every new connection.
const driverName = "sqlite3_epiloop"

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		// Without the handle (a go-sqlite3 that renamed its field) the
		// connection works, only slower: TestQPSG fails, not the server.
		if db, err := connHandle(c); err == nil {
			C.epiloop_qpsg(db, 1)
		}
		// Pages read through a memory map of the file (see mmapBytes).
		_, err := c.Exec("PRAGMA mmap_size="+strconv.FormatInt(mmapBytes, 10), nil)
		return err
	}})
}

// connHandle returns the sqlite3* handle of a go-sqlite3 connection, which
// the package keeps in its unexported field db.
func connHandle(c *sqlite3.SQLiteConn) (unsafe.Pointer, error) {
	p := pointerField(reflect.ValueOf(c).Elem(), "db")
	if p == nil {
		return nil, errors.New("sqlite: no db handle in the go-sqlite3 connection (closed, or the driver changed)")
	}
	return p, nil
}

// pointerField reads the unexported pointer field name of struct v, or
// nil if v has no such field.
func pointerField(v reflect.Value, name string) unsafe.Pointer {
	f := v.FieldByName(name)
	if !f.IsValid() || f.Kind() != reflect.Pointer {
		return nil
	}
	return *(*unsafe.Pointer)(unsafe.Pointer(f.UnsafeAddr()))
}

// qpsgOn reports whether c has the QPSG on (for the tests).
func qpsgOn(c *sqlite3.SQLiteConn) bool {
	db, err := connHandle(c)
	return err == nil && C.epiloop_qpsg(db, -1) == 1
}

// stmtReprepares returns how many times the statement c keeps cached for
// query was recompiled, or -1 if c holds none (for the tests).
func stmtReprepares(c *sqlite3.SQLiteConn, query string) int64 {
	cache := reflect.ValueOf(c).Elem().FieldByName("stmtCache")
	if !cache.IsValid() || cache.Kind() != reflect.Slice {
		return -1
	}
	for i := range cache.Len() {
		st := cache.Index(i).Elem()
		if key := st.FieldByName("cacheKey"); !key.IsValid() || key.String() != query {
			continue
		}
		p := pointerField(st, "s")
		if p == nil {
			return -1
		}
		return int64(C.epiloop_reprepares(p))
	}
	return -1
}
