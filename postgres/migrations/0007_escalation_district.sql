-- 0007: an escalation keeps the district its task was in when it was made,
-- where it counts in the dashboard's hourly series (a lead re-routed later
-- moves its tasks, not its past escalations). Earlier escalations take
-- their task's district of today.
ALTER TABLE escalations ADD COLUMN district text NOT NULL DEFAULT '';

UPDATE escalations e SET district = t.district_code FROM tasks t WHERE t.id = e.task_id;
