//! What residents and station staff see of bookings (预约调处): shared by the
//! server (which fills them) and the pages (which draw them).

use crate::{i18n::Lang, model::StationInfo};
use serde::{Deserialize, Serialize};
use yinling_protocol::schema::{Choice, CASE_KIND};

/// The stations' local time zone (China Standard Time, no daylight saving).
pub const UTC_OFFSET_SECS: i32 = 8 * 3600;
/// How many days ahead a resident may book.
pub const BOOKING_WINDOW_DAYS: i64 = 30;
/// Version of the notice a resident agrees to, stored with each booking.
pub const NOTICE_VERSION: &str = "2026-11-v1";

/// Longest texts a resident may enter (characters, not bytes).
pub const MAX_DESCRIPTION: usize = 500;
pub const MAX_NAME: usize = 20;
pub const MAX_OTHER_PARTY: usize = 100;
pub const MAX_COMMENT: usize = 300;
pub const MAX_REASON: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// 待确认: submitted, the station has not answered yet.
    Pending,
    /// 已确认
    Confirmed,
    /// 已改期: the station moved it to another time.
    Rescheduled,
    /// 已取消 (by the resident)
    Cancelled,
    /// 未能安排 (declined by the station, with a reason)
    Declined,
    /// 已受理: turned into a case (预约调处).
    Accepted,
    /// 办结
    Resolved,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 7] = [
        BookingStatus::Pending,
        BookingStatus::Confirmed,
        BookingStatus::Rescheduled,
        BookingStatus::Cancelled,
        BookingStatus::Declined,
        BookingStatus::Accepted,
        BookingStatus::Resolved,
    ];

    pub fn code(self) -> &'static str {
        match self {
            BookingStatus::Pending => "pending",
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Rescheduled => "rescheduled",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::Declined => "declined",
            BookingStatus::Accepted => "accepted",
            BookingStatus::Resolved => "resolved",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            BookingStatus::Pending => ("待确认", "Waiting for the station"),
            BookingStatus::Confirmed => ("已确认", "Confirmed"),
            BookingStatus::Rescheduled => ("已改期", "Moved to a new time"),
            BookingStatus::Cancelled => ("已取消", "Cancelled"),
            BookingStatus::Declined => ("未能安排", "Could not be arranged"),
            BookingStatus::Accepted => ("已受理", "Taken on as a case"),
            BookingStatus::Resolved => ("办结", "Resolved"),
        };
        pick(lang, zh, en)
    }

    /// What the status means for the resident, in plain words.
    pub fn explain(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            BookingStatus::Pending => {
                ("工作室已收到您的预约，确认后会在这里显示。", "The station has your booking and will confirm it here.")
            }
            BookingStatus::Confirmed => (
                "预约已确认，请按时到工作室，带上身份证件。",
                "Your booking is confirmed. Please come on time with your ID.",
            ),
            BookingStatus::Rescheduled => (
                "工作室把预约改到了下面的新时间，请按新时间前来。",
                "The station moved your booking to the new time below. Please come then.",
            ),
            BookingStatus::Cancelled => ("预约已取消。", "The booking is cancelled."),
            BookingStatus::Declined => (
                "工作室未能安排这次预约，原因见下。可以另约时间，或直接到工作室咨询。",
                "The station could not arrange this booking (reason below). You may book again or visit the station.",
            ),
            BookingStatus::Accepted => {
                ("您的事项已受理，由银龄使者跟进调处。", "Your matter has been taken on; envoys are following it up.")
            }
            BookingStatus::Resolved => (
                "您的事项已办结。欢迎对办理情况进行评价。",
                "Your matter is resolved. Please tell us how satisfied you are.",
            ),
        };
        pick(lang, zh, en)
    }

    /// Still holds its slot (counts against the slot's capacity).
    pub fn holds_slot(self) -> bool {
        !matches!(self, BookingStatus::Cancelled | BookingStatus::Declined)
    }

    /// The resident may still cancel or move it (before it starts).
    pub fn resident_may_change(self) -> bool {
        matches!(self, BookingStatus::Pending | BookingStatus::Confirmed | BookingStatus::Rescheduled)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// 满意
    Satisfied,
    /// 基本满意
    Basically,
    /// 不满意
    Unsatisfied,
}

