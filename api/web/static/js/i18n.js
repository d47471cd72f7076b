// Chinese and English for the console and the public page. Chinese is the default; the choice
// is kept in localStorage ("waterops.lang") and can be forced with ?lang=en.
const STRINGS = {
  zh: {
    title: "供水调度与漏损管理", public_title: "停水公告", lang_other: "English",
    sign_in: "登录", username: "用户名", password: "密码", sign_out: "退出",
    signed_in_as: "{user}（{role}）", bad_login: "用户名或密码错误",
    tab_isolation: "关阀分析", tab_valves: "阀门重要度", tab_plan: "日计划", tab_work: "新建工单",
    tab_notices: "停水公告",
    layers: "图层", pipes: "管道", valves: "阀门", dmas: "计量分区", customers: "用户",
    critical_customers: "重要用户", depots: "班组驻地", sources: "水厂与水塔",
    legend_inoperable: "无法操作的阀门", legend_normally_closed: "常闭阀门",
    iso_help: "在地图上点击管道或位置，或输入管道编号。", pipe_id: "管道编号", isolate: "分析",
    iso_whatif: "假设无法关闭的阀门", none: "无", clear: "清除",
    valves_to_close: "需关闭的阀门", mark_inoperable: "标记为无法操作", bypassed: "无法关闭，已绕行",
    isolated_area: "停水区域", unintended_area: "连带停水区域",
    iso_hydraulic: "水力分析（EPANET）", iso_hour: "时刻（时）",
    hyd_title: "水力影响：{hour} 时，服务压力 {mpa} MPa（EPANET 压力驱动）", reduced_pressure_area: "降压区域",
    hyd_below: "个用户低于服务压力（停水用户之外）", hyd_nodes: "个节点", hyd_newly: "个为新增",
    hyd_not_served: "未满足水量", hyd_split: "停水 {cut}，低压 {low} m³/h",
    customers_cut: "个供水点停水（用户水表接入处）", accounts: "户（账户）", length: "管长", streets: "涉及道路",
    category: "类别", count: "数量", critical_list: "重要用户", warnings: "提示",
    cat_residential: "居民", cat_commercial: "商业", cat_industrial: "工业",
    cat_institution: "机关单位", cat_critical: "重要用户",
    draft_notice: "起草停水公告", report_repair: "在此报修",
    report_valve: "记入阀门台账", valve_reported: "已记录：阀门 {id} 无法操作",
    crit_help: "阀门失效时额外停水的用户数（最坏一侧）。点击一行在地图上定位。",
    rank: "排名", valve: "阀门", extra_customers: "额外停水用户", extra_critical: "额外重要用户",
    extra_length: "额外管长 (m)", operable: "可操作", yes: "是", no: "否", isolate_worst: "分析最坏情况",
    day: "日期", seconds: "求解时间 (秒)", plan_day: "编制计划", stop: "停止", solving: "求解中…",
    plans: "已有计划", plan_n: "计划 {id} · {day} · {status}", summary: "概况",
    jobs_planned: "已安排", jobs_unassigned: "未安排", late: "逾期", travel_km: "行驶 km",
    utilisation: "利用率", routes: "路线", crew: "班组", second_crew: "第二班组", stops: "工单数", unplaced: "未安排的工单",
    at_risk: "有超期风险的工单", publish_plan: "发布计划", published: "已发布", export_csv: "导出 CSV",
    export_xlsx: "导出 Excel", print_sheets: "打印派工单", timeline: "时间线", break: "午休",
    emergency: "突发事件", emergency_help: "在地图上选点报告爆管，然后重新编制计划。",
    replan: "重新编制", moved: "调整的工单", no_moves: "没有工单被调整",
    yields_to: "让位于 {why}", suspended: "为抢修暂停的工单", suspended_line: "{crew} {leave} 离开，赶赴 {why}；剩余 {minutes} 分钟另立工单 {rest}", pick_on_map: "在地图上选点",
    picked: "已选：{lon}, {lat}", severity: "严重程度", sev_burst: "爆管", sev_major_leak: "严重漏水",
    sev_minor_leak: "轻微漏水", description: "说明", submit: "提交",
    connection_application: "接水申请", repair_report: "报修", conn_type: "申请类型", customer: "申请人",
    address: "地址", dn: "管径 DN (mm)", line_length: "管线长度 (m)", residential: "居民",
    created: "已创建 {id}", deadline: "办结时限", open_jobs: "待办工单",
    job: "工单", kind: "类型", due: "期限", status: "状态",
    notices: "公告", new_notice: "新建公告", kind_planned: "计划停水", kind_emergency: "突发停水",
    start: "开始", end: "结束", reason_en: "原因（英文，可不填）", reason_zh: "原因（中文，公告用）",
    pipes_from_isolation: "停水管道", create_draft: "创建草稿", preview: "预览",
    publish: "发布", update: "更新", restore: "恢复供水", cancel: "取消停水", cancel_reason: "取消原因",
    state_draft: "草稿", state_published: "已发布", state_updated: "已更新", state_restored: "已恢复",
    notice_page: "公开页面", notice_print: "打印版（A4）", notice_accounts_csv: "受影响账户（CSV，短信平台）", notice_accounts_xlsx: "受影响账户（Excel）",
    state_cancelled: "已取消", revisions: "修订记录", note: "备注（内部，不公开）",
    approval_help: "计划停水须经城市供水行政主管部门批准后方可发布（《城市供水条例》第二十二条）。", report_help: "抢修停水须边抢修边通知，并报告城市供水行政主管部门。",
    authority: "主管部门", approval_document: "批准文号", approved_at: "批准时间", report_reference: "报告编号（可不填）", reported_at: "报告时间（默认现在）",
    record_approval: "记录审批", record_report: "记录报告", rec_approval: "已批准", rec_report: "已报告", entered_by: "录入", note_zh: "变更说明（中文，公告中显示）",
    public_current: "当前及计划停水", public_none: "目前没有停水公告。", hotline: "服务热线",
    time_window: "停水时间", affected_streets: "影响道路", affected_customers: "影响用户",
    updated_at: "更新于", open_console: "调度台", map_no_tiles: "（无底图：离线模式）",
    loading: "加载中…", error: "出错", no_plan: "还没有计划。",
    tab_leakage: "漏损与阀门", analyses: "漏损分析", upload_meter_data: "上传分区计量数据",
    outlet_pressure: "平均出厂压力 (MPa)", analyse: "分析", valve_programme: "阀门维护计划",
    water_balance: "水量平衡", system_input: "供水总量", real_losses: "漏失水量",
    nrw: "产销差率", cjj92: "漏损率 (CJJ 92-2016)", ili: "基础设施漏损指数 ILI",
    pressure_management: "分区压力管理（减压阀，FAVAD）", prv_setting: "进水口减压阀设定", critical_point_m: "最不利点压力 m",
    saved_m3d: "减少漏失 m³/d", share_of_real_losses: "占漏失水量", payback_years: "回收期（年）", prv_pays: "值得安装",
    ranking: "分区漏损排名", recoverable: "可回收 m³/d", bursts: "新发现的漏点", size: "规模 m³/h",
    started: "开始", outreach: "用水异常大户", survey_jobs: "生成检漏工单", jobs_created: "已创建 {n} 个工单",
    at_risk_before: "关键阀门失效风险（现在）", at_risk_after: "执行计划一年后",
    extra_customers_short: "额外停水用户", due_valves: "应维护阀门", add_exercises: "生成阀门维护工单",
    last_exercised: "上次维护", never: "从未", area: "区域", no_analysis: "还没有漏损分析。",
    "kind:survey": "现场勘查", "kind:meter installation": "装表", "kind:valve opening": "开阀供水",
    "kind:valve closure": "关阀", "kind:repair": "维修", "kind:valve reopening": "恢复开阀",
    "kind:flushing": "冲洗", "kind:water tanker": "送水车", "kind:follow-up visit": "回访",
    "kind:leak survey": "检漏", "kind:valve exercise": "阀门维护",
    "reason:no_crew": "没有班组当班", "reason:no_skill": "没有具备技能的班组",
    "reason:pinned_crew": "指定班组无法完成", "reason:needs_two_crews": "需要两个班组",
    "reason:window_outside_shifts": "时间窗不在班次内", "reason:break_conflict": "与午休冲突",
    "reason:window_unreachable": "无法按时到达", "reason:shift_too_short": "班次时间不够",
    "reason:precedence": "前后工序无法排入", "reason:capacity": "容量不足",
    "reason:carried_over": "顺延到下一工作日", "reason:overdue": "已超期",
    "reason:not_planned": "未排入计划", "reason:planned_late": "排入但会超期",
    "reason:no_solution": "求解未得出计划",
    // details the API sends as key + params ("detail" is their English): routing.model.DETAILS,
    // ops.dispatch.AT_RISK_DETAILS, gis.isolation.WARNINGS — tests/web/test_messages.py keeps
    // these in step with them
    "msg:no_crew_shift": "计划中没有班组当班",
    "msg:no_crew_available": "没有可用的班组班次",
    "msg:no_solution": "求解器未能在限定时间内找到计划",
    "msg:pinned_crew_absent": "指定由班组 {crew} 完成，但该班组不在计划中",
    "msg:pinned_crew_no_shift": "指定由班组 {crew} 完成，但该班组在计划中没有空闲班次",
    "msg:pinned_crew_no_skill": "指定由班组 {crew} 完成，但该班组不具备技能 {skills}",
    "msg:no_skill": "没有班组具备技能 {skills}",
    "msg:needs_two_crews": "需要两个具备 {skills} 技能的班组，只有 {count} 个",
    "msg:window_outside_shifts": "时间窗（{windows}）和期限都在所有可承担班组的班次之外",
    "msg:break_conflict": "无法在其前后安排午休：时间窗 {windows}，作业 {minutes} 分钟",
    "msg:window_unreachable": "没有可承担的班组能从驻地在时间窗（{windows}）内赶到",
    "msg:shift_too_short": "{minutes} 分钟作业加上路程，超出所有可承担班组的班次",
    "msg:precedence_cycle": "前后工序构成循环（须在自身之后进行）",
    "msg:follows_missing": "须在工单 {job} 之后进行，但该工单不在本次计划中",
    "msg:follows_unplannable": "须在工单 {job} 之后进行，但该工单无法安排（{reason}）",
    "msg:follows_too_late": "须在工单 {job} 完成后开始（最早 {earliest}），但其时间窗于 {latest} 结束",
    "msg:carried_over": "期限为 {due}，在本计划之后：留待以后安排",
    "msg:follows_unplanned": "须在工单 {job} 之后进行，但该工单未安排",
    "msg:followed_by_unplannable": "其后须进行工单 {job}，但该工单无法安排：为免半途而废，暂不安排",
    "msg:no_two_crews_free": "时间窗内没有两个可承担的班组同时空闲",
    "msg:fully_booked": "可承担的班组（{crews}）在其时间窗内已排满",
    "msg:overdue_now": "期限 {due}：已无法按时完成，立即安排",
    "msg:was_due": "已于 {due} 到期",
    "msg:planned_late": "计划 {end} 完成，期限 {due}",
    "msg:not_in_plan": "未排入今日计划",
    "msg:source_inside": "停水区域内有 {sources}（{kinds}）：没有阀门能将其与爆管处隔开，须关闭其出水或停泵",
    "msg:break_closed": "爆管所在管道处于关闭状态：管内无水",
    "node:source": "水厂", "node:tank": "水塔/水池", "node:junction": "节点",
    "outreach:jump": "月用水量突增", "outreach:night_use": "夜间用水上升",
    "role:admin": "管理员", "role:dispatcher": "调度员", "role:engineer": "工程师", "role:viewer": "只读",
    tab_calendar: "工作日历", channel: "受理渠道", ch_counter: "营业厅窗口", ch_hotline: "24小时热线",
    ch_website: "网站", ch_wechat: "微信", ch_gov_portal: "政务服务网", ch_approval_platform: "审批平台推送",
    accept_now: "立即受理", intake: "待受理的申请", intake_none: "没有待受理的申请",
    accept: "受理", acceptance_due: "受理时限", received: "收到", waiting: "待受理", late_intake: "已超时",
    provisional: "暂定", provisional_hint: "{years} 年节假日安排尚未录入，按法定假日推算；录入国务院通知后自动重算",
    official: "正式", cal_help: "办结时限按工作日计算。尚未公布的年份按《全国年节及纪念日放假办法》暂定推算；管理员录入国务院办公厅通知后，按暂定日历计算的时限会自动重算。",
    cal_enter: "录入年度节假日安排", cal_year: "年份", cal_document: "通知文号", cal_published_on: "发布日期",
    cal_days_off: "放假日期（每行一个日期或 起..止）", cal_workdays: "调休上班日期（周六、周日）", save: "保存",
    cal_source: "依据", cal_kept: "录入：{by}，{at}", cal_moved: "重算的时限 ({n})", cal_saved: "已保存 {year} 年",
    back_entered: "补录", left_out: "未再安排", replanned_today: "已按今日发布的计划 {id} 从现在起重新编制", planned_today_from_now: "今日没有已发布的计划：从现在起编制今日计划", provisional_source: "暂定：按《全国年节及纪念日放假办法》(2024) 推算，无调休上班日",
    repairs: "报修工单", repairs_none: "没有报修工单", ticket: "工单号", reported: "报修时间",
    cancel_ticket: "撤销工单", cancel_ticket_confirm: "确认撤销", cancel_job: "取消任务", cancel_job_confirm: "确认取消",
    cancel_why: "原因（必填，记入历史记录）", back: "返回", reason_required: "请填写原因",
    ticket_cancelled: "工单 {ticket} 已撤销，取消的任务（{n}）：", ticket_not_cancelled: "工单 {ticket} 未能撤销：{why}",
    job_cancelled: "任务 {job} 已取消", job_not_cancelled: "任务 {job} 未能取消：{why}",
    job_changed: "任务 {job} 在您打开后已被他人修改，现已重新载入：请核对后再操作",
    cancelled_by: "撤销原因：{reason}（{by}，{at}）", history: "历史记录", source: "来源",
    "status:open": "待派工", "status:assigned": "已派工", "status:en_route": "在途", "status:on_site": "在现场",
    "status:done": "已完成", "status:cancelled": "已取消", "ticket:open": "处理中", "ticket:cancelled": "已撤销",
    tab_networks: "管网数据", net_help: "上传管网：GeoPackage、Shapefile / GeoJSON 图层或文件地理数据库（.gdb）的 zip、DXF 图纸或 EPANET 文件。先检查：核对各图层和字段的对应关系（字段映射），确认后上传；同一管网的下一版本按本次的映射读取。",
    net_file: "文件", net_name: "管网名称", net_crs: "坐标系（文件没有时）", net_check: "检查", net_versions: "已上传的管网",
    net_version: "版本", net_mapping: "字段映射", net_uploaded_at: "上传", net_none_yet: "还没有上传管网。",
    net_read_contract: "按数据标准的名称读取（无需映射）", net_from_given: "按给定的字段映射读取",
    net_from_version: "按第 {version} 版（#{id}）保存的字段映射读取", net_from_guess: "按自动识别的字段映射读取：请逐项核对",
    net_layer_nodes: "节点", net_layer_pipes: "管道", net_layer_valves: "阀门", net_layer_customers: "用户", net_layer_dmas: "计量分区",
    net_export_layer: "导出数据中的图层", net_not_in_export: "（无此图层）", net_rows: "{n} 条", net_guessed: "自动识别",
    net_contract_column: "标准字段", net_export_column: "导出字段", net_unit: "单位", net_values: "取值对应",
    net_would_pass: "检查通过，可以上传", net_would_fail: "有 {n} 个错误：请修改映射或数据后再检查",
    net_recheck: "按此映射重新检查", net_upload: "上传", net_built: "（缺少时由几何关系生成）",
    net_values_help: "每行一项：导出值 = 标准值（{to}）", net_unmapped: "未对应的值",
    net_topo_nodes: "拓扑由几何关系生成：{ends} 个管端连接到 {layer} 个已有节点和 {made} 个新节点，最大移动 {moved} 米",
    net_topo_valves: "{n} 个阀门挂接到最近的管道（最远 {far} 米），{lost} 个无法挂接",
    net_topo_customers: "{n} 个用户挂接到最近的管道（最远 {far} 米），{lost} 个无法挂接",
    net_no_problems: "没有发现问题", net_problems: "检查结果：{errors} 个错误，{warnings} 个提示",
    net_level: "级别", net_where: "位置", net_problem: "问题", net_fix: "处理办法",
    net_stored: "已保存：{name} 第 {version} 版（#{id}）", net_refused: "未通过：{name} 第 {version} 版有 {n} 个错误，未保存文件",
    net_mapping_kept: "字段映射已随管网保存：{name} 的下一版本可直接上传",
    "level:error": "错误", "level:warning": "提示", "netstatus:ready": "可用", "netstatus:no_source": "无水源", "netstatus:invalid": "未通过",
    // plan steering (issue 18)
    "msg:crews_locked": "可承担的班组（{crews}）的路线已锁定",
    "msg:left_out_by_dispatcher": "调度员 {by} 将其移出计划：{why}",
    // end plan steering
    // issue 18 (h18d): every code the API sends, in Chinese (tests/web/test_messages.py
    // enumerates the Python enums), and the job detail
    "status:suspended": "已暂停（让位抢修）",
    "plan:queued": "排队中", "plan:solving": "求解中", "plan:ready": "待发布", "plan:published": "已发布",
    "plan:superseded": "已被取代", "plan:failed": "失败",
    "step:close": "关阀", "step:repair": "维修", "step:reopen": "恢复开阀", "step:flush": "冲洗", "step:tanker": "送水",
    "skill:valve": "阀门操作", "skill:pipe": "管道维修", "skill:meter": "水表", "skill:leak": "检漏", "skill:tanker": "送水车",
    "app:received": "已收到（待受理）", "app:open": "办理中", "app:completed": "已通水",
    "deadline:on_time": "按期", "deadline:late": "超期", "deadline:no_deadline": "无期限",
    // end h18d
    // h18b: the crews tab (班组排班)
    tab_crews: "班组排班", crews_help: "各班组当天是否出勤、工作时间；调度员可修改班组的技能、班次和应急值班，按日调整班次，登记请假、病假或车辆停用。缺勤的班组不会被排入当天的计划。",
    crew_edit: "修改班组", crew_skills: "技能", crew_shift_start: "上班", crew_shift_end: "下班", crew_on_call: "应急值班",
    crew_active: "在用", crew_as_roster: "按排班", crew_day_note: "说明", crew_day_save: "保存当天班次", crew_day_clear: "恢复排班班次",
    crew_day_shift: "{crew} 在 {day} 的班次", crew_roster_shift: "排班班次", crew_on_day: "当天", crew_inactive: "停用",
    crew_changed: "已调班", crew_off: "休息", crews_working_day: "工作日：未缺勤的班组全部出勤。", crews_day_off: "休息日：只有应急值班的班组出勤。",
    crew_saved: "班组 {crew} 已保存", crew_day_saved: "{crew} 在 {day} 的班次已保存",
    absences: "缺勤", absence_reason: "原因", absence_from: "开始日期", absence_to: "结束日期（可空：仅一天）", absence_add: "登记缺勤",
    absence_remove: "删除", absence_none: "没有登记的缺勤", absence_removed: "缺勤已删除", absence_added: "{crew} 的缺勤已登记",
    "absence:leave": "休假", "absence:sickness": "病假", "absence:vehicle": "车辆停用",
    // end h18b
    // h16: the recorded approval, the webhooks screen
    approval_recorded_help: "批准已记录，可以发布公告。",
    webhooks: "事件推送（Webhook）",
    webhooks_help: "停水公告发布、变更、恢复供水或取消时，系统向下列接收地址推送签名事件（HMAC-SHA256），失败自动重试。",
    webhook_url: "接收地址（URL）", webhook_secret: "签名密钥（可不填）", webhook_secret_hint: "不填则自动生成；至少16个字符",
    webhook_events: "推送事件（不选则全部）", webhook_add: "添加接收地址", webhook_none: "尚无接收地址。",
    "ev_notice.published": "公告发布", "ev_notice.updated": "公告变更", "ev_notice.restored": "恢复供水", "ev_notice.cancelled": "公告取消",
    webhook_refused: "接收地址不允许：主机 {host}",
    webhook_refused_help: "为防止服务器端请求伪造，系统只向公网地址或服务器设置 WATEROPS_WEBHOOK_HOSTS 中列出的主机推送事件，不向本机（回环）、内网或链路本地地址（如云平台元数据地址 169.254.169.254）推送。如确为本单位的接收端，请由系统管理员在该设置中列出其主机。",
    webhook_invalid: "接收地址无效：",
    webhook_secret_once: "签名密钥只显示这一次，请复制到接收端：",
    webhook_pending: "待送", webhook_dead: "已放弃", webhook_created: "创建",
    webhook_deliveries: "推送记录", webhook_remove: "删除",
    webhook_remove_confirm: "删除接收地址 {url}？删除后不再向其推送。",
    webhook_deliveries_of: "{url} 的推送记录（最近100条）", webhook_no_deliveries: "尚无推送。",
    webhook_event: "事件", webhook_notice: "公告", webhook_attempts: "尝试次数", webhook_last_answer: "最近应答",
    webhook_next: "下次尝试", webhook_when: "时间", webhook_all_events: "全部事件",
    "dstatus:pending": "待送", "dstatus:delivered": "已送达", "dstatus:dead": "已放弃",
    // end h16
  },
  en: {
    title: "Water operations & leak management", public_title: "Water outage notices",
    lang_other: "中文",
    sign_in: "Sign in", username: "User name", password: "Password", sign_out: "Sign out",
    signed_in_as: "{user} ({role})", bad_login: "Wrong user name or password",
    tab_isolation: "Isolation", tab_valves: "Valve criticality", tab_plan: "Day plan",
    tab_work: "New work", tab_notices: "Notices",
    layers: "Layers", pipes: "Pipes", valves: "Valves", dmas: "DMAs", customers: "Customers",
    critical_customers: "Critical customers", depots: "Depots", sources: "Plants and tank",
    legend_inoperable: "inoperable valve", legend_normally_closed: "normally closed",
    iso_help: "Click a pipe or a point on the map, or enter a pipe id.", pipe_id: "Pipe id",
    isolate: "Isolate", iso_whatif: "Valves assumed not to close", none: "none", clear: "Clear",
    valves_to_close: "Valves to close", mark_inoperable: "Mark inoperable",
    bypassed: "Could not close, bypassed", isolated_area: "Isolated area",
    iso_hydraulic: "Hydraulic (EPANET)", iso_hour: "Hour",
    hyd_title: "Hydraulic impact at {hour}:00, service pressure {mpa} MPa (EPANET, pressure-driven)",
    reduced_pressure_area: "Reduced-pressure area",
    hyd_below: "customers below the service pressure (beyond those cut off)", hyd_nodes: "nodes",
    hyd_newly: "newly", hyd_not_served: "Demand not served",
    hyd_split: "cut off {cut}, low pressure {low} m³/h",
    unintended_area: "Unintended isolation", customers_cut: "service points cut off (where meters join the mains)",
    accounts: "accounts", length: "pipe length", streets: "Streets", category: "Category",
    count: "Count", critical_list: "Critical customers", warnings: "Warnings",
    cat_residential: "Residential", cat_commercial: "Commercial", cat_industrial: "Industrial",
    cat_institution: "Institution", cat_critical: "Critical",
    draft_notice: "Draft a notice", report_repair: "Report a repair here",
    report_valve: "Record in valve register", valve_reported: "Recorded: valve {id} inoperable",
    crit_help: "Extra customers cut off when the valve fails (worst side). Click a row to find it.",
    rank: "Rank", valve: "Valve", extra_customers: "Extra customers", extra_critical: "Extra critical",
    extra_length: "Extra length (m)", operable: "Operable", yes: "yes", no: "no",
    isolate_worst: "Isolate worst case",
    day: "Day", seconds: "Solver time (s)", plan_day: "Plan the day", stop: "Stop",
    solving: "Solving…", plans: "Plans", plan_n: "Plan {id} · {day} · {status}", summary: "Summary",
    jobs_planned: "planned", jobs_unassigned: "unplaced", late: "late", travel_km: "km driven",
    utilisation: "utilisation", routes: "Routes", crew: "Crew", second_crew: "second crew", stops: "jobs",
    unplaced: "Unplaced jobs", at_risk: "Jobs at risk of their deadline", publish_plan: "Publish plan",
    published: "published", export_csv: "Export CSV", export_xlsx: "Export Excel",
    print_sheets: "Print crew sheets", timeline: "Timeline", break: "break",
    emergency: "Emergency", emergency_help: "Pick a point on the map to report a burst, then re-plan.",
    replan: "Re-plan", moved: "Jobs that moved", no_moves: "No job moved",
    yields_to: "yields to {why}", suspended: "Jobs left for the emergency", suspended_line: "{crew} leaves at {leave} for {why}; the remaining {minutes} min are job {rest}", pick_on_map: "Pick on map",
    picked: "Picked: {lon}, {lat}", severity: "Severity", sev_burst: "Burst",
    sev_major_leak: "Major leak", sev_minor_leak: "Minor leak", description: "Description",
    submit: "Submit", connection_application: "Connection application", repair_report: "Repair report",
    conn_type: "Type", customer: "Customer", address: "Address", dn: "DN (mm)",
    line_length: "Line length (m)", residential: "Residential", created: "Created {id}",
    deadline: "Deadline", open_jobs: "Open jobs", job: "Job", kind: "Kind", due: "Due", status: "Status",
    notices: "Notices", new_notice: "New notice", kind_planned: "Planned", kind_emergency: "Emergency",
    start: "Start", end: "End", reason_en: "Reason in English (optional)", reason_zh: "Reason in Chinese (the notice of record)",
    pipes_from_isolation: "Pipes shut", create_draft: "Create draft", preview: "Preview",
    publish: "Publish", update: "Update", restore: "Water restored", cancel: "Cancel outage",
    cancel_reason: "Why cancelled",
    state_draft: "draft", state_published: "published", state_updated: "updated",
    notice_page: "Public page", notice_print: "Printable (A4)", notice_accounts_csv: "Affected accounts (CSV, SMS platform)", notice_accounts_xlsx: "Affected accounts (Excel)",
    state_restored: "restored", state_cancelled: "cancelled", revisions: "Revisions", note: "Note (history, not public)",
    approval_help: "A planned outage is published only once the city's water-supply authority has approved it (城市供水条例 §22).", report_help: "An emergency is notified while it is repaired and reported to the water-supply authority.",
    authority: "Authority", approval_document: "Approval document no.", approved_at: "Approved at", report_reference: "Report reference (optional)", reported_at: "Reported at (default now)",
    record_approval: "Record approval", record_report: "Record report", rec_approval: "approved", rec_report: "reported", entered_by: "entered by", note_zh: "Remark in Chinese (shown in the notice)",
    public_current: "Current and planned outages", public_none: "No outage notices at present.",
    hotline: "Hotline", time_window: "When", affected_streets: "Streets",
    affected_customers: "Customers affected", updated_at: "Updated", open_console: "Dispatch console",
    map_no_tiles: "(no background map: offline mode)", loading: "Loading…", error: "Error",
    no_plan: "No plan yet.",
    tab_leakage: "Leakage & valves", analyses: "Leakage analyses", upload_meter_data: "Upload DMA meter data",
    outlet_pressure: "Mean plant outlet pressure (MPa)", analyse: "Analyse", valve_programme: "Valve programme",
    water_balance: "Water balance", system_input: "System input", real_losses: "Real losses",
    nrw: "Non-revenue water", cjj92: "Leakage rate (CJJ 92-2016)", ili: "Infrastructure leakage index",
    pressure_management: "Pressure management (inlet PRVs, FAVAD)", prv_setting: "Inlet PRV setting", critical_point_m: "Critical point m",
    saved_m3d: "Leakage saved m³/d", share_of_real_losses: "Share of real losses", payback_years: "Payback (years)", prv_pays: "pays",
    ranking: "DMAs by recoverable leakage", recoverable: "Recoverable m³/d", bursts: "New leaks and bursts",
    size: "Size m³/h", started: "Started", outreach: "High-water-use customers to call",
    survey_jobs: "Create leak-survey jobs", jobs_created: "{n} jobs created",
    at_risk_before: "Extra customers at risk now (critical valves)", at_risk_after: "After a year of the programme",
    extra_customers_short: "extra customers", due_valves: "Valves due", add_exercises: "Create valve-exercise jobs",
    last_exercised: "Last exercised", never: "never", area: "Area", no_analysis: "No leakage analysis yet.",
    "outreach:jump": "monthly use jumped", "outreach:night_use": "night use rose",
    tab_calendar: "Calendar", channel: "Channel", ch_counter: "Counter", ch_hotline: "24-hour hotline",
    ch_website: "Website", ch_wechat: "WeChat", ch_gov_portal: "Government portal", ch_approval_platform: "Approval platform",
    accept_now: "Accept now", intake: "Applications waiting for acceptance", intake_none: "No application is waiting",
    accept: "Accept", acceptance_due: "Accept by", received: "Received", waiting: "Waiting", late_intake: "Late",
    provisional: "provisional", provisional_hint: "the {years} holidays are not entered yet: computed from the statutory rules; recomputed when the State Council's notice is entered",
    official: "official", cal_help: "Deadlines count working days. A year not yet announced is provisional, computed from the statutory holiday rules; when an admin enters the State Council's notice, deadlines counted on the provisional year are recomputed.",
    cal_enter: "Enter a year's holidays", cal_year: "Year", cal_document: "Notice number", cal_published_on: "Published on",
    cal_days_off: "Days off (one date or from..to per line)", cal_workdays: "Make-up working days (Saturdays, Sundays)", save: "Save",
    cal_source: "Source", cal_kept: "entered by {by}, {at}", cal_moved: "Deadlines recomputed ({n})", cal_saved: "Saved {year}",
    back_entered: "back-entered", left_out: "left out", replanned_today: "today's published plan {id} re-planned from now", planned_today_from_now: "no published plan today: today planned from now", provisional_source: "provisional: computed from the statutory holiday rules (2024), no make-up working days",
    repairs: "Repair tickets", repairs_none: "No repair ticket", ticket: "Ticket", reported: "Reported",
    cancel_ticket: "Cancel ticket", cancel_ticket_confirm: "Cancel the ticket", cancel_job: "Cancel job", cancel_job_confirm: "Cancel the job",
    cancel_why: "Reason (required, kept in the history)", back: "Back", reason_required: "Give a reason",
    ticket_cancelled: "Ticket {ticket} cancelled; jobs cancelled ({n}):", ticket_not_cancelled: "Ticket {ticket} was not cancelled: {why}",
    job_cancelled: "Job {job} cancelled", job_not_cancelled: "Job {job} was not cancelled: {why}",
    job_changed: "Job {job} was changed by someone else after you opened it and has been reloaded: check it and try again",
    cancelled_by: "cancelled: {reason} ({by}, {at})", history: "History", source: "Source",
    "status:open": "open", "status:assigned": "assigned", "status:en_route": "on the way", "status:on_site": "on site",
    "status:done": "done", "status:cancelled": "cancelled", "ticket:open": "open", "ticket:cancelled": "cancelled",
    tab_networks: "Network data", net_help: "Upload a network: a GeoPackage, a zip of Shapefile / GeoJSON layers or of a File Geodatabase (.gdb), a DXF drawing or an EPANET file. Check it first: review how its layers and columns are read (the column mapping), then upload; the next version of the same network is read with this mapping.",
    net_file: "File", net_name: "Network name", net_crs: "CRS (where the file has none)", net_check: "Check", net_versions: "Uploaded networks",
    net_version: "Version", net_mapping: "Column mapping", net_uploaded_at: "Uploaded", net_none_yet: "No network uploaded yet.",
    net_read_contract: "Read by the data contract's names (no mapping needed)", net_from_given: "Read with the mapping given",
    net_from_version: "Read with the mapping kept with version {version} (#{id})", net_from_guess: "Read with a guessed mapping: check each line",
    net_layer_nodes: "Nodes", net_layer_pipes: "Pipes", net_layer_valves: "Valves", net_layer_customers: "Customers", net_layer_dmas: "DMAs",
    net_export_layer: "Layer of the export", net_not_in_export: "(not in the export)", net_rows: "{n} rows", net_guessed: "guessed",
    net_contract_column: "Contract column", net_export_column: "Export column", net_unit: "Unit", net_values: "Values",
    net_would_pass: "Passes: ready to upload", net_would_fail: "{n} errors: correct the mapping or the data and check again",
    net_recheck: "Check again with this mapping", net_upload: "Upload", net_built: "(built from the geometry when missing)",
    net_values_help: "One per line: export value = contract value ({to})", net_unmapped: "Values not mapped",
    net_topo_nodes: "Topology built from the geometry: {ends} pipe ends joined to {layer} nodes of the layer and {made} new ones, moved at most {moved} m",
    net_topo_valves: "{n} valves joined to their nearest pipe (farthest {far} m), {lost} could not be placed",
    net_topo_customers: "{n} customers joined to their nearest pipe (farthest {far} m), {lost} could not be placed",
    net_no_problems: "No problems found", net_problems: "Report: {errors} errors, {warnings} warnings",
    net_level: "Level", net_where: "Where", net_problem: "Problem", net_fix: "Fix",
    net_stored: "Stored: {name} version {version} (#{id})", net_refused: "Refused: {name} version {version} has {n} errors; its files were not kept",
    net_mapping_kept: "The column mapping is kept with the network: the next version of {name} uploads in one step",
    // plan steering (issue 18)
    "msg:crews_locked": "the crews that can do it ({crews}) have their routes locked",
    "msg:left_out_by_dispatcher": "left out of the plan by {by}: {why}",
    // end plan steering
    // issue 18 (h18d): every code the API sends, in English, and the job detail
    "status:suspended": "suspended (left for an emergency)",
    "plan:queued": "queued", "plan:solving": "solving", "plan:ready": "ready", "plan:published": "published",
    "plan:superseded": "superseded", "plan:failed": "failed",
    "kind:survey": "survey", "kind:meter installation": "meter installation", "kind:valve opening": "valve opening",
    "kind:valve closure": "valve closure", "kind:repair": "repair", "kind:valve reopening": "valve reopening",
    "kind:flushing": "flushing", "kind:water tanker": "water tanker", "kind:follow-up visit": "follow-up visit",
    "kind:leak survey": "leak survey", "kind:valve exercise": "valve exercise",
    "step:close": "close", "step:repair": "repair", "step:reopen": "reopen", "step:flush": "flush", "step:tanker": "tanker",
    "skill:valve": "valves", "skill:pipe": "pipe repair", "skill:meter": "meters", "skill:leak": "leak detection", "skill:tanker": "tanker",
    "app:received": "received (to accept)", "app:open": "open", "app:completed": "water on",
    "deadline:on_time": "on time", "deadline:late": "late", "deadline:no_deadline": "no deadline",
    // end h18d
    // h18b: the crews tab
    tab_crews: "Crews", crews_help: "Which crews work on a day and their hours; a dispatcher edits a crew's skills, shift and on-call duty, changes a day's shift, and records leave, sickness or a vehicle out of service. An absent crew is left out of that day's plan.",
    crew_edit: "Edit a crew", crew_skills: "Skills", crew_shift_start: "Start", crew_shift_end: "End", crew_on_call: "On call",
    crew_active: "Active", crew_as_roster: "As rostered", crew_day_note: "Note", crew_day_save: "Save the day's shift", crew_day_clear: "Back to the rostered shift",
    crew_day_shift: "{crew} on {day}", crew_roster_shift: "Rostered shift", crew_on_day: "On the day", crew_inactive: "inactive",
    crew_changed: "changed", crew_off: "off", crews_working_day: "A working day: every crew not absent works.", crews_day_off: "A day off: only the crews on call work.",
    crew_saved: "Crew {crew} saved", crew_day_saved: "The shift of {crew} on {day} saved",
    absences: "Absences", absence_reason: "Reason", absence_from: "From", absence_to: "To (empty: one day)", absence_add: "Add the absence",
    absence_remove: "Remove", absence_none: "No absence recorded", absence_removed: "Absence removed", absence_added: "Absence of {crew} recorded",
    "absence:leave": "leave", "absence:sickness": "sickness", "absence:vehicle": "vehicle out of service",
    // end h18b
    // h16: the recorded approval, the webhooks screen
    approval_recorded_help: "The approval is on record: the notice can be published.",
    webhooks: "Webhooks (notice events)",
    webhooks_help: "When a notice is published, updated, restored or cancelled, the service POSTs a signed event (HMAC-SHA256) to each receiver below, retried with back-off.",
    webhook_url: "Receiver URL", webhook_secret: "Signing secret (optional)", webhook_secret_hint: "empty: one is made; at least 16 characters",
    webhook_events: "Events (none ticked: all)", webhook_add: "Add receiver", webhook_none: "No receivers yet.",
    "ev_notice.published": "published", "ev_notice.updated": "updated", "ev_notice.restored": "restored", "ev_notice.cancelled": "cancelled",
    webhook_refused: "Receiver refused: host {host}",
    webhook_refused_help: "Against server-side request forgery the service sends events only to public addresses or to hosts listed in the server setting WATEROPS_WEBHOOK_HOSTS, never to a loopback, intranet or link-local address (such as the cloud's metadata address 169.254.169.254). If this is the utility's own receiver, the system administrator lists its host there.",
    webhook_invalid: "Receiver URL not valid: ",
    webhook_secret_once: "The signing secret is shown this once: copy it to the receiver:",
    webhook_pending: "Pending", webhook_dead: "Given up", webhook_created: "Created",
    webhook_deliveries: "Deliveries", webhook_remove: "Remove",
    webhook_remove_confirm: "Remove the receiver {url}? Nothing more is sent to it.",
    webhook_deliveries_of: "Deliveries to {url} (latest 100)", webhook_no_deliveries: "Nothing sent yet.",
    webhook_event: "Event", webhook_notice: "Notice", webhook_attempts: "Attempts", webhook_last_answer: "Last answer",
    webhook_next: "next attempt", webhook_when: "When", webhook_all_events: "all events",
    "dstatus:pending": "pending", "dstatus:delivered": "delivered", "dstatus:dead": "given up",
    // end h16
  },
};

