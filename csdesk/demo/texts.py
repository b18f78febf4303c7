"""The desk's words: every Chinese phrase and name the demo writes.

Plain data, no logic.  Topics say what people call about and what is written
for each: summaries, handling steps, results, work-order results and materials;
the pools below hold the other phrases (call-back notes, complaint plans,
handover lines …).  Codes in here are reference data (categories, departments,
fee items: ``data/*.toml``) or the domain's enums (:mod:`csdesk.domain`).

Placeholders in topic texts and templates: {addr} 3栋2单元1201, {b} building,
{u} unit, {fl} floor, {below} room below, {courier}, {order}, {tech}, {hm} a
time of day, {staff} a staff number, {old4} last four digits, {dept}
department name, {dphone} its phone, {sup} the supervisor.
"""

from __future__ import annotations

from dataclasses import dataclass

from csdesk.domain import CallbackKind, Channel, Outcome, ProblemKind

# --------------------------------------------------------------------------- topics


@dataclass(frozen=True)
class Topic:
    """What a contact is about, and everything written for it."""

    key: str
    category: str  # a category code of categories.toml
    subtype: str  # a sub-type code, or ""
    weight: float  # how often it comes up among the everyday topics
    summaries: tuple[str, ...]
    handling: tuple[tuple[str, ...], ...]  # alternative lists of handling steps
    resolved: tuple[str, ...]  # result when settled on the call (parallel to summaries when as long)
    outcomes: dict[Outcome, float]  # weights of its outcomes (only those the domain allows its category)
    urgency: tuple[float, float, float] = (90, 9, 1)  # weights of the Urgency members, in their order
    department: str = ""  # department code of its work orders and referrals
    fees: tuple[str, ...] = ()  # fee item codes of its paid orders
    order_results: tuple[str, ...] = ()
    materials: tuple[str, ...] = ("",)
    channel: Channel | None = None  # None: any of the everyday channels; else only this one
    anonymous: bool = False  # no customer (patrol findings)


