/** What the empty schedules page offers to paste: pure text, shown as text. */

export const YAML_SCHEDULE = [
  "# task-manager.yaml (reconciled at each start)",
  "schedules:",
  "  nightly-report:",
  '    cron: "30 2 * * *"',
  '    timezone: "Europe/Paris"',
  "    task:",
  '      name: "Nightly report"',
  '      type: "report"',
].join("\n");

export function curlCreateSchedule(baseUrl: string, token: string | null): string {
  const auth =
    token === null ? '-H "authorization: Bearer $TM_TOKEN"' : `-H 'authorization: Bearer ${token}'`;
  return [
    `curl -s '${baseUrl}/api/trpc/schedules.create' \\`,
    `  ${auth} -H 'content-type: application/json' \\`,
    `  -d '{"name": "weekday-report", "cron": "0 9 * * 1-5", "timezone": "Europe/Paris",`,
    `       "task": {"name": "Weekday report", "type": "report"}}'`,
  ].join("\n");
}
