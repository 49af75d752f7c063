// zh-CN and en: every label on every page comes from these tables through t(). Switching the
// language re-renders the current page, so nothing keeps the old language.

const zh = {
  skip: "跳到内容",
  other_lang: "English",
  demo: "演示城市",
  "nav.map": "地图", "nav.facilities": "停车设施", "nav.signs": "诱导屏", "nav.chargers": "充电站",
  "nav.health": "数据健康", "nav.guidance": "诱导测试", "nav.reports": "周报", "nav.audit": "审计日志",
  "audit.title": "审计日志", "audit.about": "每一次人为的修改（通过接口或命令行）：谁、何时、从哪里、改了什么、修改前后、结果。",
  "audit.time": "时间", "audit.actor": "操作人", "audit.remote": "来源地址", "audit.action": "操作",
  "audit.target": "对象", "audit.outcome": "结果", "audit.before": "修改前", "audit.after": "修改后",
  "audit.none": "没有记录", "audit.actor_filter": "操作人", "audit.apply": "筛选",
  "audit.key_needed": "查看审计日志需要交通指挥中心或管理员密钥。",
  "reports.title": "周报", "reports.schedule": "每周一 06:00（城市时间）自动生成上一周的周报，中英文各一份，HTML 与 PDF。",
  "reports.week": "周", "reports.district": "区域", "reports.files": "文件", "reports.written": "生成时间",
  "reports.city": "全市", "reports.zh": "中文", "reports.en": "英文", "reports.none": "还没有周报：服务器每周一生成上一周的周报。",
  "live.on": "实时", "live.off": "实时连接中断", "live.connecting": "连接中…",
  loading: "加载中…", error: "出错了", none: "无", unknown: "未知", back: "返回",
  "kind.multi_storey": "停车楼", "kind.underground": "地下停车场", "kind.surface": "地面停车场",
  "kind.on_street": "路内泊位", "kind.park_and_ride": "换乘停车场",
  "state.open": "有空位", "state.almost_full": "即将满", "state.full": "满", "state.closed": "关闭",
  "state.unknown": "未知",
  "map.title": "实时地图", "map.filters": "筛选", "map.kind": "类型", "map.district": "区域",
  "map.all_districts": "全部区域", "map.ev": "有充电桩", "map.free_only": "只看有空位",
  "map.search": "按名称搜索", "map.search_placeholder": "停车场名称…", "map.layers": "图层",
  "map.show_facilities": "停车设施", "map.show_chargers": "充电站", "map.show_signs": "诱导屏",
  "map.legend": "图例", "map.occupancy": "占用率", "map.size": "大小 = 车位数",
  "map.shown": "显示 {n} / {total} 个设施", "map.no_roads": "没有路网数据",
  "map.matches": "搜索结果", "map.open_page": "详情", "map.wall": "大屏模式", "map.show_panel": "显示面板",
  "legend.lt50": "< 50%", "legend.lt75": "50–75%", "legend.lt90": "75–90%", "legend.lt100": "90–99%",
  "legend.full": "满", "legend.closed": "关闭", "legend.unknown": "未知（无新数据）",
  free: "空位", occupied: "已占用", capacity: "总车位", updated: "更新时间", name: "名称", kind: "类型",
  district: "区域", state: "状态", operator: "运营方", access: "开放", id: "编号",
  "fac.title": "停车设施", "fac.live": "实时", "fac.chart": "近 7 天占用与今日预测",
  "fac.history": "历史（15 分钟均值）", "fac.range": "历史最小–最大", "fac.forecast": "预测",
  "fac.band": "预测区间 (10%–90%)", "fac.now": "现在", "fac.tariff": "收费",
  "fac.free_minutes": "免费 {n} 分钟", "fac.per_hour": "元/小时", "fac.daily_cap": "每日封顶 ¥{n}",
  "fac.no_tariff": "无收费信息", "fac.hours": "开放时间", "fac.entrances": "出入口",
  "fac.sources": "数据源", "fac.signs": "显示本设施的诱导屏", "fac.classes": "分类车位",
  "fac.p_free": "有空位概率", "fac.forecast_table": "预测", "fac.horizon": "时距",
  "fac.expected_free": "预计空位", "fac.method": "方法", "fac.max_height": "限高",
  "fac.list": "全部停车设施", "fac.occ": "占用率", "fac.chargers": "充电桩",
  "fac.no_history": "暂无历史数据", "entrance.vehicle": "车辆", "entrance.pedestrian": "行人",
  "entrance.both": "车辆/行人",
  "class.disabled": "无障碍", "class.ev": "新能源", "class.family": "家庭", "class.motorcycle": "摩托车",
  "signs.title": "诱导屏", "signs.level": "{n} 级", "signs.level.1": "一级（区域）",
  "signs.level.2": "二级（道路）", "signs.level.3": "三级（入口）",
  "signs.online": "在线", "signs.offline": "离线", "signs.unknown": "状态未知",
  "signs.history": "近 6 小时显示记录", "signs.overrides": "人工干预", "signs.no_overrides": "无人工干预",
  "signs.no_history": "该时段无记录", "signs.time": "时间", "signs.shown": "显示内容",
  "signs.cause": "原因", "signs.published": "发布于", "signs.acked": "已确认",
  "signs.pending": "等待控制器确认", "signs.reason": "原因", "signs.by": "操作人",
  "signs.expires": "到期", "signs.ended": "已结束", "signs.active": "生效中", "signs.details": "详情",
  "signs.filter_level": "级别", "signs.all_levels": "全部级别", "signs.faults": "故障",
  "cause.observation": "数据更新", "cause.plan": "预案", "cause.override": "人工干预",
  "cause.clock": "时钟", "cause.rules": "规则", "cause.start": "启动",
  "chg.title": "充电站", "chg.site": "站点", "chg.connectors": "充电枪", "chg.available": "空闲",
  "chg.charging": "充电中", "chg.faulted": "故障", "chg.unavailable": "不可用", "chg.other": "其他",
  "chg.no_data": "无数据", "chg.lifecycle": "建设状态", "chg.util_today": "今日利用率",
  "chg.faults": "故障充电桩", "chg.power": "功率", "chg.no_faults": "无故障",
  "chg.sites": "{n} 个站点", "chg.chargers": "充电桩",
  "life.planned": "规划", "life.under_construction": "在建", "life.in_service": "运营",
  "life.retired": "退役",
  "cs.Available": "空闲", "cs.Preparing": "准备中", "cs.Charging": "充电中", "cs.SuspendedEV": "车辆暂停",
  "cs.SuspendedEVSE": "桩暂停", "cs.Finishing": "结束中", "cs.Reserved": "已预约",
  "cs.Unavailable": "不可用", "cs.Faulted": "故障",
  "health.title": "数据健康", "health.sources": "数据源", "health.source": "数据源",
  "health.status": "状态", "health.last_seen": "最后接收", "health.interval": "上报周期",
  "health.rate": "速率（条/分）", "health.accepted": "已接受", "health.duplicate": "重复",
  "health.out_of_order": "乱序", "health.unknown_target": "未知目标", "health.anomalies": "异常",
  "health.corrections": "校正", "health.dead_letters": "被拒绝的输入", "health.channel": "通道",
  "health.reason": "原因", "health.payload": "内容", "health.no_dead": "没有被拒绝的输入",
  "health.recent_corrections": "最近的计数校正", "health.before": "校正前", "health.after": "校正后",
  "health.ago": "{n} 前", "health.never_seen": "从未",
  "health.key_needed": "查看被拒绝的输入需要交通指挥中心或管理员密钥（其中有数据源发送的原始内容）。",
  "health.key_label": "密钥", "health.key_submit": "查看", "health.key_forget": "清除密钥",
  "health.system_ok": "系统正常：数据日志完整，存储可写", "health.system_degraded": "系统降级运行：需要运维处理",
  "health.since": "自", "health.journal_ack": "核查后确认：",
  "health.problem.journal.loss": "数据日志受损：部分已确认的数据丢失",
  "health.problem.journal.damage": "数据日志受损（无数据丢失）",
  "health.problem.journal.storage_fault": "存储故障：暂停接收数据，自动重试中",
  "health.problem.database.storage_fault": "数据库故障：写入失败，自动重试中",
  "health.problem.mqtt.disconnected": "MQTT 代理连接中断",
  "health.problem.clock.behind": "服务器时钟可能偏慢：多个数据源的数据被判为“来自未来”",
  "health.problem.clock.ahead": "服务器时钟可能偏快：多个数据源的数据显得过时",
  "health.key_refused": "密钥无效，或不是交通指挥中心或管理员的密钥，请重新输入。",
  "src.ok": "正常", "src.silent": "静默", "src.never": "从未上报",
  "guide.title": "诱导测试", "guide.help": "在地图上点击选择目的地（再点一次选择出发地），或用键盘输入坐标。",
  "guide.dest": "目的地", "guide.origin": "出发地", "guide.pick_dest": "点选目的地",
  "guide.pick_origin": "点选出发地", "guide.run": "查询", "guide.clear": "清除",
  "guide.results": "推荐结果", "guide.unavailable": "诱导服务暂不可用（接口尚未上线），下面显示的是普通路线。",
  "guide.route_only": "路线", "guide.drive": "驾车", "guide.walk": "步行", "guide.p_free": "有空位概率",
  "guide.price": "费用", "guide.why": "说明", "guide.rank": "排名", "guide.no_results": "没有结果",
  "guide.need_dest": "请先选择目的地", "guide.need_origin": "要显示路线，请再选择出发地",
  "guide.distance": "距离", "guide.time": "时间", "guide.vehicle": "车辆", "guide.car": "燃油车",
  "guide.ev": "电动车", "guide.latlon": "纬度,经度", "guide.excluded": "被排除的停车场",
  "guide.source.forecast_only": "无实时数据：仅按预测", "guide.source.unknown": "无数据：概率为估计",
  min: "分钟", sec: "秒", hours: "小时", m: "米", km: "公里", yuan: "元",
};

