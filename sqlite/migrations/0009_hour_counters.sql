-- 0009: the dashboard's hourly series are counters kept with each change
-- (epiloop.Contribution, epiloop.EscalationContribution): scope
-- "<city or district scope>@<civil date>", metric "<metric>@<hour>", in
-- China Standard Time (UTC+8 all year). This fills them for the leads and
-- escalations written before, as the domain would have: received in the
-- hour of creation, closed in the hour a lead closed or was handed over,
-- escalated in the hour of the escalation; the city and the district each.
-- The storetest case HourBackfill pins it against the domain.
INSERT INTO counters (scope, metric, shard, n)
SELECT scope || '@' || strftime('%Y-%m-%d', t / 1000 + 28800, 'unixepoch'),
	metric || '@' || strftime('%H', t / 1000 + 28800, 'unixepoch'), 0, COUNT(*)
FROM (
	SELECT 'city' AS scope, 'received' AS metric, created_at AS t FROM leads WHERE created_at IS NOT NULL
	UNION ALL
	SELECT 'd:' || district_code, 'received', created_at FROM leads WHERE created_at IS NOT NULL AND district_code <> ''
	UNION ALL
	SELECT 'city', 'closed', closed_at FROM leads WHERE closed_at IS NOT NULL AND status IN ('closed', 'handed_over')
	UNION ALL
	SELECT 'd:' || district_code, 'closed', closed_at FROM leads
		WHERE closed_at IS NOT NULL AND status IN ('closed', 'handed_over') AND district_code <> ''
	UNION ALL
	SELECT 'city', 'escalated', at FROM escalations
	UNION ALL
	SELECT 'd:' || district, 'escalated', at FROM escalations WHERE district <> ''
)
WHERE true
GROUP BY 1, 2
ON CONFLICT (scope, metric, shard) DO UPDATE SET n = n + excluded.n;
