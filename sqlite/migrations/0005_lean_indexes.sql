-- Tasks are always listed for one unit (tasks_unit); the district and
-- status indexes served no query and cost two B-tree inserts a task.
DROP INDEX tasks_district;
DROP INDEX tasks_status;