const en = {
  skip: "Skip to content",
  other_lang: "中文",
  demo: "demo city",
  "nav.map": "Map", "nav.facilities": "Facilities", "nav.signs": "Signs", "nav.chargers": "Chargers",
  "nav.health": "Data health", "nav.guidance": "Guidance tester", "nav.reports": "Reports", "nav.audit": "Audit",
  "audit.title": "Audit log", "audit.about": "Every change people made (through the API or the command line): who, when, from where, what, before and after, and how it ended.",
  "audit.time": "Time", "audit.actor": "Who", "audit.remote": "From", "audit.action": "Action",
  "audit.target": "Target", "audit.outcome": "Outcome", "audit.before": "Before", "audit.after": "After",
  "audit.none": "No entries", "audit.actor_filter": "Who", "audit.apply": "Filter",
  "audit.key_needed": "A traffic centre or admin key is needed to see the audit log.",
  "reports.title": "Weekly reports", "reports.schedule": "Written every Monday at 06:00 city time for the week before, in Chinese and English, as HTML and PDF.",
  "reports.week": "Week", "reports.district": "Area", "reports.files": "Files", "reports.written": "Written",
  "reports.city": "City-wide", "reports.zh": "Chinese", "reports.en": "English", "reports.none": "No reports yet: the server writes last week's every Monday.",
  "live.on": "Live", "live.off": "Live feed lost", "live.connecting": "Connecting…",
  loading: "Loading…", error: "Error", none: "None", unknown: "Unknown", back: "Back",
  "kind.multi_storey": "Multi-storey", "kind.underground": "Underground", "kind.surface": "Surface",
  "kind.on_street": "On-street", "kind.park_and_ride": "Park & ride",
  "state.open": "Open", "state.almost_full": "Almost full", "state.full": "FULL", "state.closed": "CLOSED",
  "state.unknown": "Unknown",
  "map.title": "Live map", "map.filters": "Filters", "map.kind": "Kind", "map.district": "District",
  "map.all_districts": "All districts", "map.ev": "EV charging", "map.free_only": "Free only",
  "map.search": "Search by name", "map.search_placeholder": "Car park name…", "map.layers": "Layers",
  "map.show_facilities": "Facilities", "map.show_chargers": "Chargers", "map.show_signs": "Signs",
  "map.legend": "Legend", "map.occupancy": "Occupancy", "map.size": "Size = capacity",
  "map.shown": "Showing {n} of {total} facilities", "map.no_roads": "No road network",
  "map.matches": "Matches", "map.open_page": "Details", "map.wall": "Wall screen", "map.show_panel": "Show panel",
  "legend.lt50": "< 50%", "legend.lt75": "50–75%", "legend.lt90": "75–90%", "legend.lt100": "90–99%",
  "legend.full": "Full", "legend.closed": "Closed", "legend.unknown": "Unknown (no fresh data)",
  free: "Free", occupied: "Occupied", capacity: "Capacity", updated: "Updated", name: "Name", kind: "Kind",
  district: "District", state: "State", operator: "Operator", access: "Access", id: "ID",
  "fac.title": "Facility", "fac.live": "Live", "fac.chart": "Last 7 days and today's forecast",
  "fac.history": "History (15-min mean)", "fac.range": "History min–max", "fac.forecast": "Forecast",
  "fac.band": "Forecast band (10%–90%)", "fac.now": "Now", "fac.tariff": "Tariff",
  "fac.free_minutes": "First {n} min free", "fac.per_hour": "CNY/h", "fac.daily_cap": "Daily cap ¥{n}",
  "fac.no_tariff": "No tariff known", "fac.hours": "Opening hours", "fac.entrances": "Entrances",
  "fac.sources": "Sources", "fac.signs": "Signs showing it", "fac.classes": "Spaces by class",
  "fac.p_free": "P(free)", "fac.forecast_table": "Forecast", "fac.horizon": "Horizon",
  "fac.expected_free": "Expected free", "fac.method": "Method", "fac.max_height": "Max height",
  "fac.list": "All facilities", "fac.occ": "Occupancy", "fac.chargers": "Chargers",
  "fac.no_history": "No history yet", "entrance.vehicle": "Vehicle", "entrance.pedestrian": "Pedestrian",
  "entrance.both": "Vehicle/pedestrian",
  "class.disabled": "Accessible", "class.ev": "EV", "class.family": "Family", "class.motorcycle": "Motorcycle",
  "signs.title": "Guidance signs", "signs.level": "Level {n}", "signs.level.1": "Level 1 (area)",
  "signs.level.2": "Level 2 (route)", "signs.level.3": "Level 3 (entrance)",
  "signs.online": "Online", "signs.offline": "Offline", "signs.unknown": "State unknown",
  "signs.history": "Shown over the last 6 hours", "signs.overrides": "Overrides", "signs.no_overrides": "No overrides",
  "signs.no_history": "Nothing in this period", "signs.time": "Time", "signs.shown": "Shown",
  "signs.cause": "Cause", "signs.published": "Published", "signs.acked": "Acknowledged",
  "signs.pending": "Waiting for the controller", "signs.reason": "Reason", "signs.by": "By",
  "signs.expires": "Expires", "signs.ended": "Ended", "signs.active": "Active", "signs.details": "Details",
  "signs.filter_level": "Level", "signs.all_levels": "All levels", "signs.faults": "Faults",
  "cause.observation": "Data update", "cause.plan": "Plan", "cause.override": "Override",
  "cause.clock": "Clock", "cause.rules": "Rules", "cause.start": "Start-up",
  "chg.title": "Charging sites", "chg.site": "Site", "chg.connectors": "Connectors", "chg.available": "Available",
  "chg.charging": "Charging", "chg.faulted": "Faulted", "chg.unavailable": "Unavailable", "chg.other": "Other",
  "chg.no_data": "No data", "chg.lifecycle": "Build-out", "chg.util_today": "Utilisation today",
  "chg.faults": "Faulted chargers", "chg.power": "Power", "chg.no_faults": "No faults",
  "chg.sites": "{n} sites", "chg.chargers": "Chargers",
  "life.planned": "Planned", "life.under_construction": "Under construction", "life.in_service": "In service",
  "life.retired": "Retired",
  "cs.Available": "Available", "cs.Preparing": "Preparing", "cs.Charging": "Charging", "cs.SuspendedEV": "Suspended (EV)",
  "cs.SuspendedEVSE": "Suspended (EVSE)", "cs.Finishing": "Finishing", "cs.Reserved": "Reserved",
  "cs.Unavailable": "Unavailable", "cs.Faulted": "Faulted",
  "health.title": "Data health", "health.sources": "Sources", "health.source": "Source",
  "health.status": "Status", "health.last_seen": "Last seen", "health.interval": "Interval",
  "health.rate": "Rate (/min)", "health.accepted": "Accepted", "health.duplicate": "Duplicate",
  "health.out_of_order": "Out of order", "health.unknown_target": "Unknown target", "health.anomalies": "Anomalies",
  "health.corrections": "Corrections", "health.dead_letters": "Rejected input (dead letters)", "health.channel": "Channel",
  "health.reason": "Reason", "health.payload": "Payload", "health.no_dead": "No rejected input",
  "health.recent_corrections": "Recent count corrections", "health.before": "Before", "health.after": "After",
  "health.ago": "{n} ago", "health.never_seen": "never",
  "health.key_needed": "A traffic centre or admin key is needed to see the rejected input (it holds what sources sent).",
  "health.key_label": "Key", "health.key_submit": "Show", "health.key_forget": "Forget key",
  "health.system_ok": "System OK: journal intact, storage writable", "health.system_degraded": "Running degraded: an operator must act",
  "health.since": "since", "health.journal_ack": "When looked at, acknowledge:",
  "health.problem.journal.loss": "Journal damage: acknowledged data lost",
  "health.problem.journal.damage": "Journal damage (nothing lost)",
  "health.problem.journal.storage_fault": "Storage fault: observations refused, retrying",
  "health.problem.database.storage_fault": "Database fault: writes failing, retrying",
  "health.problem.mqtt.disconnected": "MQTT broker connection lost",
  "health.problem.clock.behind": "This server's clock may be behind: several sources are refused as “in the future”",
  "health.problem.clock.ahead": "This server's clock may be ahead: several sources look out of date",
  "health.key_refused": "That key is not valid, or not a traffic centre or admin key. Enter it again.",
  "src.ok": "OK", "src.silent": "Silent", "src.never": "Never reported",
  "guide.title": "Guidance tester", "guide.help": "Click the map to set the destination (click again for the origin), or type coordinates.",
  "guide.dest": "Destination", "guide.origin": "Origin", "guide.pick_dest": "Pick destination",
  "guide.pick_origin": "Pick origin", "guide.run": "Ask", "guide.clear": "Clear",
  "guide.results": "Ranked answer", "guide.unavailable": "Guidance is unavailable (the endpoint is not live yet); showing the plain route instead.",
  "guide.route_only": "Route", "guide.drive": "Drive", "guide.walk": "Walk", "guide.p_free": "P(free)",
  "guide.price": "Price", "guide.why": "Why", "guide.rank": "Rank", "guide.no_results": "No results",
  "guide.need_dest": "Pick a destination first", "guide.need_origin": "Pick an origin too to see a route",
  "guide.distance": "Distance", "guide.time": "Time", "guide.vehicle": "Vehicle", "guide.car": "Car",
  "guide.ev": "Electric", "guide.latlon": "lat,lon", "guide.excluded": "Excluded",
  "guide.source.forecast_only": "No live data: forecast only", "guide.source.unknown": "No data: probability assumed",
  min: "min", sec: "s", hours: "h", m: "m", km: "km", yuan: "CNY",
};

const tables = { zh, en };
let current = localStorage.getItem("pg.lang") === "en" ? "en" : "zh";
const listeners = new Set();

export function lang() {
  return current;
}

export function setLang(next) {
  current = next === "en" ? "en" : "zh";
  localStorage.setItem("pg.lang", current);
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  for (const fn of listeners) fn(current);
}

export function onLang(fn) {
  listeners.add(fn);
}

// The label for `key` in the current language, {name} replaced from `vars`. A missing key shows
// as itself (and in the other table's words as a last resort), never as an empty label.
export function t(key, vars) {
  let s = tables[current][key] ?? tables.zh[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, v);
  return s;
}

// A {zh, en} name in the current language, falling back to the other.
export function nameOf(n) {
  if (!n) return "";
  if (typeof n === "string") return n;
  return (current === "en" ? n.en || n.zh : n.zh || n.en) || "";
}

// Applies data-i18n attributes below `root`.
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}

export function keysOf(which) {
  return Object.keys(tables[which]);
}
