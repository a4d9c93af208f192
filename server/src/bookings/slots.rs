//! The station calendar: which slots a day has, from the weekly template and
//! that day's exceptions, in the station's local time (UTC+8).

use crate::storage::{SlotExceptionRow, SlotTemplateRow};
use chrono::{Datelike, Duration, FixedOffset, NaiveDate, TimeZone};
use yinling_app::booking::model::{BOOKING_WINDOW_DAYS, UTC_OFFSET_SECS};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub start_min: i64,
    pub end_min: i64,
    pub capacity: i64,
}

fn tz() -> FixedOffset {
    FixedOffset::east_opt(UTC_OFFSET_SECS).expect("a valid fixed offset")
}

/// The station-local date at `now_ms`.
pub fn local_day(now_ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default().with_timezone(&tz()).date_naive()
}

/// Unix milliseconds of `start_min` minutes after local midnight of `day`.
pub fn starts_at(day: NaiveDate, start_min: i64) -> i64 {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    let local = tz().from_local_datetime(&midnight).single().expect("a fixed offset has no gaps");
    local.timestamp_millis() + start_min * 60_000
}

/// Strict `YYYY-MM-DD`.
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    (s.len() == 10).then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()).flatten()
}

pub fn day_str(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// ISO weekday, 1 = Monday.
pub fn weekday(d: NaiveDate) -> u32 {
    d.weekday().number_from_monday()
}

/// The days a resident may book: today and the next `BOOKING_WINDOW_DAYS`.
pub fn window(now_ms: i64) -> (NaiveDate, NaiveDate) {
    let today = local_day(now_ms);
    (today, today + Duration::days(BOOKING_WINDOW_DAYS))
}

fn expand(out: &mut Vec<Slot>, start: i64, end: i64, len: i64, capacity: i64) {
    if len <= 0 {
        return;
    }
    let mut s = start;
    while s + len <= end {
        out.push(Slot { start_min: s, end_min: s + len, capacity });
        s += len;
    }
}

/// The slots of `day`: none if an exception closes it; otherwise the weekly
/// template's slots for its weekday plus any extra hours, by start time (a
/// start offered twice counts once, the template's first).
pub fn slots_on(day: NaiveDate, templates: &[SlotTemplateRow], exceptions: &[SlotExceptionRow]) -> Vec<Slot> {
    let key = day_str(day);
    let todays: Vec<&SlotExceptionRow> = exceptions.iter().filter(|e| e.day == key).collect();
    if todays.iter().any(|e| e.closed) {
        return Vec::new();
    }
    let wd = i64::from(weekday(day));
    let mut out = Vec::new();
    for t in templates.iter().filter(|t| t.weekday == wd) {
        expand(&mut out, t.start_min, t.end_min, t.slot_minutes, t.capacity);
    }
    for e in todays {
        expand(&mut out, e.start_min, e.end_min, e.slot_minutes, e.capacity);
    }
    out.sort_by_key(|s| s.start_min);
    out.dedup_by_key(|s| s.start_min);
    out
}

/// True if two minute ranges overlap.
pub fn overlaps(a: (i64, i64), b: (i64, i64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(weekday: i64, start: i64, end: i64, len: i64, cap: i64) -> SlotTemplateRow {
        SlotTemplateRow {
            id: "t".into(),
            station_id: "s".into(),
            weekday,
            start_min: start,
            end_min: end,
            slot_minutes: len,
            capacity: cap,
        }
    }

    fn e(day: &str, closed: bool, start: i64, end: i64) -> SlotExceptionRow {
        SlotExceptionRow {
            id: "e".into(),
            station_id: "s".into(),
            day: day.into(),
            closed,
            start_min: start,
            end_min: end,
            slot_minutes: 30,
            capacity: 1,
            note: String::new(),
        }
    }

    #[test]
    fn weekly_template_in_thirty_minute_slots() {
        // Tue 9:00–11:30 in 30-minute slots, 2 at a time.
        let tue = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(weekday(tue), 2);
        let slots = slots_on(tue, &[t(2, 540, 690, 30, 2), t(4, 540, 690, 30, 2)], &[]);
        assert_eq!(slots.len(), 5);
        assert_eq!(slots[0], Slot { start_min: 540, end_min: 570, capacity: 2 });
        assert_eq!(slots[4].end_min, 690);
        let wed = tue.succ_opt().unwrap();
        assert!(slots_on(wed, &[t(2, 540, 690, 30, 2)], &[]).is_empty());
    }

    #[test]
    fn exceptions_close_or_add() {
        let tue = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let tpl = [t(2, 540, 600, 30, 1)];
        assert!(slots_on(tue, &tpl, &[e("2026-11-24", true, 0, 0)]).is_empty());
        assert_eq!(slots_on(tue, &tpl, &[e("2026-11-25", true, 0, 0)]).len(), 2, "another day's closure");
        let extra = slots_on(tue, &tpl, &[e("2026-11-24", false, 570, 660)]);
        assert_eq!(extra.iter().map(|s| s.start_min).collect::<Vec<_>>(), vec![540, 570, 600, 630]);
        let sat = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert_eq!(slots_on(sat, &tpl, &[e("2026-11-28", false, 840, 900)]).len(), 2, "an extra day");
    }

    #[test]
    fn local_time_is_china_standard_time() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let ms = starts_at(day, 570);
        assert_eq!(yinling_app::booking::model::fmt_at(ms), "2026-11-24 09:30");
        // 23:30 UTC on the 23rd is already the 24th in China.
        assert_eq!(local_day(starts_at(day, 0) + 60_000), day);
        assert_eq!(local_day(starts_at(day, 0) - 60_000), day.pred_opt().unwrap());
        assert_eq!(parse_day("2026-11-24"), Some(day));
        assert_eq!(parse_day("2026-2-4"), None);
        assert_eq!(parse_day("2026-02-30"), None);
        assert!(overlaps((540, 600), (570, 630)) && !overlaps((540, 600), (600, 660)));
    }
}