TOPICS: tuple[Topic, ...] = (
    Topic(
        "leak", "repair", "repair.water", 9,
        ("{addr}卫生间漏水，楼下{below}天花板渗水，需要尽快上门",
         "{addr}厨房水管接口漏水，地面积水，业主已关总阀",
         "{addr}阳台地漏返水，怀疑排水管堵塞",
         "楼上漏水到{addr}客厅吊顶，吊顶已起泡发黄",
         "{addr}热水器进水管一直滴水，想找师傅看一下（可接受有偿）",
         "{addr}马桶水箱漏水不止，水费很高"),
        (("确认漏水位置和范围", "提醒业主先关闭进户总阀", "开工单派工程部上门", "电话通知工程部5分钟内领单"),
         ("询问是否影响楼下住户", "联系楼上业主开门配合检查", "开工单派工程部排查管道"),
         ("核实房号和联系电话", "告知有偿维修收费标准，先报价", "预约上门时间")),
        ("指导业主关闭角阀，漏水已止住，业主表示自行更换软管",
         "远程指导业主清理地漏滤网，已恢复排水"),
        {Outcome.WORK_ORDER: 80, Outcome.RESOLVED: 8, Outcome.PROMISED: 8, Outcome.REFERRED: 4},
        urgency=(68, 26, 6), department="engineering",
        fees=("leak_inspect", "pipe_unblock", "tap_replace"),
        order_results=("重新做卫生间防水，楼下不再渗水", "更换角阀密封圈，漏水已止住",
                       "疏通排水管，排出大量头发杂物，排水正常", "楼上卫生间管道接口渗漏，已维修，吊顶待干后修补",
                       "更换进水软管，试水无渗漏", "更换马桶进水阀，不再漏水"),
        materials=("密封圈2个", "角阀1个、生料带", "防水胶1支", "进水软管1根", ""),
    ),
    Topic(
        "power", "repair", "repair.water", 5,
        ("{addr}家里突然停电，空气开关跳闸合不上",
         "{b}栋整栋停电，电梯也停了，问什么时候来电",
         "{addr}厨房插座冒火花，闻到焦味",
         "{addr}卧室灯和插座都没电，其他房间正常"),
        (("询问是否闻到焦味、有无冒烟", "提醒业主断开总闸，注意安全", "开工单派电工上门"),
         ("核实停电范围（单户/整栋）", "联系工程部查看配电房", "告知业主预计恢复时间")),
        ("指导业主逐个断开分路开关，找到漏电电器后已恢复供电",
         "告知为供电局计划停电，预计{hm}恢复，业主表示理解"),
        {Outcome.WORK_ORDER: 70, Outcome.RESOLVED: 20, Outcome.PROMISED: 10},
        urgency=(45, 47, 8), department="engineering", fees=("socket_replace",),
        order_results=("更换漏电断路器，恢复供电", "配电房总开关跳闸，复位后恢复供电",
                       "插座内部短路，已更换插座并检查线路", "卧室回路接线松动，重新接线后恢复"),
        materials=("断路器1个", "五孔插座1个", ""),
    ),
    Topic(
        "elevator", "repair", "repair.elevator", 5,
        ("{b}栋{u}单元电梯卡在{fl}楼，有人被困",
         "{b}栋{u}单元电梯运行有异响，晃动明显",
         "{b}栋电梯按键失灵，{fl}楼按了不亮",
         "{b}栋{u}单元电梯显示屏报 error 代码 E35，停在一楼不动"),
        (("安抚被困人员，确认人数和身体状况", "立即通知电梯维保单位和工程部", "上报主管，保持通话"),
         ("记录电梯位置和故障现象", "通知工程部和电梯维保单位", "在电梯口张贴暂停使用告示")),
        ("告知电梯正在年检，预计{hm}恢复运行",),
        {Outcome.WORK_ORDER: 85, Outcome.ESCALATED: 6, Outcome.RESOLVED: 9},
        urgency=(55, 25, 20), department="engineering",
        order_results=("维保单位15分钟到场，被困人员已安全救出，电梯停运检修",
                       "更换门机皮带，试运行正常", "更换按键面板，恢复正常", "更换变频器模块，故障代码消除"),
        materials=("门机皮带1条", "按键面板1块", ""),
    ),
    Topic(
        "door", "repair", "repair.door", 5,
        ("门禁卡失效，刷卡进不了{b}栋单元门",
         "{b}栋{u}单元单元门闭门器坏了，门关不上",
         "{addr}入户门锁芯卡住，钥匙拧不动",
         "人脸识别门禁认不出，App 远程开门也失败",
         "{addr}窗户推拉不顺，密封条脱落漏风"),
        (("核实业主身份和房号", "远程给门禁卡重新授权", "不能解决则开工单派工程部"),
         ("确认是否有人被锁在门外", "告知换锁收费标准（锁具另计）", "开工单预约上门")),
        ("门禁卡已在后台重新授权，业主试刷成功", "已远程开门，闭门器报修已登记",
         "指导业主用润滑剂处理锁芯，已能开门", "已远程开门，并重置人脸识别数据",
         "指导业主重新安装密封条，已不漏风"),
        {Outcome.WORK_ORDER: 60, Outcome.RESOLVED: 30, Outcome.PROMISED: 10},
        urgency=(80, 18, 2), department="engineering", fees=("lock_replace",),
        order_results=("门禁读卡器故障，已更换", "更换闭门器，单元门可自动关闭", "更换锁芯并配钥匙3把",
                       "人脸识别模块重启并更新固件", "更换窗户密封条，调整滑轮"),
        materials=("闭门器1个", "锁芯1个", "密封条5米", ""),
    ),
    Topic(
        "network", "repair", "repair.network", 3,
        ("家里 WiFi 断网，光猫 LOS 灯红",
         "物业 App 登录提示 token 过期，一直进不去",
         "智能门锁 App 绑定失败，提示 device offline",
         "宽带网速很慢，测速只有 2M"),
        (("请业主重启光猫和路由器", "记录故障现象和设备型号", "转信息技术部处理"),
         ("确认 App 版本号", "指导业主清除缓存重新登录", "仍不行则提交信息技术部")),
        ("重启光猫后网络恢复正常", "指导业主清除 App 缓存后重新登录，已恢复",
         "指导业主重置门锁并重新绑定，已成功", "已为业主重新配置路由器信道，网速恢复"),
        {Outcome.WORK_ORDER: 40, Outcome.RESOLVED: 35, Outcome.REFERRED: 25},
        urgency=(88, 11, 1), department="it",
        order_results=("更换光猫，网络恢复", "后台重置账号，App 已可登录", "门锁固件升级后绑定成功",
                       "更换入户网线，测速 100M"),
        materials=("光猫1台", ""),
    ),
    Topic(
        "fixture", "repair", "", 3,
        ("{addr}客厅灯不亮，想请师傅换灯具（有偿）",
         "{addr}空调不制冷，想预约清洗",
         "{addr}卫生间下水道堵塞，马桶反水",
         "{addr}开关面板松动，按下去没反应"),
        (("告知有偿维修收费标准并报价", "业主同意后开工单", "预约上门时间"),),
        ("告知收费标准，业主表示考虑后再联系",),
        {Outcome.WORK_ORDER: 80, Outcome.RESOLVED: 15, Outcome.PROMISED: 5},
        urgency=(92, 8, 0), department="engineering",
        fees=("lamp_install", "aircon_clean", "pipe_unblock", "socket_replace"),
        order_results=("安装新灯具，试亮正常", "空调清洗完成，制冷正常", "疏通马桶下水，排水通畅",
                       "更换开关面板"),
        materials=("吸顶灯1个（业主自购）", "清洗剂", "开关面板1个", ""),
    ),
    Topic(
        "noise", "complaint", "complaint.noise", 4,
        ("楼上{fl}层{hm}还在装修，电钻噪音很大",
         "晚上{hm}广场舞音响太吵，影响老人和孩子休息",
         "邻居家狗一直叫，半夜也叫",
         "楼下商铺空调外机噪音大，晚上睡不着"),
        (("记录噪音来源和时间", "通知安保部上门劝导", "次日回访确认"),
         ("安抚业主情绪", "联系装修户核实施工时间", "按装修管理规定发整改通知")),
        ("已联系装修户，对方承诺今天停止电钻作业", "安保巡逻至现场劝导，音响已调小",
         "已联系养狗住户，对方表示会注意", "已联系商铺，承诺晚上10点后关闭外机"),
        {Outcome.ESCALATED: 100},  # a complaint: the supervisor's (security acts on the plan)
        urgency=(80, 18, 2), department="security",
    ),
    Topic(
        "fees", "inquiry", "inquiry.fees", 7,
        ("咨询物业费缴费方式，能不能用 WeChat Pay 或支付宝",
         "物业费账单金额和去年不一样，要求解释",
         "要开物业费电子发票 PDF，发到邮箱",
         "咨询月租车位管理费标准，每月多少钱",
         "咨询有偿维修收费标准，换水龙头多少钱"),
        (("核实房号和缴费记录", "解释收费标准和计费周期", "告知缴费渠道"),
         ("记录业主疑问", "需查询财务记录，承诺1小时内回电")),
        ("告知 App 和小程序均可缴费（支持微信、支付宝），已发送操作指引",
         "已说明物业费按建筑面积计费，本年度单价未变，差额为车位管理费，业主认可",
         "电子发票已开具并发送到业主邮箱",
         "告知月租车位管理费标准，业主表示了解",
         "告知有偿维修收费标准：更换水龙头30元/次，材料另计"),
        {Outcome.RESOLVED: 65, Outcome.PROMISED: 30, Outcome.REFERRED: 5},
        urgency=(97, 3, 0), department="after_sales",
    ),
    Topic(
        "delivery", "inquiry", "inquiry.after_sales_delivery", 6,
        ("订单{order}显示已签收，但没收到货",
         "快递柜取件码收不到，{courier}的快递一直在柜子里",
         "{courier}快递员把包裹放在门口不见了",
         "想寄快递，问物业前台能不能代收代寄"),
        (("查询快递记录（快递员及电话）", "联系快递公司反馈未收到", "安排快递员30分钟内联系客户"),
         ("调取快递柜记录", "联系{courier}网点", "告知客户处理进度")),
        ("快递员已来电，确认送错地址，当天18点前重新配送", "已重发取件码，业主取件成功",
         "已调取门口监控，快递员确认放错楼栋，包裹已找回送达", "告知前台可代收，不提供代寄服务"),
        {Outcome.RESOLVED: 40, Outcome.PROMISED: 35, Outcome.REFERRED: 25},
        urgency=(90, 10, 0), department="logistics",
    ),
    Topic(
        "presales", "inquiry", "inquiry.presales", 4,
        ("咨询{b}栋还有没有在售车位，价格多少",
         "咨询小区商铺出租，想开便利店",
         "咨询 VIP 管家服务套餐内容和价格",
         "咨询装修申请流程和押金"),
        (("了解客户需求", "介绍价格和办理流程", "登记意向客户，约定回访"),),
        ("已介绍车位价格和付款方式，客户约周末来看车位", "已介绍商铺租金和面积，客户约下周面谈",
         "已发送 VIP 管家服务介绍 PPT", "已说明装修申请需提供图纸和押金3000元"),
        {Outcome.RESOLVED: 70, Outcome.PROMISED: 20, Outcome.REFERRED: 10},
        urgency=(100, 0, 0), department="after_sales",
    ),
    Topic(
        "general", "inquiry", "", 5,
        ("咨询小区{hm}停水通知，什么时候恢复",
         "咨询访客车辆进小区怎么登记",
         "问物业前台办公时间和公共区域 Wi-Fi 密码",
         "咨询装修垃圾清运时间"),
        (("查询通知公告", "解释办理流程"),),
        ("告知停水为管道检修，预计{hm}恢复", "已说明访客车辆可在 App 提前登记车牌",
         "告知前台办公时间为9:00-23:00", "告知每天18:00-19:00清运装修垃圾"),
        {Outcome.RESOLVED: 85, Outcome.PROMISED: 15},
        urgency=(97, 3, 0),
    ),
    Topic(
        "service", "complaint", "complaint.service", 1.5,
        ("投诉客服{staff}态度差，话没说完就挂电话",
         "投诉保安态度恶劣，不让访客车辆进入",
         "投诉维修师傅上门迟到两小时还不道歉",
         "客服拒绝退货，态度很不耐烦，要求主管处理"),
        (("先安抚客户情绪，表示歉意", "记录投诉内容和涉及人员", "立即上报主管"),),
        ("向客户道歉，客户表示接受",),
        {Outcome.ESCALATED: 100},
        urgency=(55, 38, 7),
    ),
    Topic(
        "quality", "complaint", "complaint.quality", 1.5,
        ("上周刚修好的水龙头又漏水了，维修质量太差",
         "楼道垃圾两天没人清理，有异味",
         "电梯刚修完又坏了，一个月第三次"),
        (("安抚客户", "调取原工单记录", "上报主管并安排返修"),),
        ("已安排返修",),
        {Outcome.ESCALATED: 85, Outcome.WORK_ORDER: 15},
        urgency=(60, 35, 5), department="engineering",
    ),
    Topic(
        "complaint_general", "complaint", "", 1,
        ("投诉小区绿化长期没人修剪，杂草很高",
         "投诉物业费涨价没有提前公示",
         "投诉地下车库灯坏了一个月没人管"),
        (("耐心倾听，确认诉求", "记录并上报主管"),),
        ("已向客户解释，客户表示理解",),
        {Outcome.ESCALATED: 100},
        urgency=(85, 15, 0),
    ),
    Topic(
        "info_change", "info_change", "", 4,
        ("手机号变更，旧号尾号{old4}停用，更新为新号码",
         "房屋已过户，业主姓名变更",
         "增加家属联系电话，方便维修时联系",
         "更改账单寄送地址和 email"),
        (("核验身份（登记手机尾号后四位）", "更新客户资料", "复述确认新资料"),
         ("核验身份（订单姓名）", "更新联系方式")),
        ("身份核验通过，已更新联系电话", "已更新客户资料并复述确认",
         "身份核验未通过，请业主携带证件到前台办理"),
        {Outcome.RESOLVED: 85, Outcome.PROMISED: 15},
        urgency=(100, 0, 0),
    ),
    Topic(
        "suggestion", "suggestion", "", 3,
        ("表扬{tech}师傅维修及时、态度好",
         "建议小区增加电动车充电桩",
         "建议 App 增加报修进度推送功能",
         "建议停水停电通知同步到业主微信群"),
        (("感谢客户", "记录建议，周报汇总给主管"),),
        ("已感谢业主，表扬已转达工程部", "建议已记录，将汇总上报", "建议已记录，已转信息技术部评估",
         "建议已记录，将汇总上报主管"),
        {Outcome.RESOLVED: 80, Outcome.REFERRED: 15, Outcome.PROMISED: 5},
        urgency=(100, 0, 0), department="engineering",
    ),
    Topic(
        "other", "other", "", 4,
        ("在小区门口捡到一串钥匙，交到前台失物招领",
         "小区草坪有宠物粪便，希望加强管理",
         "访客车辆临时 parking 登记",
         "咨询社区周末亲子活动怎么报名",
         "地下车库有流浪猫，担心抓伤小孩"),
        (("登记情况", "告知处理方式"),),
        ("已登记失物，通过业主群发布招领信息", "已通知保洁部清理，并在草坪增设提示牌",
         "已登记访客车辆，临时停车2小时", "已告知在 App 活动页报名", "已通知安保部巡查处理"),
        {Outcome.RESOLVED: 75, Outcome.REFERRED: 25},
        urgency=(96, 4, 0), department="cleaning",
    ),
    Topic(
        "patrol", "repair", "repair.water", 2,
        ("巡查发现{b}栋地下车库积水，排水泵未启动",
         "巡查发现{b}栋{fl}楼楼道灯不亮",
         "巡查发现{b}栋消防通道堆放杂物",
         "巡查发现{b}栋{u}单元门禁门锁损坏"),
        (("拍照记录位置", "开工单派工程部", "在群里通报"),),
        ("已现场处理",),
        {Outcome.WORK_ORDER: 70, Outcome.REFERRED: 30},
        urgency=(75, 22, 3), department="engineering", channel=Channel.PATROL, anonymous=True,
        order_results=("排水泵复位，积水已抽干", "更换楼道灯管", "清理杂物，通道畅通", "更换单元门电磁锁"),
        materials=("LED 灯管2支", ""),
    ),
    Topic(
        "visit_ok", "suggestion", "", 3,
        ("回访{addr}维修情况，业主表示已修好，很满意",
         "回访上周投诉处理结果，客户接受处理方案",
         "回访{addr}门禁维修，业主说 OK，没有其他问题"),
        (("按回访话术询问维修结果和满意度", "记录客户意见"),),
        ("回访完成，客户满意度5分", "回访完成，客户无其他意见"),
        {Outcome.RESOLVED: 100},
        channel=Channel.OUTBOUND,
    ),
    Topic(
        "visit_issue", "repair", "repair.water", 1,
        ("回访{addr}漏水维修，业主反映偶尔还有滴水",
         "回访{addr}空调清洗，业主说制冷还是不太好"),
        (("记录客户反馈", "开返修工单"),),
        ("已安排返修",),
        {Outcome.WORK_ORDER: 100},
        urgency=(90, 10, 0), department="engineering", channel=Channel.OUTBOUND,
        order_results=("返修完成，客户确认不再滴水",),
    ),
)