impl Rating {
    pub const ALL: [Rating; 3] = [Rating::Satisfied, Rating::Basically, Rating::Unsatisfied];

    pub fn code(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::Basically => "basically",
            Rating::Unsatisfied => "unsatisfied",
        }
    }
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Rating::Satisfied => pick(lang, "满意", "Satisfied"),
            Rating::Basically => pick(lang, "基本满意", "Mostly satisfied"),
            Rating::Unsatisfied => pick(lang, "不满意", "Not satisfied"),
        }
    }
}

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The kinds of matter a resident can pick (the case kinds of the protocol).
pub fn matter_kinds() -> &'static [Choice] {
    CASE_KIND
}

pub fn matter_kind_label(code: &str, lang: Lang) -> String {
    match CASE_KIND.iter().find(|c| c.code == code) {
        Some(c) => pick(lang, c.zh, c.en).to_string(),
        None => code.to_string(),
    }
}

/// `570` → `09:30`.
pub fn fmt_hm(min: u32) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

/// `09:30` → `570`.
pub fn parse_hm(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && !s.trim().starts_with('+')).then_some(h * 60 + m)
}

/// ISO weekday 1 (Monday) … 7 (Sunday).
pub fn weekday_label(weekday: u32, lang: Lang) -> &'static str {
    const ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let i = (weekday.clamp(1, 7) - 1) as usize;
    pick(lang, ZH[i], EN[i])
}

/// `2026-11-24` with its weekday: `11月24日 周二` / `Tue 24 Nov`.
pub fn fmt_day(day: &str, weekday: u32, lang: Lang) -> String {
    let mut parts = day.split('-').skip(1).map(|p| p.trim_start_matches('0').to_string());
    let (m, d) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    match lang {
        Lang::Zh => format!("{m}月{d}日 {}", weekday_label(weekday, lang)),
        Lang::En => {
            const MONTHS: [&str; 12] =
                ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
            let month = m.parse::<usize>().ok().and_then(|i| MONTHS.get(i.wrapping_sub(1))).copied().unwrap_or("");
            format!("{} {d} {month}", weekday_label(weekday, lang))
        }
    }
}

/// A moment (unix ms) as station-local `2026-11-24 09:30`.
pub fn fmt_at(ms: i64) -> String {
    let local = ms / 1000 + UTC_OFFSET_SECS as i64;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm;
/// the UI crate carries no calendar library).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// One envoy as the public sees them: name and former field only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicEnvoy {
    pub name: String,
    pub former_field: String,
}

/// Residents' ratings of a station's resolved matters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Satisfaction {
    pub satisfied: u32,
    pub basically: u32,
    pub unsatisfied: u32,
}

impl Satisfaction {
    pub fn rated(&self) -> u32 {
        self.satisfied + self.basically + self.unsatisfied
    }
    /// 满意度: the share of ratings that are 满意 or 基本满意, in whole percent.
    pub fn percent(&self) -> Option<u32> {
        let n = self.rated();
        (n > 0).then(|| ((self.satisfied + self.basically) * 100 + n / 2) / n)
    }
    pub fn add(&mut self, r: Rating, n: u32) {
        match r {
            Rating::Satisfied => self.satisfied += n,
            Rating::Basically => self.basically += n,
            Rating::Unsatisfied => self.unsatisfied += n,
        }
    }
    pub fn describe(&self, lang: Lang) -> String {
        match (self.percent(), lang) {
            (None, Lang::Zh) => "满意度：暂无评价".into(),
            (None, Lang::En) => "Satisfaction: no ratings yet".into(),
            (Some(p), Lang::Zh) => format!("满意度 {p}%（{} 人评价）", self.rated()),
            (Some(p), Lang::En) => format!("Satisfaction {p}% ({} ratings)", self.rated()),
        }
    }
}

