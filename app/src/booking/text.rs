//! UI strings of the booking pages, in both locales (kept apart from
//! `crate::i18n` so the two feature branches do not edit one table).

use crate::{i18n::Lang, prefs::use_prefs};

macro_rules! texts {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        /// Keys of the booking pages' strings.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum B { $($key),* }

        pub fn bt_in(lang: Lang, key: B) -> &'static str {
            match (key, lang) {
                $((B::$key, Lang::Zh) => $zh, (B::$key, Lang::En) => $en,)*
            }
        }
    };
}

/// A reactive translation of `key` in the current language.
pub fn bt(key: B) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_prefs().lang;
    move || bt_in(lang.get(), key)
}

use leptos::prelude::Get;

texts! {
    FindStation => "找工作室 · 预约调解", "Find a station · book a mediation";
    FindStationIntro => "选择您所在社区的银龄解忧工作室，预约调解时间。不用注册，不收费。",
        "Choose the station of your community and book a time for mediation. No account, free of charge.";
    MyBooking => "查询我的预约", "Find my booking";
    BookHere => "预约调处", "Book a mediation";
    NoSlots => "近期暂无可预约时段，请直接到工作室咨询。", "No bookable slots soon; please visit the station.";
    EnvoysOnStation => "银龄使者", "Envoys";
    NoEnvoys => "暂无", "None yet";
    Community => "社区", "Community";
    BookTitle => "预约调处", "Book a mediation";
    StepDay => "1. 选择日期", "1. Choose a day";
    StepSlot => "2. 选择时段", "2. Choose a time";
    StepMatter => "3. 您要调解的事", "3. Your matter";
    StepContact => "4. 您的联系方式", "4. How to reach you";
    StepNotice => "5. 预约须知", "5. Before you book";
    ChooseDayFirst => "请先在上面选择日期。", "Please choose a day above first.";
    NoDays => "近 30 天没有可预约的时段，请直接到工作室咨询。", "No slots in the next 30 days; please visit the station.";
    Left => "余", "left";
    Full => "已约满", "Full";
    MatterKind => "事项类别", "Kind of matter";
    PleaseChoose => "请选择", "Please choose";
    Description => "简要说明（500 字以内）", "Short description (up to 500 characters)";
    YourName => "您的姓名", "Your name";
    YourPhone => "手机号码（11 位）", "Mobile number (11 digits)";
    OtherParty => "对方姓名或情况（选填）", "The other party (optional)";
    NoticeWhat => "什么是调解：人民调解在双方自愿的基础上进行，由银龄使者居中说和，帮助双方平等协商、达成协议。调解不收费。",
        "What mediation is: people's mediation is voluntary for both sides; envoys help the parties talk on equal terms and reach an agreement. It is free.";
    NoticeRights => "您的权利：参加与否、是否达成协议都由您决定；您可以随时终止调解，也可以通过诉讼、仲裁等途径解决；调解员与您有利害关系的，您可以要求更换。",
        "Your rights: whether to take part and whether to agree is your choice; you may stop at any time or go to court or arbitration instead; you may ask for another mediator if one has an interest in the matter.";
    NoticeData => "您的个人信息：姓名、手机号和事项说明只用于安排和办理这次调解，只有本工作室工作人员和经办的银龄使者能看到；工作人员列表中手机号隐去中间四位，查看完整号码会被记录。信息在事项办结后保存两年后删除，除法律规定外不提供给其他单位。",
        "Your personal information: your name, number and description are used only to arrange and handle this mediation and are seen only by this station's staff and the envoys handling it; staff lists hide the middle of your number and opening it is logged. The data is deleted two years after the matter is closed and is not given to anyone else unless the law requires it.";
    Consent => "我已阅读并同意以上须知", "I have read and agree to the above";
    Submit => "提交预约", "Submit booking";
    Submitting => "正在提交…", "Submitting…";
    Submitted => "预约已提交。", "Your booking has been submitted.";
    BookingTitle => "我的预约", "My booking";
    Reference => "预约号", "Booking reference";
    KeepReference => "请记下预约号。凭预约号和手机号可以随时查询；也可以收藏本页。",
        "Please note the reference: with it and your mobile number you can look the booking up at any time. You may also bookmark this page.";
    Station => "工作室", "Station";
    When => "时间", "Time";
    Status => "状态", "Status";
    Progress => "办理进度", "Progress";
    Reason => "原因", "Reason";
    CancelBooking => "取消预约", "Cancel the booking";
    CancelConfirm => "确定取消这次预约", "Yes, cancel this booking";
    Reschedule => "改到其他时间", "Move to another time";
    RescheduleTitle => "改约时间", "Move my booking";
    RescheduleHint => "改到新时间后，需要工作室重新确认。", "After moving, the station confirms the new time again.";
    RescheduleSubmit => "改到这个时间", "Move to this time";
    CurrentTime => "现在的时间", "Current time";
    RateTitle => "评价办理情况", "Rate how your matter was handled";
    RateComment => "想说的话（选填，300 字以内）", "Comments (optional, up to 300 characters)";
    RateSubmit => "提交评价", "Send rating";
    YourRating => "您的评价", "Your rating";
    ThanksRating => "感谢您的评价！", "Thank you for your rating!";
    BackToStations => "返回工作室列表", "Back to the stations";
    LookupTitle => "查询我的预约", "Find my booking";
    LookupHint => "请输入预约号（如 AB2C-DE3F）和预约时留的手机号。", "Enter the booking reference (e.g. AB2C-DE3F) and the mobile number you gave.";
    Lookup => "查询", "Look up";
    EvSubmitted => "提交预约", "Booked";
    EvByResident => "（本人）", " (by you)";
    DeskBookings => "预约管理", "Bookings";
    DeskSlots => "预约时段设置", "Bookable slots";
    FilterOpen => "待办", "To handle";
    FilterAll => "全部", "All";
    NoBookings => "暂无预约。", "No bookings.";
    Resident => "居民", "Resident";
    Kind => "类别", "Kind";
    Open => "查看", "Open";
    ShowPhone => "查看完整号码", "Show full number";
    PhoneShownLogged => "（已记录查看）", "(viewing is logged)";
    OtherPartyStaff => "对方", "Other party";
    Confirm => "确认预约", "Confirm";
    Decline => "不能安排", "Decline";
    DeclineReason => "不能安排的原因（居民会看到）", "Reason (the resident sees it)";
    MoveTo => "改到该时间", "Move to this time";
    MoveTitle => "改期", "Reschedule";
    AcceptTitle => "受理为事项（预约调处）", "Take on as a case (by appointment)";
    AcceptHint => "选择经办的银龄使者，事项会在他们下次同步后出现在工作列表中。",
        "Choose the envoys; the case appears in their work list after their next sync.";
    Accept => "受理", "Take on";
    ResolveTitle => "办结", "Resolve";
    ResolveHint => "把事项状态改为“办结”（银龄使者在手机上办结也一样），之后居民可以评价。",
        "Sets the case's status to resolved (as an envoy resolving it on the phone does); the resident can then rate it.";
    Resolve => "标记办结", "Mark resolved";
    CaseId => "事项编号", "Case";
    Rating => "居民评价", "Resident's rating";
    NotRated => "尚未评价", "Not rated yet";
    Weekly => "每周时段", "Weekly slots";
    Weekday => "星期", "Weekday";
    From => "开始", "From";
    To => "结束", "To";
    SlotLength => "每段时长（分钟）", "Minutes per slot";
    Capacity => "可同时调处", "Parallel mediations";
    Add => "添加", "Add";
    Delete => "删除", "Delete";
    Exceptions => "特殊日期", "Exceptions";
    Date => "日期", "Date";
    ClosedDay => "当天不开放", "Closed that day";
    ExtraHours => "加开时段", "Extra hours";
    Note => "说明", "Note";
    NoTemplates => "还没有每周时段，居民无法预约。", "No weekly slots yet: residents cannot book.";
    NoExceptions => "没有特殊日期。", "No exceptions.";
    Minutes => "分钟", "min";
    Cases => "件", "";
}