TOPIC_BY_KEY = {t.key: t for t in TOPICS}

# --------------------------------------------------------------------------- what is written

# Results written for each outcome but "resolved" (which is the topic's own).
OUTCOME_RESULTS: dict[Outcome, tuple[str, ...]] = {
    Outcome.WORK_ORDER: ("已开工单，工程部{tech}已领单，约30分钟上门", "已开工单，与业主约定{hm}上门",
                   "已开工单并电话通知{dept}5分钟内领单"),
    Outcome.REFERRED: ("已转{dept}处理，告知客户{dept}电话{dphone}，次日回访确认",),
    Outcome.PROMISED: ("需查询核实，承诺1小时内回电答复", "已记录，承诺1小时内回复客户"),
    Outcome.ESCALATED: ("客户情绪激动，已上报主管{sup}处理", "已按规定上报主管，主管将在半个工作日内答复"),
}
# Why an agent escalates: the first three for complaints, the last three for other matters.
ESCALATION_REASONS = ("客户情绪非常激动，要求主管处理", "涉及员工服务态度，按规定上报主管",
                      "同一问题多次来电仍未解决", "存在安全隐患，需主管协调")
COMPLAINT_PLANS = (
    "1. 主管致电客户道歉；\n2. 安排返修，费用由公司承担；\n3. 对相关员工进行培训",
    "1. 当天上门核实情况；\n2. 给出整改时间表；\n3. 整改完成后回访",
    "1. 致电客户说明情况并道歉；\n2. 调整排班，加强巡查；\n3. 一周后回访",
    "1. 约谈相关员工；\n2. 向客户书面致歉；\n3. 赠送一次免费空调清洗",
)
COMPLAINT_RESPONSES = ("接受，满意", "接受处理方案", "基本接受，希望以后改进", "暂不接受，要求进一步处理")
HOLD_REASONS = ("等待配件（阀门）到货", "业主出差，约下周上门", "需协调楼上业主开门检查",
                "等待电梯维保单位排期")
