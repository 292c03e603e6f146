// Package loop holds the workflows of the closed verification loop — create
// and merge leads, route and double-push them, accept, return, feedback,
// reconcile, re-route, adjudicate, escalate — written once above the storage
// contract so that every engine runs the same rules.
package loop

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
	"github.com/epiloop/epiloop/gazetteer"
)

// Regions resolves a traveller's origin (division code or name) to its
// canonical division code.
type Regions interface {
	LookupCode(codeOrName string) (code string, ok bool)
}

// RiskChecker reports whether an origin is a risk area on the arrival date;
// a lead from one is high priority.
type RiskChecker interface {
	Risky(ctx context.Context, origin string, arrival time.Time) bool
}

// Service runs the workflows. Its fields are set once by the caller before
// use.
type Service struct {
	Store   epiloop.Store
	Clock   epiloop.Clock
	SLAs    epiloop.SLAs
	Regions Regions
	// Divisions is the index of China's divisions, loaded once by the
	// wiring (RegionIndex loads it when the wiring did not).
	Divisions *divisions.RegionIndex
	Risk      RiskChecker
	// Observation sets the observation plans' durations and check
	// deadline; the zero value takes the defaults.
	Observation ObservationConfig
	// Duty sets the roster's rules (minimum rest, consecutive 24-hour
	// duties); the zero value takes epiloop.DefaultDutyRules.
	Duty   epiloop.DutyRules
	Logger *slog.Logger
	// Notify, when set, is called after every committed change so the
	// event broker can deliver without waiting for its poll.
	Notify func()

	// DeskConfirmWindow is how long a solved desk ticket waits for the
	// enterprise's confirmation before it closes as unconfirmed; zero
	// takes epiloop.DefaultDeskConfirmDays.
	DeskConfirmWindow time.Duration
	// XCity is this instance's side of the hand-over between cities
	// (loop/xcity.go).
	XCity XCityConfig

	// AnchorPath is the audit trail's anchor file (AnchorAudit); empty,
	// the trail is not anchored.
	AnchorPath string

	creds     credCache
	jobs      importJobs
	dutyTiles dutyTiles
	// placeTiles keeps the places' figures (loop/place.go).
	placeTiles placeTiles
	// volunteerTiles keeps the volunteer figures (loop/volunteer.go).
	volunteerTiles volunteerTiles
	// deskTiles keeps the service desk's figures (loop/desk.go).
	deskTiles deskTiles

	noiseMu sync.Mutex
	noise   map[string]*noiseCount

	anchorMu   sync.Mutex
	lastAnchor int64

	regionsOnce sync.Once
	regionsErr  error

	mu          sync.RWMutex
	gaz         *gazetteer.Gazetteer
	communities map[string]epiloop.Community
	districts   map[string]epiloop.District
}

// NewService returns a service with default SLAs and the system clock.
func NewService(store epiloop.Store) *Service {
	return &Service{
		Store:  store,
		Clock:  epiloop.SystemClock{},
		SLAs:   epiloop.DefaultSLAs(),
		Logger: slog.Default(),
	}
}

// LoadGazetteer (re)builds the address gazetteer from the stored
// jurisdiction tree and aliases.
func (s *Service) LoadGazetteer(ctx context.Context) error {
	var (
		ds      []epiloop.District
		ss      []epiloop.Street
		cs      []epiloop.Community
		aliases map[string]string
	)
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		if ds, err = tx.FindDistricts(); err != nil {
			return err
		}
		if ss, err = tx.FindStreets(); err != nil {
			return err
		}
		if cs, err = tx.FindCommunities(); err != nil {
			return err
		}
		aliases, err = tx.FindAliases()
		return err
	})
	if err != nil {
		return err
	}
	g := gazetteer.New(ds, ss, cs)
	if s.Regions != nil {
		g.SetRegions(s.Regions.LookupCode)
	}
	for alias, code := range aliases {
		if err := g.AddAlias(alias, code); err != nil {
			s.Logger.Warn("gazetteer alias skipped", "community", code, "err", epiloop.ErrorCode(err))
		}
	}
	cm := make(map[string]epiloop.Community, len(cs))
	for _, c := range cs {
		cm[c.Code] = c
	}
	dm := make(map[string]epiloop.District, len(ds))
	for _, d := range ds {
		dm[d.Code] = d
	}
	s.mu.Lock()
	s.gaz, s.communities, s.districts = g, cm, dm
	s.mu.Unlock()
	return nil
}

// Community returns a community of the loaded tree by code.
func (s *Service) Community(code string) (epiloop.Community, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.communities[code]
	return c, ok
}

// District returns a district of the loaded tree by code.
func (s *Service) District(code string) (epiloop.District, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.districts[code]
	return d, ok
}

// route matches an address against the gazetteer.
func (s *Service) route(address string) gazetteer.Match {
	s.mu.RLock()
	g := s.gaz
	s.mu.RUnlock()
	switch {
	case address == "":
		return gazetteer.Match{Reason: gazetteer.ReasonNoAddress}
	case g == nil:
		return gazetteer.Match{Reason: gazetteer.ReasonNoMatch}
	}
	return g.Route(address)
}

// districtNamed returns the district an address that did not route names
// (the gazetteer's Match.District, or the one district all its candidates
// lie in), epiloop.UndeterminedDistrict when none: an unroutable lead
// counts, and is seen, there.
func districtNamed(m gazetteer.Match) string {
	if m.District != "" {
		return m.District
	}
	district := ""
	for i, c := range m.Candidates {
		if len(c) < 6 || (i > 0 && c[:6] != district) {
			return epiloop.UndeterminedDistrict
		}
		district = c[:6]
	}
	return district
}

func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Millisecond) }

func (s *Service) notify() {
	if s.Notify != nil {
		s.Notify()
	}
}

// actor returns the authenticated user or an unauthorized error.
func actor(ctx context.Context) (*epiloop.User, error) {
	u := epiloop.UserFromContext(ctx)
	if u == nil {
		return nil, epiloop.Errorf(epiloop.EUNAUTHORIZED, "err.authentication_required")
	}
	return u, nil
}

// allowed returns the authenticated user when their role may do act
// (permission.go), else the refusal.
func allowed(ctx context.Context, act epiloop.Action) (*epiloop.User, error) {
	u, err := actor(ctx)
	if err == nil && !u.Can(act) {
		err = forbidden()
	}
	return u, err
}

func forbidden() error {
	return epiloop.Errorf(epiloop.EFORBIDDEN, "err.your_role_may_not_do")
}

func leadNotFound() error { return epiloop.Errorf(epiloop.ENOTFOUND, "err.lead_not_found") }

func taskNotFound() error { return epiloop.Errorf(epiloop.ENOTFOUND, "err.task_not_found") }