/// A station on the public list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicStation {
    pub station: StationInfo,
    pub envoys: Vec<PublicEnvoy>,
    pub satisfaction: Satisfaction,
    /// Whether the station offers any bookable slot in the booking window.
    pub bookable: bool,
}

/// One bookable time on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotView {
    pub day: String,
    pub start_min: u32,
    pub end_min: u32,
    pub capacity: u32,
    pub booked: u32,
}

impl SlotView {
    pub fn free(&self) -> u32 {
        self.capacity.saturating_sub(self.booked)
    }
    /// Form value of the slot: `HH:MM`.
    pub fn value(&self) -> String {
        fmt_hm(self.start_min)
    }
    pub fn range(&self) -> String {
        format!("{}–{}", fmt_hm(self.start_min), fmt_hm(self.end_min))
    }
}

/// A day the station is open for bookings, with how many places are left.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayOption {
    pub day: String,
    pub weekday: u32,
    pub free: u32,
}

/// Everything the booking form (and the reschedule form) needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlotPicker {
    pub station: StationInfo,
    pub days: Vec<DayOption>,
    /// The chosen day, if valid, with its slots.
    pub day: Option<DayOption>,
    pub slots: Vec<SlotView>,
    /// Made when the form is drawn; the server keeps it UNIQUE, so a form
    /// submitted twice makes one booking.
    pub idempotency_key: String,
}

/// One step of a booking's public timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BookingEventView {
    pub at_ms: i64,
    pub status: BookingStatus,
    pub day: String,
    pub weekday: u32,
    pub start_min: u32,
    pub end_min: u32,
    pub by_resident: bool,
    /// Shown to the resident (a decline reason); never internal notes.
    pub note: String,
}

/// A booking as its resident sees it: nothing internal, no other party.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResidentBooking {
    pub reference: String,
    pub station_id: String,
    pub station_name: String,
    pub station_address: String,
    pub day: String,
    pub weekday: u32,
    pub start_min: u32,
    pub end_min: u32,
    pub status: BookingStatus,
    pub matter_kind: String,
    pub description: String,
    pub resident_name: String,
    pub phone_masked: String,
    pub decline_reason: String,
    pub events: Vec<BookingEventView>,
    /// Before it starts and not yet handled: cancel and reschedule are offered.
    pub can_change: bool,
    /// 办结 and not rated yet.
    pub can_rate: bool,
    pub rating: Option<Rating>,
    pub rating_comment: String,
}

impl ResidentBooking {
    pub fn when(&self, lang: Lang) -> String {
        format!("{} {}–{}", fmt_day(&self.day, self.weekday, lang), fmt_hm(self.start_min), fmt_hm(self.end_min))
    }
}

/// One row of the station's booking list (phone masked).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffBookingRow {
    pub id: String,
    pub reference: String,
    pub day: String,
    pub weekday: u32,
    pub start_min: u32,
    pub end_min: u32,
    pub status: BookingStatus,
    pub matter_kind: String,
    pub resident_name: String,
    pub phone_masked: String,
    pub created_at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StationBookings {
    pub station: StationInfo,
    pub rows: Vec<StaffBookingRow>,
    pub satisfaction: Satisfaction,
}

/// An envoy staff can assign a case to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssignableEnvoy {
    pub id: String,
    pub name: String,
    pub former_field: String,
}

