package http

import (
	"context"
	"net/http"
	"net/url"

	"github.com/epiloop/epiloop"
)

// The command pages: 指挥体系, the structure as a tree with its leaders and
// responsibility lists; 当前在岗, who holds each post of a node now.

func (ui *ui) registerDutyPages() {
	ui.page("GET /command", epiloop.ActReadCommand, ui.handleCommandPage)
	ui.page("GET /duty/now", epiloop.ActReadCommand, ui.handleDutyNowPage)
	ui.page("POST /duty/slots/{id}/check-in", epiloop.ActCheckIn, ui.handleDutyCheckIn)
	ui.page("POST /duty/slots/{id}/check-out", epiloop.ActCheckIn, ui.handleDutyCheckOut)
}

// nodeTree is a node and the nodes under it.
type nodeTree struct {
	epiloop.CommandNode
	Children []*nodeTree
}

// commandTree arranges the nodes under their parents; a node whose parent
// is missing is a root.
func commandTree(ns []epiloop.CommandNode) []*nodeTree {
	byCode := map[string]*nodeTree{}
	for _, n := range ns {
		byCode[n.Code] = &nodeTree{CommandNode: n}
	}
	var roots []*nodeTree
	for _, n := range ns {
		t := byCode[n.Code]
		if parent, ok := byCode[n.ParentCode]; ok && n.ParentCode != "" {
			parent.Children = append(parent.Children, t)
		} else {
			roots = append(roots, t)
		}
	}
	return roots
}

func (ui *ui) handleCommandPage(w http.ResponseWriter, r *http.Request, p *page) error {
	ns, err := ui.s.Service.FindCommandNodes(r.Context())
	if err != nil {
		return err
	}
	p.Title, p.Nav, p.Data = "duty.command.title", "command", commandTree(ns)
	return ui.render(w, http.StatusOK, "command", p)
}

// dutyNowData is the wall board of one node.
type dutyNowData struct {
	Nodes []epiloop.CommandNode
	Node  *epiloop.CommandNode
	Posts []postCard
}

// postCard is a post on the board, and the signed-in person when they
// hold its slot in force (their check-in or check-out form).
type postCard struct {
	epiloop.PostOnDuty
	Mine *epiloop.DutyPerson
}

func (ui *ui) handleDutyNowPage(w http.ResponseWriter, r *http.Request, p *page) error {
	ctx := r.Context()
	ns, err := ui.s.Service.FindCommandNodes(ctx)
	if err != nil {
		return err
	}
	d := &dutyNowData{Nodes: ns}
	code := r.URL.Query().Get("node")
	d.Node = rosterNode(ns, code)
	if code != "" && d.Node == nil {
		return epiloop.Errorf(epiloop.ENOTFOUND, "err.duty_node_not_found")
	}
	if d.Node != nil {
		posts, err := ui.s.Service.OnDutyNow(ctx, d.Node.Code)
		if err != nil {
			return err
		}
		for _, po := range posts {
			c := postCard{PostOnDuty: po}
			for _, person := range append(po.OnDuty, po.Absent...) {
				if person.UserID == p.User.ID && person.CheckedOutAt == nil {
					c.Mine = &person
				}
			}
			d.Posts = append(d.Posts, c)
		}
	}
	p.Title, p.Nav, p.Data = "duty.now.title", "duty", d
	return ui.render(w, http.StatusOK, "duty_now", p)
}

func (ui *ui) handleDutyCheckIn(w http.ResponseWriter, r *http.Request, p *page) error {
	return ui.dutyCheck(w, r, ui.s.Service.CheckIn)
}

func (ui *ui) handleDutyCheckOut(w http.ResponseWriter, r *http.Request, p *page) error {
	return ui.dutyCheck(w, r, ui.s.Service.CheckOut)
}

// dutyCheck checks the signed-in person in or out and returns to the
// board of the slot's node.
func (ui *ui) dutyCheck(w http.ResponseWriter, r *http.Request, fn func(context.Context, int64) (*epiloop.DutySlot, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	slot, err := fn(r.Context(), id)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/duty/now?node="+url.QueryEscape(slot.Post.NodeCode), http.StatusSeeOther)
	return nil
}
