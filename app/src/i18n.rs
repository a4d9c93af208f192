//! Two locales: 简体中文 (default) and English. Every visible string goes
//! through `t`, so a missing translation is a compile error, not a blank.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn from_cookie(v: Option<&str>) -> Lang {
        match v {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }
    pub fn cookie_value(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

macro_rules! texts {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        /// Keys of every UI string.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum K { $($key),* }

        pub fn t(lang: Lang, key: K) -> &'static str {
            match (key, lang) {
                $((K::$key, Lang::Zh) => $zh, (K::$key, Lang::En) => $en,)*
            }
        }
    };
}

texts! {
    AppName => "银龄解忧", "Yinling";
    Tagline => "银龄使者 · 邻里解忧", "Senior envoys resolving neighbourhood matters";
    SwitchLang => "English", "中文";
    ElderMode => "长辈模式", "Large mode";
    ElderModeOn => "长辈模式：开", "Large mode: on";
    Online => "在线", "Online";
    Offline => "离线：记录保存在本机，联网后自动同步", "Offline: records are kept on this phone and sync when back online";
    Checking => "正在检查网络…", "Checking the network…";
    UpdateReady => "有新版本，点此更新", "A new version is ready — tap to update";
    Login => "登录", "Sign in";
    Logout => "退出登录", "Sign out";
    Phone => "手机号", "Mobile number";
    Password => "密码", "Password";
    LoginTitle => "工作人员与银龄使者登录", "Sign in for envoys and staff";
    LoginHint => "居民预约和查询不需要登录。", "Residents need no account to book or follow a matter.";
    ErrBadCredentials => "手机号或密码不正确，请重新输入。", "Wrong mobile number or password; please try again.";
    ErrTooMany => "登录尝试次数过多，请 15 分钟后再试。", "Too many attempts; please try again in 15 minutes.";
    ErrExpired => "页面已过期，请重新登录。", "This page has expired; please sign in again.";
    ErrInvalid => "请填写 11 位手机号和密码。", "Enter an 11-digit mobile number and the password.";
    ErrDisabled => "该账号已停用，请联系工作室。", "This account is disabled; please contact your station.";
    LoggedOut => "您已退出登录。", "You have signed out.";
    ForResidents => "居民服务", "For residents";
    ForResidentsText => "查找身边的银龄解忧工作室，预约调解，查询办理进度。", "Find your station, book a mediation and follow your matter.";
    ForVolunteers => "银龄使者与工作人员", "Envoys and staff";
    FieldHome => "今日工作", "Today's work";
    FieldOpening => "正在打开…", "Opening…";
    FieldNeedLogin => "请先在有网络时登录一次。", "Please sign in once while online.";
    FieldAllSynced => "全部记录已同步", "Everything is synced";
    Hello => "您好", "Hello";
    YourStation => "所属工作室", "Your station";
    NotFound => "页面不存在", "Page not found";
    BackHome => "返回首页", "Back to the start";
    PageNotLoaded => "这一页还没有下载到手机上", "This page is not on this phone yet";
    PageNotLoadedHow => "请连上网络后点“重试”。已保存的记录不受影响。", "Connect to the network, then tap Retry. Saved records are not affected.";
    Retry => "重试", "Retry";
    StationTitle => "工作室", "Station";
    Roster => "成员", "Members";
    Name => "姓名", "Name";
    Role => "身份", "Role";
    FormerField => "原工作领域", "Former field";
    Specialties => "特点专长", "Specialties";
    Status => "状态", "Status";
    Active => "在岗", "Active";
    Inactive => "已停用", "Disabled";
    Deactivate => "停用账号", "Disable account";
    Reactivate => "恢复账号", "Enable account";
    Address => "地址", "Address";
    OpeningHours => "开放时间", "Opening hours";
    Services => "服务内容", "Services";
    CountyTitle => "全县工作室", "All stations in the county";
    Street => "街道", "Sub-district";
    Envoys => "银龄使者", "Envoys";
    Staff => "工作人员", "Staff";
    Loading => "正在加载…", "Loading…";
    Open => "查看", "Open";
    SyncNow => "立即同步", "Sync now";
    Syncing => "正在同步…", "Syncing…";
    WaitingToSync => "条记录待同步", "records waiting to sync";
    SyncedCount => "已同步", "Synced";
    SyncFailed => "同步没有成功，记录仍保存在本机，稍后会自动重试。", "Sync did not go through; records stay on this phone and it retries shortly.";
    LastSynced => "上次同步", "Last synced";
    Quarantined => "未被接收的记录", "Records the server did not accept";
    QuarantinedHint => "这些记录没有同步到工作室，原因如下。请按原因修改后重新登记，或联系工作室。", "These records did not reach the station; see why. Re-enter them corrected or contact the station.";
    Understood => "知道了", "Got it";
    MyCases => "我的事项", "My cases";
    NoCases => "还没有事项。", "No cases yet.";
    NewCase => "登记新事项", "New case";
    CaseTitle => "标题", "Title";
    CaseKind => "类别", "Kind";
    Save => "保存", "Save";
    SavedLocal => "已保存在本机", "Saved on this phone";
    Waiting => "待同步", "Waiting to sync";
    Synced => "已同步", "Synced";
    Description => "情况描述", "Description";
    ChangeStatus => "办理进度", "Progress";
    StorageUsed => "本机已用存储", "Storage used on this phone";
    CaseMissing => "这台手机上没有这条事项，请先同步。", "This case is not on this phone yet; sync first.";
    SyncQueueTitle => "同步队列", "Sync queue";
    Devices => "手机", "Phones";
    Conflicts => "待处理的冲突", "Conflicts to settle";
    Rejections => "被拒收的记录", "Rejected records";
    NoConflicts => "没有待处理的冲突。", "No conflicts to settle.";
    NoRejections => "没有被拒收的记录。", "No rejected records.";
    NoDevices => "还没有手机同步过。", "No phone has synced yet.";
    KeepStored => "保留这个", "Keep this";
    TakeIncoming => "改用这个", "Use this";
    Merge => "合并后保存", "Save merged";
    Dismiss => "忽略", "Dismiss";
    Fix => "修正后接收", "Fix and accept";
    MediationsTitle => "调解记录", "Mediations";
    NoMediations => "本工作室还没有调解记录。", "No mediations at this station yet.";
    DisputeCase => "纠纷事项", "Dispute case";
    Parties => "当事人", "Parties";
    LastChanged => "最近更新", "Last changed";
    OpenAgreement => "查看并打印协议书", "View and print the agreement";
    NoAgreementYet => "尚无协议", "No agreement yet";
    BackToMediations => "返回调解记录", "Back to mediations";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_locales_have_text() {
        assert_eq!(t(Lang::Zh, K::UpdateReady), "有新版本，点此更新");
        assert_ne!(t(Lang::En, K::Login), t(Lang::Zh, K::Login));
        assert_eq!(Lang::from_cookie(Some("en")), Lang::En);
        assert_eq!(Lang::from_cookie(Some("fr")), Lang::Zh);
    }
}
