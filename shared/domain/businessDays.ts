/**
 * Business days for the review SLA: Saturdays and Sundays are skipped, in UTC (reviewers work
 * across time zones, so one calendar is used for everyone). Holidays are not modelled.
 */
const DAY_MS = 24 * 60 * 60 * 1000;

export function isWeekend(date: Date): boolean {
  const day = date.getUTCDay();
  return day === 0 || day === 6;
}

/**
 * The moment `days` business days after `start`, at the same time of day. A start on a weekend
 * counts from the following Monday, so a review that arrives on Saturday is not due a day early.
 */
export function addBusinessDays(start: Date, days: number): Date {
  let at = new Date(start.getTime());
  while (isWeekend(at)) at = new Date(at.getTime() + DAY_MS);
  let left = days;
  while (left > 0) {
    at = new Date(at.getTime() + DAY_MS);
    if (!isWeekend(at)) left -= 1;
  }
  return at;
}
