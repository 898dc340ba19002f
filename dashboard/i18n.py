"""Labels in English and Chinese. `t(key)` for texts, `label(field, value)` for values."""

from __future__ import annotations

LANGS = ("en", "zh")

TEXT: dict[str, tuple[str, str]] = {
    # frame
    "app_title": ("Complaint desk", "投诉服务台"),
    "filters": ("Filters", "筛选"),
    "date_range": ("Created between", "创建日期"),
    "quick_pick": ("Period", "时间段"),
    "qp_custom": ("custom", "自定义"),
    "qp_7": ("last 7 days", "最近 7 天"),
    "qp_30": ("last 30 days", "最近 30 天"),
    "qp_90": ("last 90 days", "最近 90 天"),
    "qp_month": ("this month", "本月"),
    "qp_quarter": ("last full quarter", "上一完整季度"),
    "qp_year": ("last 12 months", "最近 12 个月"),
    "qp_all": ("all data", "全部数据"),
    "channel": ("Channel", "渠道"),
    "category": ("Category", "问题分类"),
    "priority": ("Priority", "优先级"),
    "team": ("Team", "团队"),
    "agent": ("Agent", "客服"),
    "source": ("Source", "数据来源"),
    "status": ("Status", "状态"),
    "error_type": ("Error type", "错误类型"),
    "language": ("Language", "语言"),
    "as_of": ("Data as of", "数据截至"),
    "refreshed": ("last refresh", "最近刷新"),
    "version": ("version", "版本"),
    "reset_filters": ("Reset filters", "重置筛选"),
    "stale_data": ("The newest ticket is {hours} h old: the refresh may have stopped. See Data health.",
                   "最新工单已是 {hours} 小时前:数据刷新可能已停止。请查看“数据健康”。"),
    "last_success": ("Last published run", "最近一次成功发布"),
    "run_finished": ("Run {run}, finished {at} UTC", "第 {run} 次运行,完成于 {at} UTC"),
    "failed_files": ("Files set aside by the refresh", "刷新时被搁置的文件"),
    "failed_files_cap": ("In {folder}: fix each file and put it back into the inbox.",
                         "位于 {folder}:修正文件后放回收件箱即可。"),
    "no_failed_files": ("No file is waiting in failed/.", "failed/ 中没有待处理的文件。"),
    "share_hint": ("The address bar holds these filters: copy it to share this view.",
                   "地址栏保存了这些筛选条件,复制链接即可分享此视图。"),
    "no_warehouse_title": ("No data loaded yet", "尚未加载数据"),
    "no_warehouse_body": (
        "The dashboard reads the warehouse `{path}`, which does not exist or holds no tickets.\n\n"
        "- Demo data: `python -m etl demo` (or `make run`)\n"
        "- Your own export: `python -m etl load path/to/export.csv` "
        "(format: docs/EXPORT_FORMAT.md)\n\n"
        "Then reload this page.",
        "看板读取的数据仓库 `{path}` 不存在或没有工单。\n\n"
        "- 演示数据:`python -m etl demo`(或 `make run`)\n"
        "- 自己的导出文件:`python -m etl load path/to/export.csv`"
        "(格式见 docs/EXPORT_FORMAT.md)\n\n"
        "然后刷新本页面。"),
    "no_lake_body": (
        "The dashboard reads the lake metrics `{path}` ([dashboard] source = \"lake\"), which do "
        "not exist or hold no tickets.\n\n"
        "- `python -m etl lake export --out data/lake`\n"
        "- `python -m etl lake metrics --engine spark --lake data/lake --out {path}`\n\n"
        "Then reload this page (docs/LAKE.md).",
        "看板读取的数据湖指标 `{path}`([dashboard] source = \"lake\")不存在或没有工单。\n\n"
        "- `python -m etl lake export --out data/lake`\n"
        "- `python -m etl lake metrics --engine spark --lake data/lake --out {path}`\n\n"
        "然后刷新本页面(见 docs/LAKE.md)。"),
    "lake_source": (
        "This dashboard reads the lake metrics `{path}`: computed by {engine} at {at} UTC from "
        "warehouse version {version}. They change when `python -m etl lake export` and "
        "`python -m etl lake metrics` run again; the warehouse's refresh alone does not change them.",
        "本看板读取数据湖指标 `{path}`:由 {engine} 于 {at} UTC 根据数据仓库版本 {version} 计算。"
        "再次运行 `python -m etl lake export` 与 `python -m etl lake metrics` 后才会更新;"
        "仅刷新数据仓库不会改变它们。"),
    "no_rows": ("No tickets match these filters.", "没有符合筛选条件的工单。"),
    "no_reviews": ("No QA reviews of the tickets in view: the error-type rates and the training list need "
                   "the reviews export (qa_reviews).",
                   "当前工单没有质检评审:错误类型比例和培训名单需要导入质检评审(qa_reviews)。"),
    "tickets_behind": ("Tickets behind this chart", "图表对应的工单"),
    "selection_filters": ("Filtered by your selection on the chart: {what}", "已按图表上的选择筛选:{what}"),
    "download_csv": ("Download CSV", "下载 CSV"),
    "showing_rows": ("Showing {shown:,} of {total:,} tickets; the download has all of them.",
                     "显示 {shown:,} / {total:,} 张工单;下载文件包含全部。"),
    "vs_previous": ("vs previous {days} days", "对比前 {days} 天"),
    "minutes": ("min", "分钟"),
    "hour_of_day": ("hour of day", "小时"),
    "reviews_behind": ("QA reviews behind this chart", "图表对应的质检记录"),
    "hours": ("h", "小时"),
    # import page
    "page_import": ("Import", "导入"),
    "imp_intro": ("Upload an export (CSV, TSV, JSON, Parquet or .xlsx; at most {mb} MB per file) or pick one "
                  "already in the inbox `{inbox}`. Uploaded files are stored in the inbox only. Check the "
                  "mapping against the preview, save it as a profile, then load.",
                  "上传导出文件(CSV、TSV、JSON、Parquet 或 .xlsx;每个文件最多 {mb} MB),或选择收件箱 `{inbox}` "
                  "中已有的文件。上传的文件只保存在收件箱中。对照预览检查字段映射,保存为映射配置,然后加载。"),
    "imp_upload": ("Upload export files", "上传导出文件"),
    "imp_uploaded": ("Stored in the inbox as {name}", "已存入收件箱:{name}"),
    "imp_pick": ("File to import (in the inbox)", "要导入的文件(收件箱中)"),
    "imp_none": ("— choose a file —", "— 请选择文件 —"),
    "imp_no_file": ("No file yet: upload one above, or drop export files into the inbox and pick one here.",
                    "尚无文件:请在上方上传,或把导出文件放入收件箱后在此选择。"),
    "imp_cannot_read": ("This file cannot be read", "无法读取该文件"),
    "imp_detected": ("Detected profile: {name}. Its mapping is shown below; change what is wrong.",
                     "识别出的映射配置:{name}。其映射如下;请修改不对的地方。"),
    "imp_suggested": ("No profile fits this file: this is the suggested mapping (as `python -m etl profile "
                      "suggest` writes it). Check every field.",
                      "没有匹配该文件的映射配置:以下为建议的映射(与 `python -m etl profile suggest` 相同)。"
                      "请逐项检查。"),
    "imp_canonical": ("The file is in the canonical format; its columns map to themselves.",
                      "该文件为标准格式;各列映射到同名字段。"),
    "imp_mapping": ("Mapping: field → column → sample values → as loaded → format",
                    "映射:字段 → 源列 → 样例原值 → 加载后的值 → 格式"),
    "imp_field": ("field", "字段"),
    "imp_source": ("source column(s)", "源列"),
    "imp_raw": ("sample raw values", "样例原值"),
    "imp_parsed": ("as loaded", "加载后的值"),
    "imp_format": ("format inferred", "推断的格式"),
    "imp_edit_columns": ("Change the columns", "修改列映射"),
    "imp_other_kind": ("A {kind} file: it loads as its profile maps it (the page edits the mapping of ticket "
                       "files only); the preview counts its rows.",
                       "这是 {kind} 文件:按其映射配置加载(本页只编辑工单文件的映射);预览统计其行数。"),
    "imp_keep": ("(as the profile says)", "(保持配置原样)"),
    "imp_unmapped": ("— not mapped —", "— 不映射 —"),
    "imp_time": ("Time stamps", "时间戳"),
    "imp_timezone": ("Time zone of time stamps without an offset", "无时区偏移的时间戳所在时区"),
    "imp_day_first": ("Numeric dates", "数字日期"),
    "imp_df_auto": ("decided from the values", "根据数值判断"),
    "imp_df_true": ("day first (D/M/Y)", "日在前(日/月/年)"),
    "imp_df_false": ("month first (M/D/Y)", "月在前(月/日/年)"),
    "imp_time_format": ("Time format", "时间格式"),
    "imp_tf_auto": ("as the values show (inferred per column)", "按数值推断(逐列)"),
    "imp_unit": ("Unit of {what}", "{what} 的单位"),
    "imp_values": ("Values of {field}", "{field} 的取值"),
    "imp_value_auto": ("as the vocabulary reads it ({value})", "按词表解读({value})"),
    "imp_preview": ("Preview", "预览"),
    "imp_preview_sample": ("The first {rows} rows, loaded into a throw-away warehouse with this mapping "
                           "(the real load's rules; nothing is written to yours).",
                           "前 {rows} 行按此映射加载到临时数据仓库(与正式加载规则相同;不写入您的数据仓库)。"),
    "imp_preview_whole": ("The whole file, loaded into a throw-away warehouse with this mapping.",
                          "整个文件按此映射加载到临时数据仓库。"),
    "imp_whole": ("Preview the whole file", "预览整个文件"),
    "imp_read": ("Rows read", "读取行数"),
    "imp_would_load": ("Would load", "将加载"),
    "imp_would_reject": ("Would be rejected", "将被拒绝"),
    "imp_would_skip": ("Would be skipped", "将被跳过"),
    "imp_median_frt": ("Median first response", "首次响应中位数"),
    "imp_rejected": ("Rejected rows by reason", "按原因统计的被拒绝行"),
    "imp_skipped": ("Skipped rows", "被跳过的行"),
    "imp_issues": ("Fields that would be emptied and recorded (data_issues), by rule",
                   "将被清空并记录的字段(data_issues),按规则"),
    "imp_resolution": ("Resolution by category (this file alone)", "按分类的解决时长(仅此文件)"),
    "imp_none_rejected": ("No row would be rejected.", "没有行会被拒绝。"),
    "imp_no_issues": ("No field would be emptied.", "没有字段会被清空。"),
    "imp_reason": ("reason", "原因"),
    "imp_rule": ("rule", "规则"),
    "imp_rows": ("rows", "行数"),
    "imp_examples": ("examples", "示例"),
    "imp_warnings": ("Warnings", "警告"),
    "imp_preview_failed": ("With this mapping the file cannot be loaded", "按此映射无法加载该文件"),
    "imp_save_header": ("Save and load", "保存与加载"),
    "imp_name": ("Profile name (profiles/NAME.toml)", "映射配置名称(profiles/NAME.toml)"),
    "imp_save": ("Save profile", "保存映射配置"),
    "imp_saved": ("Saved {path}: `python -m etl load FILE --profile {name}` and the scheduled refresh use it.",
                  "已保存 {path}:`python -m etl load FILE --profile {name}` 与定时刷新都会使用它。"),
    "imp_save_failed": ("The profile was not saved", "映射配置未保存"),
    "imp_load": ("Load into the warehouse", "加载到数据仓库"),
    "imp_loading": ("Loading …", "正在加载 …"),
    "imp_loaded": ("Published version {version} (run {run}): {loaded} tickets loaded, {rejected} rejected, "
                   "{skipped} skipped of {read} rows read.",
                   "已发布版本 {version}(第 {run} 次运行):读取 {read} 行,加载 {loaded} 行,拒绝 {rejected} 行,"
                   "跳过 {skipped} 行。"),
    "imp_nothing_new": ("Nothing new to load: the warehouse stays at version {version}.",
                        "没有新内容可加载:数据仓库保持版本 {version}。"),
    "imp_load_failed": ("The load failed; the warehouse is unchanged", "加载失败;数据仓库未改变"),
    "imp_to_health": ("See the run on Data health", "在“数据健康”查看此次运行"),
    "imp_summary_file": ("file", "文件"),
    "imp_summary_kind": ("kind", "类型"),
    "imp_summary_new": ("new", "新增"),
    "imp_summary_updated": ("updated", "更新"),
    # pages
    "page_overview": ("Overview", "总览"),
    "page_first_response": ("First response", "首次响应"),
    "page_resolution": ("Resolution", "解决时长"),
    "page_escalations": ("Escalations", "升级"),
    "page_quality": ("Agent quality", "客服质量"),
    "page_health": ("Data health", "数据健康"),
    "page_sql": ("SQL", "SQL 查询"),
    "page_process": ("Process", "处理流程"),
    "page_alerts": ("Alerts", "告警"),
    "schema": ("Tables and views", "表与视图"),
    "macros": ("Rate macros", "比率宏"),
    "examples": ("Example queries", "示例查询"),
    "saved_queries": ("Saved queries", "已保存的查询"),
    "sql_params": ("Parameters from the sidebar: $since, $until (dates of the period), $channel, $category, "
                   "$priority, $team, $agent, $source (lists: the chosen values, or all). "
                   "Read-only; one query at a time; stopped after the time limit.",
                   "来自侧边栏的参数:$since、$until(时段起止日期),$channel、$category、$priority、$team、"
                   "$agent、$source(列表:所选值,未选则为全部)。只读;一次一条查询;超时即停止。"),
    "run": ("Run", "运行"),
    "save_as": ("Name to save it as", "保存名称"),
    "save": ("Save", "保存"),
    "saved": ("Saved as {name}", "已保存为 {name}"),
    "history": ("This session's queries", "本次会话的查询"),
    "db_message": ("The database's message", "数据库的原始信息"),
    "sql_rows": ("{rows} rows in {seconds} s", "{rows} 行,用时 {seconds} 秒"),
    "sql_truncated": ("Showing the first {shown} rows; the downloads have all of them.",
                      "仅显示前 {shown} 行;下载文件包含全部结果。"),
    "quick_chart": ("Quick chart", "快速图表"),
    "colour": ("colour", "颜色"),
    # assistant page
    "page_assistant": ("AI assistant", "智能客服"),
    "as_handled": ("Handled by the assistant", "智能客服接待"),
    "as_containment": ("Contained", "自助解决率"),
    "as_stayed_solved": ("Contained and stayed solved", "自助解决且未复发"),
    "as_handoff_rate": ("Handed to a person", "转人工率"),
    "as_handoff_median": ("Median time to handoff", "转人工用时中位数"),
    "as_after_hours_answered": ("After hours: answered at once", "非工作时间:即时答复"),
    "as_none_handled": ("The assistant handled none of these tickets (no bot reply, no ticket on the ai_bot "
                        "channel).", "这些工单均未经智能客服处理(无机器人回复,也无 ai_bot 渠道的工单)。"),
    "as_kpis_cap": ("Handled: the tickets with a reply of the assistant or created on the ai_bot channel. "
                    "Contained: resolved with no public reply of a human agent and no handoff (an assignment to a "
                    "person, or a human reply, after the assistant's first reply). Stayed solved: contained, never "
                    "reopened and not followed by a repeat complaint. Time to handoff: from the assistant's first "
                    "reply to the handoff. After hours: created outside the human agents' schedule "
                    "({schedule}); answered at once: a reply of the assistant within {minutes} minutes.",
                    "接待:有智能客服回复或在 ai_bot 渠道创建的工单。自助解决:已解决,且没有人工客服的公开回复、"
                    "没有转人工(智能客服首次回复后分配给人工或人工回复)。未复发:自助解决、从未重开、之后也没有重复投诉。"
                    "转人工用时:从智能客服首次回复到转人工。非工作时间:在人工客服排班({schedule})之外创建;"
                    "即时答复:智能客服在 {minutes} 分钟内回复。"),
    "as_by_category": ("Containment by category", "各分类的自助解决率"),
    "as_by_category_cap": ("Share of the tickets the assistant handled that it contained, per category; the "
                           "number is the tickets it handled. Click a bar to list them.",
                           "智能客服接待的工单中自助解决的占比(按分类);数字为接待工单数。点击柱条可列出工单。"),
    "as_weekly": ("Containment by week", "每周自助解决率"),
    "as_weekly_cap": ("Per week of creation: the share of the assistant's tickets it contained, and the share it "
                      "contained that then stayed solved (not reopened, no repeat complaint). The last weeks' "
                      "repeats may still come.",
                      "按创建周:智能客服接待工单的自助解决占比,以及自助解决且未复发(未重开、无重复投诉)的占比。"
                      "最近几周的重复投诉可能尚未出现。"),
    "as_contained": ("Contained", "自助解决"),
    "as_handoff": ("Handoffs to people", "转人工"),
    "as_handoff_cap": ("Share of the assistant's tickets that a person took over (a human reply or an assignment "
                       "to a person after the assistant's first reply), per category; the number is the "
                       "tickets handed off.",
                       "智能客服接待的工单中由人工接手(智能客服首次回复后有人工回复或分配给人工)的占比,按分类;"
                       "数字为转人工工单数。"),
    "as_outcomes": ("Contained against handed off", "自助解决与转人工对比"),
    "as_outcomes_cap": ("For the assistant's tickets: share of CSAT answers of 4 or 5, reopen rate, and "
                        "repeat-contact rate (the customer came back about the same category within the repeat "
                        "window). A contained ticket that comes back is not a success.",
                        "智能客服接待的工单:满意度 4–5 分占比、重开率、重复投诉率(客户在重复窗口内就同一分类再次来诉)。"
                        "自助解决后又来诉并不算成功。"),
    "as_outcome_contained": ("Contained", "自助解决"),
    "as_outcome_handed_off": ("Handed off", "转人工"),
    "as_csat": ("CSAT 4–5", "满意度 4–5 分"),
    "as_reopened": ("Reopened", "重开"),
    "as_repeat": ("Repeat contact", "重复投诉"),
    "as_after_hours": ("Arrivals outside the agents' schedule", "人工排班之外的来诉"),
    "as_after_hours_cap": ("Tickets created outside the human agents' schedule, by channel (the number), and the "
                           "share the assistant answered within {minutes} minutes.",
                           "在人工客服排班之外创建的工单(数字,按渠道),以及智能客服在 {minutes} 分钟内答复的占比。"),
    "as_automate": ("What to automate next", "下一步自动化什么"),
    "as_target": ("Target containment", "目标自助解决率"),
    "as_automate_cap": ("Agent hours freed per category if containment rose to {target} %, over the selected "
                        "period: tickets × (the target, at most the assistant's reach there, less the share "
                        "contained now) × human minutes per human-handled ticket. Assumptions: the assistant can "
                        "contain no more of a category than it already contains of the tickets it handles there "
                        "(its reach; no bar before it has handled {min_handled}); every ticket it takes over would "
                        "have cost the category's average human minutes — estimated from events (each human reply "
                        "or note counts the time since the previous event, at most {cap} min), else the resolution "
                        "time as a proxy (it counts waiting, so it overstates); the escalation rate and CSAT are "
                        "shown, not used. The tickets listed are the human-handled ones.",
                        "若自助解决率提升至 {target}%,所选时段内各分类可节省的人工小时数:工单数 ×(目标值,但不超过"
                        "智能客服在该分类已达到的自助解决率,减去当前自助解决占比)× 每张人工处理工单的人工分钟数。"
                        "假设:智能客服在某分类能自助解决的比例不超过它在已接待工单上的表现(接待不足 {min_handled} 张时不计);"
                        "每张转由智能客服处理的工单原本需要该分类的平均人工分钟数——依据事件估算(每次人工回复或备注计入"
                        "距上一事件的时间,最多 {cap} 分钟),无事件时以解决时长代替(含等待时间,会偏高);升级率和满意度"
                        "仅供参考,不参与计算。列出的工单为人工处理的工单。"),
    "as_col_tickets": ("Tickets", "工单数"),
    "as_col_contained": ("Contained now (%)", "当前自助解决(%)"),
    "as_col_handled": ("Handled by the assistant", "智能客服接待"),
    "as_col_reach": ("Assistant's reach (%)", "智能客服可达(%)"),
    "as_col_minutes": ("Human minutes per ticket", "每单人工分钟"),
    "as_col_basis": ("Minutes from", "分钟依据"),
    "as_col_escalated": ("Escalated (%)", "升级率(%)"),
    "as_col_csat": ("CSAT 4–5 (%)", "满意度 4–5 分(%)"),
    "as_col_hours": ("Agent hours freed", "可节省人工小时"),
    "as_basis_events": ("events", "事件"),
    "as_basis_resolution_time": ("resolution time (proxy)", "解决时长(代替)"),
    # KPIs
    "kpi_tickets": ("Tickets", "工单数"),
    "kpi_frt_median": ("Median first response", "首次响应中位数"),
    "kpi_frt_p90": ("P90 first response", "首次响应 P90"),
    "kpi_sla": ("First response within SLA", "首次响应达标率"),
    "kpi_resolution_median": ("Median resolution", "解决时长中位数"),
    "kpi_escalation": ("Escalation rate", "升级率"),
    "kpi_reopen": ("Reopen rate", "重开率"),
    "kpi_csat": ("CSAT (share 4–5)", "满意度(4–5 分占比)"),
    "kpi_reviews": ("QA reviews", "质检次数"),
    "kpi_review_errors": ("Reviews with an error", "有错误的质检占比"),
    "profile_errors_cap": ("Share of the agent's reviews that found each error type (%), against the "
                           "rate of the whole team's reviews.",
                           "该客服的质检中发现各类错误的比例(%),与整个团队质检的比例对比。"),
    # completeness (issue 18: record completeness on Agent quality, the repeat chain on Resolution)
    "cp_title": ("Record completeness", "记录完整性"),
    "cp_intro": ("Whether each ticket's record holds what its category needs ([[completeness.rules]]: the "
                 "transaction for transaction delays and withdrawals, the account for account security, a "
                 "resolution note once resolved). An incomplete record loses information for the follow-up.",
                 "每张工单的记录是否包含其分类所需的信息([[completeness.rules]]:交易延迟和提现需要交易信息,"
                 "账户安全需要账号,已解决的工单需要处理说明)。记录不完整,后续跟进就会丢失信息。"),
    "cp_no_rules": ("No completeness rule applies to the tickets in view.", "当前工单没有适用的完整性规则。"),
    "cp_unrecorded": ("Not recorded by these exports, so not judged: {items}. The file a ticket came from maps "
                      "no field of these items (ticket_completeness.unrecorded_items); map one in its profile "
                      "to judge them.",
                      "这些导出文件没有记录以下内容,因此不作判断:{items}。工单所在的文件没有映射这些内容的任何字段"
                      "(ticket_completeness.unrecorded_items);在其配置文件中映射一个字段即可判断。"),
    "cp_unrecorded_item": ("{item} ({tickets:,} tickets)", "{item}({tickets:,} 张工单)"),
    "cp_unavailable": ("This warehouse was published before record completeness existed: load or rebuild "
                       "(python -m etl rebuild) to see it.",
                       "该数据仓库发布于记录完整性功能之前:请重新加载或重建(python -m etl rebuild)后查看。"),
    "cp_share_complete": ("Complete records", "记录完整率"),
    "cp_incomplete": ("Incomplete records", "记录不完整的工单"),
    "cp_with_rules": ("Tickets with a rule", "适用规则的工单"),
    "cp_missing_items": ("What was missing", "缺失的内容"),
    "cp_item": ("Item", "内容"),
    "cp_missing": ("Tickets lacking it", "缺失的工单数"),
    "cp_by": ("Complete records by", "记录完整率,按"),
    "cp_by_cap": ("Share of the tickets a rule applies to whose record is complete (pct_complete), the least "
                  "complete first; the label is the number of incomplete records. Click a bar to list its "
                  "incomplete tickets.",
                  "适用规则的工单中记录完整的比例(pct_complete),最不完整的排在前面;标签为记录不完整的工单数。"
                  "点击柱形可列出其记录不完整的工单。"),
    "cp_trend": ("Complete records by month and team", "按月份和团队的记录完整率"),
    "cp_trend_cap": ("Share of complete records per month of creation and team (tickets a rule applies to). "
                     "The tickets below are the incomplete ones.",
                     "按创建月份和团队的记录完整率(适用规则的工单)。下方列出的是记录不完整的工单。"),
    "cp_effect": ("What an incomplete record costs", "记录不完整的影响"),
    "cp_effect_cap": ("Tickets a rule applies to, complete against incomplete: median resolution, reopen "
                      "rate and repeat-contact rate (the customer came back about the same category), as the "
                      "warehouse defines them. The tickets below are the incomplete ones.",
                      "适用规则的工单,记录完整与不完整对比:解决时长中位数、重开率和重复来电率(客户就同一分类再次"
                      "投诉),口径与数据仓库一致。下方列出的是记录不完整的工单。"),
    "cp_complete_yes": ("Complete", "完整"),
    "cp_complete_no": ("Incomplete", "不完整"),
    "cp_record": ("Record", "记录"),
    "cp_resolution_median": ("Median resolution (h)", "解决时长中位数(小时)"),
    "cp_reopen_rate": ("Reopen rate (%)", "重开率(%)"),
    "cp_repeat_rate": ("Repeat-contact rate (%)", "重复来电率(%)"),
    "cp_training_type": ("Incomplete record fields", "记录字段不完整"),
    "cp_training_note": ("The list also flags agents whose records are incomplete significantly more often "
                         "than their team's (Record completeness: tickets instead of reviews).",
                         "名单同时标出记录不完整比例显著高于所在团队的客服(记录完整性:按工单而非质检计)。"),
    "chain_title": ("A customer's tickets in order", "客户工单按时间排列"),
    "chain_cap": ("Every ticket of the chosen ticket's customer (the salted customer id), oldest first: "
                  "'repeat of' names the earlier ticket of the same category it repeats; 'in chain' marks the "
                  "chosen chain.",
                  "所选工单客户(加盐哈希的客户编号)的全部工单,按时间先后排列:“重复自”为其重复的同分类的较早工单;"
                  "“属于该链”标出所选的链。"),
    "chain_pick": ("First ticket of a chain with repeats", "有重复投诉的链的首张工单"),
    "chain_none": ("No customer in view came back with a repeat.", "当前范围内没有客户重复投诉。"),
    "chain_option": ("{ticket} · {category} · {tickets} tickets · {created}", "{ticket} · {category} · {tickets} 张工单 · {created}"),
    "chain_repeat_of": ("Repeat of", "重复自"),
    "chain_days_after": ("Days after its resolution", "距上一单解决(天)"),
    "chain_other_channel": ("Another channel", "换渠道"),
    "chain_in_chain": ("In chain", "属于该链"),
    "chain_resolved_at": ("Resolved (UTC)", "解决时间(UTC)"),
    "chain_is_resolved": ("Resolved", "已解决"),
    # overview
    "weekly_volume": ("Weekly tickets by channel", "按渠道的每周工单量"),
    "weekly_volume_cap": ("Tickets created per week (weeks start Monday), stacked by channel; faded bars "
                          "are weeks the period covers only in part. Click a bar to list that week's tickets.",
                          "每周创建的工单数(周一为一周开始),按渠道堆叠;颜色较浅的柱表示该周只有部分日期在所选时段内。"
                          "点击柱子可列出该周的工单。"),
    "behind_sla": ("Most behind the first-response SLA", "首次响应 SLA 最落后的"),
    "behind_sla_cap": ("Share of decided tickets (met or breached) that breached the target, worst first; "
                       "bars are labelled with the number of breaches. Click a bar to list its tickets.",
                       "已判定工单(达标或超时)中超时的比例,最差的在前;柱上标注超时数量。点击柱子可列出对应工单。"),
    "by_category": ("by category", "按分类"),
    "by_team": ("by team", "按团队"),
    "breach_share": ("breached %", "超时 %"),
    # first response
    "frt_distribution": ("First-response time distribution", "首次响应时间分布"),
    "frt_distribution_cap": ("Share of answered tickets answered within x (log scale). The dashed line is "
                             "the target; where it crosses a curve is that channel's share within target.",
                             "已响应工单在 x 时间内得到响应的比例(对数刻度)。虚线为目标;与曲线相交处即该渠道的达标比例。"),
    "clock": ("Clock", "计时方式"),
    "clock_calendar": ("calendar time", "自然时间"),
    "clock_business": ("business hours", "工作时间"),
    "sla_trend": ("Share within SLA per week", "每周达标率"),
    "sla_trend_cap": ("Per week of creation: met / (met + breached); still-pending tickets are left out. "
                      "Pick the dimension to split by.",
                      "按创建周:达标 /(达标 + 超时);仍在等待中的工单不计。可选择拆分维度。"),
    "split_by": ("Split by", "拆分维度"),
    "arrivals_heatmap": ("When tickets arrive", "工单到达时间"),
    "arrivals_heatmap_cap": ("Tickets per weekday and hour of creation (reporting time zone): staff where "
                             "it is dark.", "按星期与小时统计的工单量(报表时区):颜色越深越需要人手。"),
    "wait_heatmap": ("Median first-response wait by arrival slot", "按到达时段的首次响应等待中位数"),
    "wait_heatmap_cap": ("Median minutes to the first human reply for tickets arriving in each slot; "
                         "dark slots are where customers wait longest.",
                         "各时段到达的工单获得首次人工回复的分钟数中位数;颜色越深等待越久。"),
    "unanswered": ("Still unanswered", "仍未响应"),
    "unanswered_cap": ("Open tickets without a human reply, by how long they have waited at the data's "
                       "as_of. Red bars are past the target.",
                       "尚无人工回复的未解决工单,按截至数据时间已等待时长分组。红色表示已超过目标。"),
    # resolution
    "res_by_category": ("Resolution time by category", "各分类解决时长"),
    "res_by_category_cap": ("Median and P90 hours from creation to resolution, resolved tickets only. "
                            "Open tickets are not in these bars: see the survival curves.",
                            "从创建到解决的小时数中位数与 P90,仅已解决工单。未解决工单不在柱中:见生存曲线。"),
    "res_trend": ("Median resolution per week", "每周解决时长中位数"),
    "res_trend_cap": ("Median hours to resolution of the tickets created each week, per category. "
                      "Recent weeks look faster because their slow tickets are still open.",
                      "每周创建工单的解决时长中位数(小时),按分类。最近几周看起来更快,因为慢的工单仍未解决。"),
    "survival": ("Share still unresolved after t (Kaplan–Meier)", "经过 t 后仍未解决的比例(Kaplan–Meier)"),
    "survival_cap": ("Kaplan–Meier estimate per category: open tickets count as censored at their age, so "
                     "slow categories are not flattered. The median is where a curve crosses 50 %.",
                     "按分类的 Kaplan–Meier 估计:未解决工单按当前时长作为删失处理,慢的分类不会被美化。曲线穿过 50% 处即中位数。"),
    "km_median": ("KM median (h)", "KM 中位数(小时)"),
    "naive_median": ("median of resolved only (h)", "仅已解决的中位数(小时)"),
    "open_ageing": ("Open tickets by age", "未解决工单账龄"),
    "open_ageing_cap": ("Unresolved tickets by age at the data's as_of, per category.",
                        "截至数据时间未解决工单的账龄分布,按分类。"),
    # escalations
    "esc_rate_by": ("Escalation rate", "升级率"),
    "esc_rate_cap": ("Share of tickets escalated to level 1 or above, by the chosen dimension; bars are "
                     "labelled with the number escalated. Click a bar to list its tickets.",
                     "升级到 1 级及以上的工单比例,按所选维度;柱上标注升级数量。点击柱子可列出对应工单。"),
    "funnel": ("Escalation path", "升级路径"),
    "funnel_cap": ("Tickets reaching each step: front line → second line → formal appeal → external body, "
                   "with the median time to reach the step from the previous one.",
                   "到达各环节的工单:一线 → 二线 → 正式申诉 → 外部机构,附从上一环节到达的时间中位数。"),
    "esc_trend": ("Escalation rate per week", "每周升级率"),
    "esc_trend_cap": ("Share of the tickets created each week that were escalated, and that reached an "
                      "external body. The last weeks are low partly because their escalations have not "
                      "happened yet.",
                      "每周创建工单中被升级、以及到达外部机构的比例。最近几周偏低,部分原因是其升级尚未发生。"),
    "external_tickets": ("Tickets that reached an external body", "到达外部机构的工单"),
    "median_to_step": ("median to reach", "到达中位时间"),
    # quality
    "quality_heatmap": ("Error rate per reviewed ticket", "每张被质检工单的错误率"),
    "quality_heatmap_cap": ("Share of each agent's QA reviews that found the error, with the count. Agents "
                            "with fewer reviews than the threshold are not shown.",
                            "每位客服的质检中发现该错误的比例及次数。质检次数少于阈值的客服不显示。"),
    "min_reviews": ("Minimum reviews per agent", "每位客服最少质检次数"),
    "error_trend": ("Error rate per month", "每月错误率"),
    "error_trend_cap": ("Share of the month's reviews that found each error type.",
                        "每月质检中发现各类错误的比例。"),
    "training_list": ("Training list", "培训名单"),
    "training_cap": ("For each error type, agents whose rate is significantly above the rest of their team: "
                     "one-sided Fisher exact test (agent vs. team without the agent), p < {alpha} after "
                     "Holm correction across all tests on this page, with at least {min} reviews.",
                     "对每种错误类型,错误率显著高于本团队其他人的客服:单侧 Fisher 精确检验(该客服 vs 团队中其他人),"
                     "经 Holm 校正后 p < {alpha},且至少 {min} 次质检。"),
    "no_training": ("No agent is significantly above their team.", "没有客服显著高于本团队。"),
    "agent_profile": ("Agent profile", "客服档案"),
    "agent_profile_cap": ("The agent's figures against the median of the agents of the same team.",
                          "该客服的指标与同团队客服中位数的对比。"),
    "example_tickets": ("Example tickets", "示例工单"),
    "reviews": ("reviews", "质检次数"),
    "with_error": ("with the error", "有该错误"),
    "rate": ("rate", "比例"),
    "team_rate": ("team rate", "团队比例"),
    "p_value": ("p (Holm)", "p(Holm)"),
    "pick_agent": ("Agent", "客服"),
    "team_median": ("team median", "团队中位数"),
    "agent_value": ("agent", "该客服"),
    # health
    "runs": ("Last runs", "最近运行"),
    "counts": ("Rows in the warehouse", "数据仓库行数"),
    "rejects": ("Rejected rows by reason", "按原因统计的拒收行"),
    "rejects_cap": ("Rows that were not loaded, with the reason; the examples show the file, record and "
                    "the raw values.", "未被加载的行及原因;示例显示文件、记录号与原始值。"),
    "warnings": ("Warnings of the last run", "最近一次运行的警告"),
    "last_failure": ("Last failed run", "最近一次失败的运行"),
    "no_failure": ("No failed run recorded.", "没有失败的运行记录。"),
    "no_rejects": ("No rejected rows.", "没有拒收的行。"),
    "data_issues": ("Fields emptied in loaded tickets and QA reviews", "已加载工单与质检记录中被清空的字段"),
    "data_issues_cap": ("These tickets and QA reviews loaded, but a field could not be read or broke an ordering "
                        "rule (a first response before creation, a resolution before the first response, a CSAT "
                        "or QA score out of range …): that field was emptied for the record, never guessed. By "
                        "kind and rule, with examples and the raw values.",
                        "这些工单与质检记录已加载,但某个字段无法读取或违反先后规则(首次响应早于创建、解决早于首次响应、"
                        "满意度或质检得分超出范围……):该字段对该记录置空,绝不猜测。按类型与规则列出,附示例与原始值。"),
    "no_data_issues": ("No field was emptied.", "没有被清空的字段。"),
    "reported_agreement": ("The export's own figures against ours", "导出文件自带的时长与本系统计算值的对比"),
    "reported_agreement_cap": ("Where an export reports its own first-response or resolution minutes, or its own "
                               "verdict on the first-response SLA (frt_sla), the share of its tickets where ours "
                               "(the metric views) agree: durations within the tolerance, verdicts the same. A low "
                               "share points to a wrong time zone, unit or mapping, to business hours counted by "
                               "the source, or to an SLA target other than ours.",
                               "导出文件自带首次响应或解决时长(分钟)或首次响应SLA结论(frt_sla)时,本系统计算值(指标视图)"
                               "与之一致的工单占比:时长在容差内,结论相同。占比低通常说明时区、单位或映射有误,"
                               "或来源按工作时间计算,或其SLA目标与本系统不同。"),
    "repeats": ("Repeat complaints and first-contact resolution", "重复投诉与首次解决率"),
    "repeats_cap": ("Share of tickets whose customer came back about the same category while the ticket was "
                    "open or within {days} days of its resolution ([repeats] window_days), by the first "
                    "ticket; the count is of tickets followed by a repeat. Follow-ups by another channel "
                    "count. Only tickets with a customer id.",
                    "客户在工单未解决时或解决后 {days} 天内([repeats] window_days)就同一类别再次来诉的工单占比,"
                    "按首张工单统计;数字为之后出现重复投诉的工单数。换渠道跟进也计入。仅含有客户编号的工单。"),
    "repeats_no_customers": ("The tickets in view carry no customer id: repeats cannot be told.",
                             "当前工单没有客户编号,无法识别重复投诉。"),
    "repeat_rate": ("Repeat-contact rate", "重复来诉率"),
    "fcr": ("First-contact resolution", "首次解决率"),
    "repeats_other_channel": ("Repeats by another channel", "换渠道的重复投诉"),
    "reported_disagreeing": ("The tickets where ours and the export's figure disagree (the 50 largest "
                             "differences; all of them in the view reported_comparisons).",
                             "本系统计算值与导出文件自带数值不一致的工单(差值最大的50张;全部见视图 reported_comparisons)。"),
    "no_reported": ("No loaded export reports its own durations.", "已加载的导出文件都没有自带时长。"),
    "files": ("Files of the last runs", "最近运行的文件"),
    "controls": ("Refresh controls", "刷新控制"),
    "run_refresh": ("Run the refresh now", "立即运行刷新"),
    "refresh_done": ("The refresh ended with exit code {code}: {meaning}", "刷新结束,退出码 {code}:{meaning}"),
    "rollback": ("Roll back to the previous version", "回滚到上一个版本"),
    "rolled_back": ("{before} → {after} is live", "{before} → {after} 已生效"),
    # process
    "proc_no_events": ("{n:,} of these {total:,} tickets ({pct}) have no event log: their stages come from "
                       "their time stamps only (created → first response → escalated → resolved → closed), so "
                       "their pending and on-hold time and their handoffs are not known.",
                       "这 {total:,} 张工单中有 {n:,} 张({pct})没有事件记录:其环节只能从时间戳推出"
                       "(创建 → 首次响应 → 升级 → 解决 → 关闭),因此等待客户、挂起时间与转派情况未知。"),
    "proc_all_events": ("Every one of these tickets has an event log.", "这些工单都有事件记录。"),
    "kpi_desk_wait": ("Median wait on the desk", "等待客服时长中位数"),
    "kpi_customer_wait": ("Median wait on the customer, when asked", "等待客户时长中位数(需客户回复时)"),
    "kpi_customer_wait_help": ("Over the {share} of the tickets that waited on the customer (pending) at all.",
                               "统计对象为曾等待客户回复(等待客户)的工单,占 {share}。"),
    "kpi_reassigned": ("Reassigned to another agent", "转派给其他客服"),
    "kpi_team_handoff": ("Handed to another team", "转交其他团队"),
    "kpi_handoff_help": ("Share of the tickets with an event log; handoffs are known from events only.",
                         "占有事件记录工单的比例;转派只能从事件得知。"),
    "proc_where": ("Where tickets wait", "工单在哪个环节等待"),
    "proc_where_cap": ("Time the tickets that entered each stage spent in it ({stat}), per {dim}; pending is "
                       "waiting on the customer, on hold waiting on a third party, escalated the time with the "
                       "second line; solved is the time before closing. Log scale. Click a bar to list its "
                       "tickets. The same figures as the view stage_durations.",
                       "进入各环节的工单在该环节停留的时间({stat}),按{dim}。等待客户指等客户回复,挂起指等待第三方,"
                       "已升级指二线处理的时间;已解决指关闭前的时间。对数刻度。点击柱子可列出对应工单。"
                       "与视图 stage_durations 的数字相同。"),
    "statistic": ("Statistic", "统计量"),
    "stat_median": ("median", "中位数"),
    "stat_p90": ("P90", "P90"),
    "proc_longest": ("The stage that holds tickets longest", "停留最久的环节"),
    "proc_longest_cap": ("Per {dim}: the stage with the longest median, its median and P90, and the share of "
                         "the tickets that entered it (solved aside, and stages fewer than 5 % of the tickets "
                         "entered: a median of a handful says little).",
                         "按{dim}:中位时长最长的环节、其中位数与 P90,以及进入该环节的工单比例(不含已解决,"
                         "也不含进入工单不足 5% 的环节:少数几张工单的中位数说明不了什么)。"),
    "proc_split": ("Waiting on the desk or on the customer", "等待客服还是等待客户"),
    "proc_split_cap": ("Mean time per ticket, per {dim}: the desk working on it (new, open, escalated), the desk "
                       "waiting on a third party (on hold), and the desk waiting on the customer (pending). "
                       "Means, so that the parts add up; the medians are in the table.",
                       "按{dim}每张工单的平均时间:客服处理中(新建、处理中、已升级)、客服等待第三方(挂起)、"
                       "客服等待客户(等待客户回复)。使用平均值以便各部分相加;中位数见表格。"),
    "proc_desk_working": ("desk working", "客服处理中"),
    "proc_on_hold": ("on hold", "挂起"),
    "proc_customer": ("waiting on the customer", "等待客户"),
    "proc_points": ("Time points of the process", "流程时间节点"),
    "proc_points_cap": ("Per time point ([sla.first_response] and [[process.targets]] in the settings): the "
                        "tickets that met it, breached it, and are still inside it. A clock that never started "
                        "(a ticket never escalated has no appeal) does not count.",
                        "各时间节点(设置中的 [sla.first_response] 与 [[process.targets]]):达标、超时与仍在时限内的工单。"
                        "从未开始计时的(未升级的工单没有申诉)不计入。"),
    "proc_breaches": ("Tickets that breached a time point", "超过时间节点的工单"),
    "proc_pick_target": ("Time point", "时间节点"),
    "proc_breach_list": ("Breaching tickets", "超时工单"),
    "proc_no_breaches": ("No ticket breached this time point.", "没有工单超过该时间节点。"),
    "proc_breaches_rows": ("Showing {shown:,} of {total:,} breaching tickets, latest past the target first; the "
                           "download has all of them.",
                           "显示 {shown:,} / {total:,} 张超时工单,超出最多的在前;下载文件包含全部。"),
    "proc_rebuild": ("This warehouse was published before the process figures existed: run "
                     "`python -m etl rebuild` to compute them.",
                     "该数据仓库发布时还没有流程指标:运行 `python -m etl rebuild` 计算。"),
    "met_pct": ("met %", "达标 %"),
    # alerts
    "alerts_firing": ("{n} alert(s) firing: see Alerts.", "{n} 条告警正在触发:见“告警”。"),
    "alerts_now": ("Firing now", "正在触发"),
    "alerts_now_cap": ("Rules (for a subject: each value of the rule's per field) whose last firing is a start. A "
                       "rule fires once when it starts to hold and once when it clears, on the state each "
                       "refresh publishes.",
                       "最近一次记录为“触发”的规则(按规则的 per 字段逐个对象)。规则开始成立时触发一次,不再成立时解除一次,"
                       "在每次刷新发布的数据上评估。"),
    "alerts_quiet": ("No rule is firing.", "没有正在触发的规则。"),
    "alerts_history": ("Firings", "触发记录"),
    "alerts_history_cap": ("Every start and clear, newest first, with the values, the window and the delivery of "
                           "its messages.", "每次触发与解除(最新的在前),附数值、时间窗与消息发送情况。"),
    "alerts_none": ("No rule has fired yet.", "还没有规则触发过。"),
    "alerts_pick": ("Firing", "触发记录"),
    "alerts_tickets": ("Tickets behind this firing", "该次触发对应的工单"),
    "alerts_tickets_cap": ("{total} tickets are behind this firing (the first [alerts] max_tickets of them are "
                           "kept and listed), whatever the sidebar's filters.",
                           "该次触发对应 {total} 张工单(保存并列出前 [alerts] max_tickets 张),不受侧边栏筛选影响。"),
    "alerts_failed": ("Deliveries that failed", "发送失败的消息"),
    "alerts_failed_cap": ("Retried, then given up; the refresh was not affected. Check the destination and its "
                          "environment variables, then try python -m etl alerts test RULE.",
                          "已重试后放弃;刷新未受影响。请检查目的地及其环境变量,然后运行 python -m etl alerts test RULE。"),
    "alerts_rules": ("Rules in the settings", "设置中的规则"),
    "alerts_rules_cap": ("[[alerts.rules]] and [alerts] rules_file (docs/ALERTS.md); disabled rules are not "
                         "evaluated.", "[[alerts.rules]] 与 [alerts] rules_file(见 docs/ALERTS.md);停用的规则不评估。"),
    "alerts_unavailable": ("Alerts are stored in the warehouse; this source ({why}) holds none.",
                           "告警保存在数据仓库中;当前数据源({why})没有告警记录。"),
    "delivered": ("sent", "已发送"),
    "not_delivered": ("failed", "失败"),
}