CANCEL_REASONS = ("业主自行修好", "重复报修，已合并到原工单", "业主取消预约", "非物业维修范围，已告知业主")
OPINIONS = ("满意，师傅很专业", "处理及时，谢谢", "基本满意", "修好了，但是等得有点久", "师傅很耐心 OK")
LOW_OPINIONS = ("等了太久，不满意", "修完还是有问题", "师傅态度一般")
VISIT_NOTES = ("业主表示维修效果很好", "客户满意，无其他意见", "客户建议上门前提前电话联系")
REFUSAL_REASONS = ("业主表示不需要回访，请勿来电", "工作忙，不接受电话回访", "对物业有意见，拒绝回访",
                   "老人独居，子女要求不要来电")
CUSTOMER_NOTES = ("老人独居，来电请耐心", "VIP 业主", "有宠物狗，上门前先电话联系", "常驻国外，优先 email 联系",
                  "")
# The problem log (问题登记本): problems met and ideas.
PROBLEMS: tuple[tuple[str, str], ...] = (
    *((ProblemKind.PROBLEM.value, words) for words in (
        "App 报修页面偶尔白屏，客户反映提交不了",
        "快递柜经常满格，住户投诉多",
        "工程部晚上值班电话经常占线，领单慢",
        "电梯维保单位到场时间超过30分钟",
        "部分业主资料里的手机号已停用，回访打不通")),
    *((ProblemKind.IDEA.value, words) for words in (
        "建议把停水停电通知同步到业主群和 App 推送",
        "建议常见问题整理成 FAQ，放在前台和小程序",
        "建议增加夜间工程值班人员",
        "建议回访话术增加对师傅着装的询问")),
)
HANDOVER_OTHER = ("{b}栋电梯明天9:00-11:00年检停运，来电请告知业主",
                  "明天上午停水检修（9:00-12:00），已在群里通知",
                  "前台打印机卡纸，已报信息技术部",
                  "今晚有暴雨预警，注意地下车库积水")
