-- A unit's open tasks by deadline (the field inbox, and a station's list
-- at millions of leads) straight from an index: the deadline expression is
-- the one FindTasks orders by.
CREATE INDEX tasks_open ON tasks (unit_code, (CASE status WHEN 'pushed' THEN accept_by WHEN 'accepted' THEN feedback_by END), id)
	WHERE status IN ('pushed', 'accepted');