VALUES: dict[str, dict[str, tuple[str, str]]] = {
    # the items of the shipped [[completeness.rules]]; an item of one's own shows as it is named
    "completeness_item": {
        "transaction": ("Transaction (id or time)", "交易信息(单号或时间)"),
        "account": ("Account", "账户"), "resolution_note": ("Resolution note", "处理说明"),
    },
    "channel": {
        "phone": ("Phone", "电话"), "email": ("E-mail", "邮件"), "chat": ("Chat", "在线客服"),
        "web": ("Web form", "网页"), "app": ("App", "应用内"), "ai_bot": ("AI assistant", "智能客服"),
        "social": ("Social media", "社交媒体"), "other": ("Other", "其他"),
    },
    "category": {
        "account_security": ("Account security", "账户安全"),
        "transaction_delay": ("Transaction delay", "交易延迟"),
        "withdrawal": ("Withdrawal", "提现问题"),
        "account_restriction": ("Account restriction / ban", "封号/限制"),
        "password_recovery": ("Password recovery", "密码找回"),
        "app_usage": ("App usage question", "使用咨询"),
        "other": ("Other", "其他"),
    },
    "priority": {"urgent": ("Urgent", "紧急"), "high": ("High", "高"), "normal": ("Normal", "普通"),
                 "low": ("Low", "低"), "other": ("Other", "其他")},
    "status": {"new": ("New", "新建"), "open": ("Open", "处理中"), "pending": ("Pending", "等待客户"),
               "on_hold": ("On hold", "挂起"), "solved": ("Solved", "已解决"), "closed": ("Closed", "已关闭"),
               "other": ("Other", "其他")},
    "error_type": {
        "communication": ("Communication", "沟通障碍"),
        "product_knowledge": ("Product knowledge", "产品知识不足"),
        "timeliness": ("Timeliness", "时效性"),
        "incomplete_record": ("Incomplete record", "记录不完整"),
        "policy": ("Policy", "违规"),
        "other": ("Other", "其他"),
    },
    "step": {
        "front_line": ("Front line", "一线客服"), "second_line": ("Second line", "二线/专家"),
        "formal_appeal": ("Formal appeal", "正式申诉"), "external_body": ("External body", "外部机构"),
    },
    "frt_sla": {"met": ("Met", "达标"), "breached": ("Breached", "超时"), "pending": ("Pending", "等待中")},
    "figure": {"first_response_minutes": ("First response (min)", "首次响应(分钟)"),
               "resolution_minutes": ("Resolution (min)", "解决时长(分钟)"),
               "frt_sla": ("First-response SLA verdict", "首次响应达标判定")},
    "stage": {
        "new": ("New", "新建"), "open": ("Open", "处理中"), "pending": ("Pending (customer)", "等待客户"),
        "on_hold": ("On hold", "挂起"), "escalated": ("Escalated", "已升级"),
        "solved": ("Solved, not closed", "已解决未关闭"),
    },
    "process_target": {
        "first_response": ("First response", "首次响应"),
        "withdrawal_solved_or_escalated": ("Withdrawal solved or escalated", "提现问题解决或升级"),
        "appeal_answered": ("Appeal answered", "申诉已答复"),
    },
    "evidence": {"events": ("events", "事件"), "timestamps": ("time stamps only", "仅时间戳")},
    "alert_state": {"started": ("Started", "触发"), "cleared": ("Cleared", "解除")},
    "weekday": {str(i): v for i, v in enumerate(
        [("Mon", "周一"), ("Tue", "周二"), ("Wed", "周三"), ("Thu", "周四"), ("Fri", "周五"),
         ("Sat", "周六"), ("Sun", "周日")], start=1)},
}