/// One booking as station staff see it (phone masked until opened).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffBookingDetail {
    pub row: StaffBookingRow,
    pub description: String,
    pub other_party: String,
    pub decline_reason: String,
    pub case_id: Option<String>,
    pub rating: Option<Rating>,
    pub rating_comment: String,
    pub events: Vec<BookingEventView>,
    pub envoys: Vec<AssignableEnvoy>,
    /// Free slots to move it to, on the day chosen in the page.
    pub picker: SlotPicker,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlotTemplateView {
    pub id: String,
    pub weekday: u32,
    pub start_min: u32,
    pub end_min: u32,
    pub slot_minutes: u32,
    pub capacity: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlotExceptionView {
    pub id: String,
    pub day: String,
    pub weekday: u32,
    pub closed: bool,
    pub start_min: u32,
    pub end_min: u32,
    pub slot_minutes: u32,
    pub capacity: u32,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlotAdmin {
    pub station: StationInfo,
    pub templates: Vec<SlotTemplateView>,
    pub exceptions: Vec<SlotExceptionView>,
}

/// Booking errors a resident or staff member can meet. Each has a stable code
/// (the no-JS pages get it back in `?error=`) and a message in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookingError {
    UnknownStation,
    BadDay,
    PastSlot,
    TooFar,
    Closed,
    NoSuchSlot,
    SlotFull,
    Kind,
    Description,
    Name,
    Phone,
    OtherParty,
    Markup,
    Consent,
    Form,
    TooMany,
    LookupFailed,
    LookupTooMany,
    NotChangeable,
    RateNotAllowed,
    RatingChoice,
    Comment,
    Reason,
    Assignees,
    WrongState,
    SlotSpec,
    Overlap,
}

impl BookingError {
    pub const ALL: [BookingError; 27] = [
        BookingError::UnknownStation,
        BookingError::BadDay,
        BookingError::PastSlot,
        BookingError::TooFar,
        BookingError::Closed,
        BookingError::NoSuchSlot,
        BookingError::SlotFull,
        BookingError::Kind,
        BookingError::Description,
        BookingError::Name,
        BookingError::Phone,
        BookingError::OtherParty,
        BookingError::Markup,
        BookingError::Consent,
        BookingError::Form,
        BookingError::TooMany,
        BookingError::LookupFailed,
        BookingError::LookupTooMany,
        BookingError::NotChangeable,
        BookingError::RateNotAllowed,
        BookingError::RatingChoice,
        BookingError::Comment,
        BookingError::Reason,
        BookingError::Assignees,
        BookingError::WrongState,
        BookingError::SlotSpec,
        BookingError::Overlap,
    ];

    pub fn code(self) -> &'static str {
        match self {
            BookingError::UnknownStation => "unknown_station",
            BookingError::BadDay => "bad_day",
            BookingError::PastSlot => "past_slot",
            BookingError::TooFar => "too_far",
            BookingError::Closed => "closed",
            BookingError::NoSuchSlot => "no_such_slot",
            BookingError::SlotFull => "slot_full",
            BookingError::Kind => "kind",
            BookingError::Description => "description",
            BookingError::Name => "name",
            BookingError::Phone => "phone",
            BookingError::OtherParty => "other_party",
            BookingError::Markup => "markup",
            BookingError::Consent => "consent",
            BookingError::Form => "form",
            BookingError::TooMany => "too_many",
            BookingError::LookupFailed => "lookup_failed",
            BookingError::LookupTooMany => "lookup_too_many",
            BookingError::NotChangeable => "not_changeable",
            BookingError::RateNotAllowed => "rate_not_allowed",
            BookingError::RatingChoice => "rating_choice",
            BookingError::Comment => "comment",
            BookingError::Reason => "reason",
            BookingError::Assignees => "assignees",
            BookingError::WrongState => "wrong_state",
            BookingError::SlotSpec => "slot_spec",
            BookingError::Overlap => "overlap",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }

    pub fn zh(self) -> &'static str {
        match self {
            BookingError::UnknownStation => "没有找到该工作室，请从工作室列表重新选择。",
            BookingError::BadDay => "请选择预约日期。",
            BookingError::PastSlot => "该时间已经过去，请选择以后的时段。",
            BookingError::TooFar => "只能预约 30 天以内的时段。",
            BookingError::Closed => "工作室这一天不开放预约，请选择其他日期。",
            BookingError::NoSuchSlot => "请选择工作室开放的时段。",
            BookingError::SlotFull => "该时段已约满，请选择其他时段。",
            BookingError::Kind => "请选择事项类别。",
            BookingError::Description => "请简要说明事项，不超过 500 字。",
            BookingError::Name => "请填写您的姓名，不超过 20 字。",
            BookingError::Phone => "请填写正确的 11 位手机号码（如 13812345678）。",
            BookingError::OtherParty => "对方情况请不超过 100 字。",
            BookingError::Markup => "填写的内容不能包含 < > 符号或控制字符，请修改后再提交。",
            BookingError::Consent => "请阅读预约须知，并勾选“我已阅读并同意”后再提交。",
            BookingError::Form => "提交的内容不完整，请刷新页面后重新填写。",
            BookingError::TooMany => "提交太频繁了，请稍后再试；有急事请直接到工作室。",
            BookingError::LookupFailed => "没有找到与该预约号和手机号相符的预约，请核对后再试。",
            BookingError::LookupTooMany => "查询次数太多，请 15 分钟后再试。",
            BookingError::NotChangeable => "预约已开始或已处理，不能再取消或改期；如有需要请联系工作室。",
            BookingError::RateNotAllowed => "事项办结后才能评价，每次预约只能评价一次。",
            BookingError::RatingChoice => "请选择“满意”“基本满意”或“不满意”。",
            BookingError::Comment => "评价内容请不超过 300 字。",
            BookingError::Reason => "请填写不能安排的原因（不超过 200 字），居民会看到它。",
            BookingError::Assignees => "请至少选择一位本工作室的银龄使者。",
            BookingError::WrongState => "该预约的状态已经变化，请刷新页面后再操作。",
            BookingError::SlotSpec => "时段设置不正确：结束时间应晚于开始时间，每段 10–240 分钟，可同时调处 1–50 件。",
            BookingError::Overlap => "与已有的时段重叠，请调整时间。",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            BookingError::UnknownStation => "No such station; please choose one from the list.",
            BookingError::BadDay => "Please choose a day.",
            BookingError::PastSlot => "That time has passed; please choose a later slot.",
            BookingError::TooFar => "Slots can be booked up to 30 days ahead.",
            BookingError::Closed => "The station takes no bookings that day; please choose another day.",
            BookingError::NoSuchSlot => "Please choose one of the station's slots.",
            BookingError::SlotFull => "That slot is fully booked; please choose another one.",
            BookingError::Kind => "Please choose what the matter is about.",
            BookingError::Description => "Please describe the matter briefly (at most 500 characters).",
            BookingError::Name => "Please enter your name (at most 20 characters).",
            BookingError::Phone => "Please enter a valid 11-digit mobile number (e.g. 13812345678).",
            BookingError::OtherParty => "Keep the other party's details under 100 characters.",
            BookingError::Markup => "Text may not contain < > or control characters; please change it.",
            BookingError::Consent => "Please read the notice and tick “I have read and agree” first.",
            BookingError::Form => "The form is incomplete; please reload the page and fill it in again.",
            BookingError::TooMany => "Too many submissions; please try again later or visit the station.",
            BookingError::LookupFailed => "No booking matches that reference and mobile number.",
            BookingError::LookupTooMany => "Too many lookups; please try again in 15 minutes.",
            BookingError::NotChangeable => "The booking has started or been handled; please contact the station.",
            BookingError::RateNotAllowed => "A matter can be rated once, after it is resolved.",
            BookingError::RatingChoice => "Please choose satisfied, mostly satisfied or not satisfied.",
            BookingError::Comment => "Keep the comment under 300 characters.",
            BookingError::Reason => "Please give the reason (at most 200 characters); the resident sees it.",
            BookingError::Assignees => "Please choose at least one envoy of this station.",
            BookingError::WrongState => "The booking has changed meanwhile; please reload the page.",
            BookingError::SlotSpec => {
                "Invalid slots: end after start, 10–240 minutes per slot, 1–50 parallel mediations."
            }
            BookingError::Overlap => "These hours overlap existing slots.",
        }
    }

    pub fn message(self, lang: Lang) -> &'static str {
        pick(lang, self.zh(), self.en())
    }
}