COURIERS = ("顺丰", "中通", "圆通", "韵达", "京东物流", "极兔", "EMS")
TIMES_OF_DAY = ("晚上10点", "下午3点", "中午12点", "早上8点", "晚上9点半", "下午5点")

# --------------------------------------------------------------------------- places and people

COMMUNITY = "锦绣花园"
ADDRESS = "{community}{short}室"  # short: 3栋2单元1201
UNIT_SHORT = "{b}栋{u}单元{room}"
BUILDING_SHORT = "{b}栋"
PHONE_LABEL_LANDLINE = "座机"
PHONE_LABEL_FAMILY = "家属"
TECHNICIANS = ("王建国", "刘师傅", "陈志强", "李卫东", "赵师傅", "孙海涛", "周师傅", "吴国平")

# --------------------------------------------------------------------------- contacts

IDENTITY_FAILED = "身份核验未通过，请业主携带证件到前台办理"
ESCALATED_CRITICAL = "特急：存在安全隐患或重大损失"
ESCALATED_URGENT = "紧急事项，按规定上报"

# --------------------------------------------------------------------------- work orders (their history)

ORDER_OPENED = "由 {number} 开单，已通知{dept}领单"
ORDER_DISPATCHED = "派工：{tech}"
ORDER_DISPATCHED_TO = "派工：{tech}（{dept}）"
ORDER_STARTED = "{tech}已上门处理"
ORDER_COMPLETED = "完工：{result}"
ORDER_RESULT_DEFAULT = "处理完成"
ORDER_CLOSED_AFTER_VISIT = "回访完成，关闭工单"
ORDER_CLOSED_CONFIRMED = "完工确认，关闭工单"
ORDER_OVERDUE = "工单超时未完成（{tech}）"
NOT_DISPATCHED = "未派工"