COLUMNS: dict[str, tuple[str, str]] = {
    "ticket_id": ("Ticket", "工单号"), "created_at": ("Created (UTC)", "创建时间(UTC)"),
    "channel": ("Channel", "渠道"), "category": ("Category", "分类"), "priority": ("Priority", "优先级"),
    "status": ("Status", "状态"), "team": ("Team", "团队"), "agent_id": ("Agent", "客服"),
    "first_response_minutes": ("First response (min)", "首次响应(分钟)"),
    "frt_sla": ("SLA", "SLA"), "resolution_minutes": ("Resolution (min)", "解决(分钟)"),
    "escalation_level": ("Escalation", "升级级别"), "reopen_count": ("Reopens", "重开次数"),
    "csat": ("CSAT", "满意度"), "subject": ("Subject", "主题"), "source": ("Source", "来源"),
    "customer_id": ("Customer (hashed)", "客户(哈希)"),
    "age_minutes": ("Age (min)", "账龄(分钟)"), "unanswered_wait_minutes": ("Waiting (min)", "已等待(分钟)"),
    "resolved": ("Resolved", "已解决"), "open": ("Open", "未解决"),
    # data health and reviews
    "run_id": ("Run", "运行"), "command": ("Command", "命令"), "started_at": ("Started (UTC)", "开始(UTC)"),
    "finished_at": ("Finished (UTC)", "结束(UTC)"), "as_of": ("As of (UTC)", "数据截至(UTC)"),
    "files": ("Files", "文件数"), "files_skipped": ("Files skipped", "跳过的文件"),
    "rows_read": ("Rows read", "读取行数"), "rows_loaded": ("Loaded", "已加载"),
    "rows_rejected": ("Rejected", "拒收"), "rows_skipped": ("Skipped", "跳过"),
    "rows_inserted": ("New", "新增"), "rows_updated": ("Updated", "更新"),
    "skipped_reasons": ("Why skipped", "跳过原因"), "file_name": ("File", "文件"), "kind": ("Kind", "类型"),
    "reason_code": ("Reason", "原因"), "reason": ("Explanation", "说明"), "source_file": ("File", "文件"),
    "record_or_line": ("Record / line", "记录/行"), "raw_record": ("Raw record", "原始记录"),
    "review_id": ("Review", "质检编号"), "reviewed_at": ("Reviewed (UTC)", "质检时间(UTC)"),
    "reviewer_id": ("Reviewer", "质检员"), "score": ("Score", "得分"), "error_types": ("Errors", "错误"),
    "comment": ("Comment", "备注"), "table_name": ("Table", "表"), "n": ("Rows", "行数"),
    "tickets_table": ("Tickets", "工单"), "ticket_events": ("Ticket events", "工单事件"),
    "qa_reviews": ("QA reviews", "质检记录"), "agents": ("Agents", "客服"), "rejects": ("Rejected rows", "拒收行"),
    "rule": ("Rule", "规则"), "field": ("Field", "字段"), "raw_value": ("Raw value", "原始值"),
    "source_record": ("Record", "记录号"),
    "figure": ("Figure", "指标"), "tickets_reported": ("Reported", "自带数值的工单"),
    "tickets_compared": ("Compared", "可比较的工单"), "tickets_agreeing": ("Agreeing", "一致的工单"),
    "agreeing_pct": ("Agreeing (%)", "一致占比(%)"),
    "median_difference_minutes": ("Median difference (min)", "差值中位数(分钟)"),
    "max_difference_minutes": ("Largest difference (min)", "最大差值(分钟)"),
    "reported_minutes": ("Export's figure (min)", "导出数值(分钟)"),
    "computed_minutes": ("Ours (min)", "本系统数值(分钟)"),
    "difference_minutes": ("Ours − export's (min)", "差值(分钟)"),
    "reported_verdict": ("Export's SLA verdict", "导出的SLA结论"),
    "computed_verdict": ("Our SLA verdict", "本系统SLA结论"),
    # process
    "target": ("Time point", "时间节点"), "clock_started_at": ("Clock started (UTC)", "开始计时(UTC)"),
    "clock_stopped_at": ("Clock stopped (UTC)", "停止计时(UTC)"), "elapsed_minutes": ("Elapsed (min)", "已用(分钟)"),
    "target_minutes": ("Target (min)", "目标(分钟)"), "over_minutes": ("Over by (min)", "超出(分钟)"),
    "still_running": ("Still running", "仍在计时"), "evidence": ("Evidence", "依据"), "stage": ("Stage", "环节"),
    "median_hours": ("Median (h)", "中位数(小时)"), "p90_hours": ("P90 (h)", "P90(小时)"),
    "share_of_tickets": ("Share of tickets", "工单占比"), "tickets": ("Tickets", "工单数"),
    "desk_median_hours": ("Median wait on the desk (h)", "等待客服中位数(小时)"),
    "customer_median_hours": ("Median wait on the customer, when asked (h)", "等待客户中位数,需客户回复时(小时)"),
    "agent_handoffs": ("Agent handoffs per ticket", "每单客服转派次数"),
    "team_handoffs": ("Team handoffs per ticket", "每单团队转交次数"),
    # alerts
    "firing_id": ("Firing", "记录号"), "evaluated_at": ("Evaluated (UTC)", "评估时间(UTC)"),
    "since": ("Since (UTC)", "开始于(UTC)"), "state": ("State", "状态"),
    "per": ("Per", "按"), "value": ("Value", "数值"), "previous_value": ("Previous window", "前一时间窗"),
    "threshold": ("Threshold", "阈值"), "condition": ("Condition", "条件"), "window_name": ("Window", "时间窗"),
    "window_start": ("From (UTC)", "起(UTC)"), "window_end": ("To (UTC)", "止(UTC)"), "basis": ("Based on", "依据数"),
    "behind": ("Tickets behind", "相关工单数"), "rule_text": ("What", "内容"), "note": ("Note", "说明"),
    "delivery": ("Delivery", "发送"), "enabled": ("Enabled", "启用"), "notify": ("Notify", "通知"),
    "version": ("Version", "版本"),
}


def t(key: str, lang: str, **fmt: object) -> str:
    en, zh = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**fmt) if fmt else text


def label(field: str, value: object, lang: str) -> str:
    """A value's label (category names, channels …); unknown values are shown as they are."""
    if value is None:
        return "—"
    pair = VALUES.get(field, {}).get(str(value))
    if pair is None:
        return str(value)
    return pair[1] if lang == "zh" else pair[0]


def column(name: str, lang: str) -> str:
    pair = COLUMNS.get(name)
    if pair is None:
        return name
    return pair[1] if lang == "zh" else pair[0]
