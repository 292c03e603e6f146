package loop

import (
	"context"
	"time"

	"github.com/epiloop/epiloop"
)

// Deployments of officers and auxiliaries to compounds (下沉,
// epiloop/deployment.go).

func deploymentNotFound() error {
	return epiloop.Errorf(epiloop.ENOTFOUND, "err.deployment_not_found")
}

// deploymentEvent is a deployment's step: ids and codes only (the
// person's name stays with the deployment, sealed).
func deploymentEvent(kind string, d *epiloop.Deployment, p *epiloop.Place, actor int64, now time.Time) *epiloop.Event {
	e := placeEvent(kind, p, actor, now, map[string]any{"deployment": d.ID, "deployment_state": d.State,
		"person_kind": d.PersonKind, "coverage": p.Coverage, "min_guard": p.MinGuard})
	e.AddUnit(d.UnitCode)
	return e
}

// RequestDeployment asks for a person of a unit to be sent to a compound
// of the caller's jurisdiction.
func (s *Service) RequestDeployment(ctx context.Context, code string, d epiloop.Deployment) (*epiloop.Deployment, error) {
	u, err := allowed(ctx, epiloop.ActDeploy)
	if err != nil {
		return nil, err
	}
	if u.Role == epiloop.RoleStation && d.UnitCode == "" {
		d.UnitCode = u.UnitCode
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	var out *epiloop.Deployment
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		p, err := s.visiblePlace(tx, u, code)
		if err != nil {
			return err
		}
		if !epiloop.MayRequestDeployment(u, d.UnitCode, p.DistrictCode) {
			return epiloop.FieldError("unit", "err.deployment_not_your_unit")
		}
		if p.Kind != epiloop.PlaceCompound {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.deployment_not_compound")
		}
		if _, err := tx.FindUnitByCode(d.UnitCode); err != nil {
			if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
				return epiloop.FieldError("unit", "err.place_unit")
			}
			return err
		}
		now := s.now()
		rec := d
		rec.ID, rec.PlaceID, rec.DistrictCode, rec.State, rec.RequestedBy, rec.CreatedAt =
			0, p.ID, p.DistrictCode, epiloop.DeploymentRequested, u.ID, now
		rec.ApprovedBy, rec.ApprovedAt, rec.CheckedInAt, rec.EndedAt = 0, nil, nil, nil
		rec.PlaceCode, rec.PlaceName = p.Code, p.Name
		if err := tx.SaveDeployment(&rec); err != nil {
			return err
		}
		if err := tx.CreateEvent(deploymentEvent(epiloop.EventDeploymentRequested, &rec, p, u.ID, now)); err != nil {
			return err
		}
		out = &rec
		return s.audit(tx, u, epiloop.AuditChange, deploymentObject(rec.ID), "requested")
	})
	return out, err
}

// StepDeployment approves a deployment (the district's commander or
// headquarters), checks it in on site or ends it (those who may request
// it).
func (s *Service) StepDeployment(ctx context.Context, id int64, action string) (*epiloop.Deployment, error) {
	act := epiloop.ActDeploy
	if action == epiloop.DeployApprove {
		act = epiloop.ActApproveDeploy
	}
	u, err := allowed(ctx, act)
	if err != nil {
		return nil, err
	}
	var d *epiloop.Deployment
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if d, err = tx.FindDeploymentByID(id, true); err != nil {
			return err
		}
		if !epiloop.DeploymentVisible(u, d) {
			return deploymentNotFound()
		}
		may := epiloop.MayStepDeployment(u, d)
		if action == epiloop.DeployApprove {
			may = epiloop.MayApproveDeployment(u, d)
		}
		if !may {
			return forbidden()
		}
		now := s.now()
		kind, err := d.Step(action, u.ID, now)
		if err != nil {
			return err
		}
		if err := tx.SaveDeployment(d); err != nil {
			return err
		}
		p, err := tx.FindPlaceByID(d.PlaceID)
		if err != nil {
			return err
		}
		if err := tx.CreateEvent(deploymentEvent(kind, d, p, u.ID, now)); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, deploymentObject(d.ID), action)
	})
	s.placeTiles.forget()
	return d, err
}

// FindDeployments returns one page of the deployments of the caller's
// jurisdiction (a unit's: those of its people), and the total.
func (s *Service) FindDeployments(ctx context.Context, f epiloop.DeploymentFilter) ([]epiloop.Deployment, int, error) {
	u, err := allowed(ctx, epiloop.ActReadDeployments)
	if err != nil {
		return nil, 0, err
	}
	narrowToScope(u, &f.District, &f.Unit)
	var out []epiloop.Deployment
	var total int
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, total, err = tx.FindDeployments(f)
		return err
	})
	return nonNilList(out), total, err
}

// FindDeployment returns one deployment of the caller's jurisdiction.
func (s *Service) FindDeployment(ctx context.Context, id int64) (*epiloop.Deployment, error) {
	u, err := allowed(ctx, epiloop.ActReadDeployments)
	if err != nil {
		return nil, err
	}
	var d *epiloop.Deployment
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		if d, err = tx.FindDeploymentByID(id, false); err == nil && !epiloop.DeploymentVisible(u, d) {
			d, err = nil, deploymentNotFound()
		}
		return err
	})
	return d, err
}

// CompoundCoverage is the compounds of the caller's jurisdiction with
// their coverage (persons on site) against their minimum guard,
// uncovered ones first.
func (s *Service) CompoundCoverage(ctx context.Context, district string) ([]epiloop.Place, error) {
	u, err := allowed(ctx, epiloop.ActReadPlaces)
	if err != nil {
		return nil, err
	}
	kind := epiloop.PlaceCompound
	f := s.scopedPlaces(u, epiloop.PlaceFilter{Kind: &kind, Limit: 1000})
	if district != "" && f.District == nil {
		f.District = &district
	}
	var out []epiloop.Place
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, _, err = tx.FindPlaces(f)
		return err
	})
	var uncovered, covered []epiloop.Place
	for _, p := range out {
		if p.Uncovered() {
			uncovered = append(uncovered, p)
		} else {
			covered = append(covered, p)
		}
	}
	return nonNilList(append(uncovered, covered...)), err
}