# --------------------------------------------------------------------------- call-backs, escalations

LOW_SCORE_NOTE = "满意度{sat}分，2小时内回访了解改进意见"
RETURN_VISIT_NOTE = "完工次日回访：维修结果、服务态度、收费是否相符"
RETRY_NOTE = "客户忙，稍后再拨"
# What a call-back is for; "{summary}" is the start of the contact's summary.
CALLBACK_NOTES: dict[CallbackKind, str] = {
    CallbackKind.PROMISED_REPLY: "承诺1小时内答复：{summary}",
    CallbackKind.REFERRAL_CHECK: "次日回访确认转办结果：{summary}",
}
# What came of a call-back that reached the customer (return visits: VISIT_NOTES).
CALLBACK_DONE_NOTES: dict[CallbackKind, str] = {
    CallbackKind.PROMISED_REPLY: "已回电答复客户，客户认可",
    CallbackKind.REFERRAL_CHECK: "客户确认问题已解决",
    CallbackKind.LOW_SCORE: "已了解原因并致歉，意见已反馈工程部",
    CallbackKind.RETRY: "再次致电，回访完成",
}
CALLBACK_BUSY = "客户在忙，已致歉并约稍后再拨"
CALLBACK_NO_ANSWER = "无人接听"
ESCALATION_ACK_NOTES = ("已电话联系客户安抚", "已协调工程部优先处理", "已知悉，跟进中")

