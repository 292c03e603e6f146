package storetest

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

func testUsers(t *testing.T, s epiloop.Store) {
	seed(t, s)
	admin := &epiloop.User{Name: "admin", Role: epiloop.RoleAdmin, PasswordHash: "$argon2id$x", CreatedAt: local(at(0))}
	district := &epiloop.User{Name: "heping", Role: epiloop.RoleDistrict, UnitCode: "SC" + d1, DistrictCode: d1,
		CreatedAt: at(time.Minute)}
	update(t, s, func(tx epiloop.Tx) error {
		if err := tx.CreateUser(admin); err != nil {
			return err
		}
		return tx.CreateUser(district)
	})
	if admin.ID <= 0 || district.ID <= admin.ID {
		t.Fatalf("user IDs %d, %d: want positive and growing", admin.ID, district.ID)
	}
	admin.CreatedAt = admin.CreatedAt.UTC()

	t.Run("RoundTrip", func(t *testing.T) {
		view(t, s, func(tx epiloop.Tx) error {
			for _, want := range []*epiloop.User{admin, district} {
				got, err := tx.FindUserByID(want.ID)
				if err != nil {
					return err
				}
				diff(t, "FindUserByID", got, want)
				wantUTC(t, "CreatedAt", got.CreatedAt)
				if got, err = tx.FindUserByName(want.Name); err != nil {
					return err
				}
				diff(t, "FindUserByName", got, want)
			}
			got, err := tx.FindUsers()
			if err != nil {
				return err
			}
			diff(t, "FindUsers", got, []*epiloop.User{admin, district})
			return nil
		})
	})

	t.Run("Errors", func(t *testing.T) {
		tests := []struct {
			name string
			want string
			fn   func(tx epiloop.Tx) error
		}{
			{"CreateUser/DuplicateName", epiloop.ECONFLICT, func(tx epiloop.Tx) error {
				return tx.CreateUser(&epiloop.User{Name: "admin", Role: epiloop.RoleCommander})
			}},
			{"UpdateUser/DuplicateName", epiloop.ECONFLICT, func(tx epiloop.Tx) error {
				u := *district
				u.Name = "admin"
				return tx.UpdateUser(&u)
			}},
			{"UpdateUser/Missing", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				u := *district
				u.ID = district.ID + 1000
				return tx.UpdateUser(&u)
			}},
			{"FindUserByID/Missing", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				_, err := tx.FindUserByID(district.ID + 1000)
				return err
			}},
			{"FindUserByName/Missing", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				_, err := tx.FindUserByName("nobody")
				return err
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) { updateCode(t, s, tc.name, tc.want, tc.fn) })
		}
	})

	t.Run("UpdateUser", func(t *testing.T) {
		u := *district
		u.Name, u.Role, u.UnitCode, u.DistrictCode = "shenhe", epiloop.RoleDistrict, "SC"+d2, d2
		u.Disabled, u.PasswordHash = true, "$argon2id$y"
		update(t, s, func(tx epiloop.Tx) error { return tx.UpdateUser(&u) })
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindUserByID(u.ID)
			if err != nil {
				return err
			}
			diff(t, "user", got, &u)
			return nil
		})
	})
}

// testSecrets covers sessions and tokens, which behave alike but for
// deletion and for tokens that never expire.
func testSecrets(t *testing.T, s epiloop.Store) {
	u := &epiloop.User{Name: "station", Role: epiloop.RoleCommander, CreatedAt: at(0)}
	update(t, s, func(tx epiloop.Tx) error { return tx.CreateUser(u) })
	kinds := []struct {
		name   string
		create func(tx epiloop.Tx, hash []byte, userID int64, expires time.Time) error
		find   func(tx epiloop.Tx, hash []byte, now time.Time) (*epiloop.User, error)
	}{
		{"Session", epiloop.Tx.CreateSession, epiloop.Tx.FindUserBySession},
		{"Token", epiloop.Tx.CreateToken, epiloop.Tx.FindUserByToken},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			hash := []byte(k.name + "-hash-0123456789abcdef")
			update(t, s, func(tx epiloop.Tx) error { return k.create(tx, hash, u.ID, local(at(time.Hour))) })
			find := func(hash []byte, now time.Time) func(tx epiloop.Tx) error {
				return func(tx epiloop.Tx) error {
					got, err := k.find(tx, hash, now)
					if err == nil && got.ID != u.ID {
						t.Errorf("found user %d, want %d", got.ID, u.ID)
					}
					return err
				}
			}
			tests := []struct {
				name string
				hash []byte
				now  time.Time
				want string
			}{
				{"Valid", hash, at(0), ""},
				{"ValidLocalTime", hash, local(at(59 * time.Minute)), ""},
				{"ExpiresAtItsTime", hash, at(time.Hour), epiloop.ENOTFOUND},
				{"Expired", hash, at(2 * time.Hour), epiloop.ENOTFOUND},
				{"Unknown", []byte("unknown"), at(0), epiloop.ENOTFOUND},
			}
			for _, tc := range tests {
				viewCode(t, s, tc.name, tc.want, find(tc.hash, tc.now))
			}
			updateCode(t, s, "duplicate hash", epiloop.ECONFLICT, func(tx epiloop.Tx) error {
				return k.create(tx, hash, u.ID, at(time.Hour))
			})
			updateCode(t, s, "unknown user", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				return k.create(tx, []byte(k.name+"-other"), u.ID+1000, at(time.Hour))
			})

			disabled := *u
			disabled.Disabled = true
			update(t, s, func(tx epiloop.Tx) error { return tx.UpdateUser(&disabled) })
			viewCode(t, s, "disabled user", epiloop.ENOTFOUND, find(hash, at(0)))
			update(t, s, func(tx epiloop.Tx) error { return tx.UpdateUser(u) })
			viewCode(t, s, "enabled again", "", find(hash, at(0)))
		})
	}

	t.Run("DeleteSession", func(t *testing.T) {
		hash := []byte("session-to-delete")
		update(t, s, func(tx epiloop.Tx) error { return tx.CreateSession(hash, u.ID, at(time.Hour)) })
		update(t, s, func(tx epiloop.Tx) error { return tx.DeleteSession(hash) })
		viewCode(t, s, "deleted", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
			_, err := tx.FindUserBySession(hash, at(0))
			return err
		})
		updateCode(t, s, "deleted twice", "", func(tx epiloop.Tx) error { return tx.DeleteSession(hash) })
	})

	t.Run("TokenWithoutExpiry", func(t *testing.T) {
		hash := []byte("token-forever")
		update(t, s, func(tx epiloop.Tx) error { return tx.CreateToken(hash, u.ID, time.Time{}) })
		viewCode(t, s, "years later", "", func(tx epiloop.Tx) error {
			_, err := tx.FindUserByToken(hash, at(10*365*24*time.Hour))
			return err
		})
	})
}