const params = new URLSearchParams(location.search);
let lang = params.get("lang") || localStorage.getItem("waterops.lang") || "zh";
if (!(lang in STRINGS)) lang = "zh";
const listeners = [];

export function currentLang() { return lang; }

export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
}

export function applyStrings(root = document) {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}

export function setLang(next) {
  lang = next in STRINGS ? next : "zh";
  localStorage.setItem("waterops.lang", lang);
  applyStrings();
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) { listeners.push(fn); }

// a code the API sends (a job kind, a reason): in Chinese when we have it, else as sent
export function code(prefix, value) {
  const key = `${prefix}:${value}`;
  return (lang === "zh" && STRINGS.zh[key]) || STRINGS.en[key] || String(value ?? "");
}

// a detail the API sends as a key and params, with its English: in Chinese when we have the
// key, else the English as sent (params that are codes are translated too)
export function message(key, params = {}, english = "") {
  const template = lang === "zh" && key ? STRINGS.zh[`msg:${key}`] : null;
  if (!template) return english;
  const value = (name, v) => {
    if (name === "reason") return code("reason", v);
    if (name === "kinds") return String(v).split("/").map((k) => code("node", k)).join("/");
    return String(v);
  };
  return template.replace(/\{(\w+)\}/g, (_, k) => (k in params ? value(k, params[k]) : `{${k}}`));
}

// "2026-11-27T08:30" → "11-27 08:30" (times are Kaifeng local as the service sends them)
export function shortTime(iso) {
  if (!iso) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
  // anything else is shown as sent, less what could be markup (times go into HTML unescaped)
  return m ? `${m[2]}-${m[3]} ${m[4]}:${m[5]}` : String(iso).replace(/[^\w:+\-. ]/g, "");
}

// The one escape of the pages: every value that comes from the API (network data, names,
// notes, ids) or from a user is passed through it before it meets HTML — innerHTML, Leaflet's
// bindTooltip/bindPopup (they set innerHTML too) and attribute values. Translations with a
// key fixed in the code are ours; t() of a key built from data is escaped like data.
export function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => (
    { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