/// Text a resident typed: trimmed, at most `max` characters, no markup
/// brackets or control characters (newlines and tabs are fine).
pub fn check_text(s: &str, max: usize, required: bool) -> Result<String, TextProblem> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(TextProblem::Missing);
    }
    if t.chars().any(|c| c == '<' || c == '>' || (c.is_control() && c != '\n' && c != '\r' && c != '\t')) {
        return Err(TextProblem::Markup);
    }
    if t.chars().count() > max {
        return Err(TextProblem::TooLong);
    }
    Ok(t.replace("\r\n", "\n"))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextProblem {
    Missing,
    TooLong,
    Markup,
}

/// Booking references are read aloud over the phone: no 0/O or 1/I.
pub const REFERENCE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Normalise what a resident typed as a reference: `ab2c-de3f ` → `AB2C-DE3F`;
/// `o`/`0` and `i`/`l`/`1`, which a reference never holds, are left as they
/// are (so the lookup fails like any wrong reference).
pub fn normalize_reference(s: &str) -> String {
    let raw: String = s.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    if raw.len() == 8 {
        format!("{}-{}", &raw[..4], &raw[4..])
    } else {
        raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(s.code()), Some(s));
        }
        for r in Rating::ALL {
            assert_eq!(Rating::parse(r.code()), Some(r));
        }
        for e in BookingError::ALL {
            assert_eq!(BookingError::parse(e.code()), Some(e));
            assert!(!e.zh().is_empty() && !e.en().is_empty());
        }
        assert!(BookingError::SlotFull.zh().contains("该时段已约满"));
    }

    #[test]
    fn times_and_days() {
        assert_eq!(fmt_hm(570), "09:30");
        assert_eq!(parse_hm("09:30"), Some(570));
        assert_eq!(parse_hm("9:05"), Some(545));
        assert_eq!(parse_hm("24:00"), None);
        assert_eq!(parse_hm("x"), None);
        assert_eq!(fmt_day("2026-11-24", 2, Lang::Zh), "11月24日 周二");
        assert_eq!(fmt_day("2026-11-24", 2, Lang::En), "Tue 24 Nov");
        // 2026-11-24 01:30 UTC is 09:30 in China.
        assert_eq!(fmt_at(1_795_483_800_000), "2026-11-24 09:30");
        assert_eq!(fmt_at(0), "1970-01-01 08:00");
    }

    #[test]
    fn satisfaction_counts_satisfied_and_basically() {
        let mut s = Satisfaction::default();
        assert_eq!(s.percent(), None);
        s.add(Rating::Satisfied, 2);
        s.add(Rating::Basically, 1);
        s.add(Rating::Unsatisfied, 1);
        assert_eq!((s.rated(), s.percent()), (4, Some(75)));
        assert_eq!(s.describe(Lang::Zh), "满意度 75%（4 人评价）");
    }

    #[test]
    fn text_rules() {
        assert_eq!(check_text("  楼上漏水 ", 10, true), Ok("楼上漏水".into()));
        assert_eq!(check_text(" ", 10, true), Err(TextProblem::Missing));
        assert_eq!(check_text("", 10, false), Ok(String::new()));
        assert_eq!(check_text(&"字".repeat(11), 10, true), Err(TextProblem::TooLong));
        assert_eq!(check_text("<script>", 10, true), Err(TextProblem::Markup));
        assert_eq!(check_text("a\u{0}b", 10, true), Err(TextProblem::Markup));
        assert_eq!(check_text("a\r\nb & \"c\"", 20, true), Ok("a\nb & \"c\"".into()));
    }

    #[test]
    fn references_are_normalised() {
        assert_eq!(normalize_reference(" ab2c-de3f "), "AB2C-DE3F");
        assert_eq!(normalize_reference("AB2CDE3F"), "AB2C-DE3F");
        assert_eq!(normalize_reference("x"), "X");
        assert!(!REFERENCE_ALPHABET.iter().any(|c| b"01OI".contains(c)));
    }
}