# --------------------------------------------------------------------------- handovers

PUBLIC_AREA = "公共区域"
A_CUSTOMER = "客户"
AWAITING_VISIT = "待回访"  # after "done": a done order waits for its return visit
HANDOVER_PROSPECT = "{name} 咨询车位租售，意向较强，明天上午回电"
HANDOVER_PROSPECT_STATE = "待联系"
HANDOVER_REMARKS = ("补充：业主已回电，漏水已止住，工单继续跟进", "补充：意向客户已联系，约周六看车位",
                    "主管已阅，夜班处理及时")
HANDOVER_REVIEWED = "主管已阅"


# --------------------------------------------------------------------------- work orders on F3 (csdesk.demo.order_details)

# The owner's explanation of an overdue order, and how it will be caught up (owed within 1 hour).
OVERDUE_EXPLANATIONS = (
    "配件缺货，供应商未按时送达", "业主临时不在家，无法入户", "维修人员同时段有紧急抢修任务",
    "需协调楼上业主开门排查，对方一直联系不上", "故障比预估复杂，需要专业厂家到场",
    "派工时未及时通知到维修人员", "夜间无法施工，需次日处理", "材料需领用审批，流程耽搁",
)
CATCH_UP_PLANS = (
    "已催供应商，今天18点前送到后立即上门", "已与业主约定明早9点上门，完工后电话回访",
    "改派同组另一名师傅，1小时内到场", "已联系厂家技术员，明天上午一同上门",
    "先做临时处置止损，配件到后再彻底修复", "主管已协调物业前台陪同入户，今天完成",
)
EXPLANATION_ACK_NOTES = ("同意处理方案，完工后回报", "已知悉，注意跟进时效", "同意，请当天闭环", "已与业主沟通，按方案执行")

HANDOVER_INSTRUCTIONS = ("师傅明早9点上门，请提前电话确认业主在家", "已催工程部，10点前未派工请再催一次",
                         "业主情绪较大，回电时先致歉再说明进度", "配件已到货，请通知师傅安排上门",
                         "客户要求书面答复，请整理处理过程后回电", "请核对费用后再告知业主报价",
                         "今天之内务必回电，已承诺客户", "跟进维修结果，完工后安排回访")
HANDOVER_QUESTIONS = ("师傅具体几点到？业主问了两次", "费用是否已告知业主？", "需要通知楼上业主配合吗？",
                      "这个工单要不要上报主管？")
HANDOVER_NOTES = ("已收到，上班后第一件事回电", "明白，会盯紧进度", "已看过工单记录，按说明跟进")
HANDOVER_CORRECTIONS = ("更正：师傅改为明早10点上门", "更正：业主电话以工单上的为准", "更正：该客户已回电，无需再催")
HANDOVER_ESCALATED = "{staff_no} {day} {shift}交接：{to}上班30分钟仍有 {n} 项未确认"
