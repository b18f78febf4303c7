"""Demo data: a service centre's last 90 days, generated into a demo database.

Plain Python (no Textual).  :func:`generate` fills a database that holds no
real records with realistic Chinese data: the demo accounts, customers with
phones and building-unit-room addresses, contacts across every channel,
category, urgency and outcome, work orders in every state with their history,
complaints, escalations, call-backs of every kind, the refused-visit list,
handovers and problem logs.  Recent matters are arranged so that agent
``1001``'s queues and the supervisor's queue are not empty.

Speed (``--contacts 1000000`` must take under three minutes on two cores):
rows are built as plain dicts and written as tuples by executemany of each
table's compiled Core ``insert()``, through one SQLAlchemy connection, in one
``BEGIN IMMEDIATE`` transaction.  Timestamps are pre-formatted in the exact
storage form of :class:`csdesk.store.models.UTCDateTime` (naive UTC, to the second;
a test checks it), so no per-value type processing runs.  Number sequences
are reserved under that write lock and stored in ``counter`` at the end.  For
the load of a new demo database only, SQLite runs with ``synchronous=OFF``,
an in-memory rollback journal, foreign keys unchecked and a large cache (all
restored: WAL, FULL, foreign keys on); the secondary indexes of the big
tables are dropped and rebuilt once (their exact SQL is read from
``sqlite_master`` and replayed); the register's full-text index, when
:mod:`csdesk.store.search_index` exists, is filled in bulk by its
``bulk_loading``.  From :data:`PARALLEL_FROM` contacts a second process
generates the rows (same seed, same data) while this one writes them.
Faker is sampled once into pools; everything per row is drawn with
:mod:`random`; pinyin initials are computed once per distinct name.

The database records ``meta.demo = 1`` before anything else is written and
``meta.demo_status = ready`` at the end, so an interrupted build is recognised
as demo data and regenerated, and a database with real records is never
touched (:func:`inspect_database`).
"""

from __future__ import annotations

import bisect
import importlib.util
import math
import pickle
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from itertools import accumulate
from operator import itemgetter
from pathlib import Path

from sqlalchemy import bindparam, insert, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection, Engine

from csdesk.clock import local_tz
from csdesk.clock import now as clock_now
from csdesk.i18n import _

DEMO_PASSWORD = "demo"
#: (staff number, role) of the accounts printed by ``csdesk demo``.
DEMO_ACCOUNTS = (("1001", "agent"), ("2001", "supervisor"), ("9001", "manager"))
DEFAULT_CONTACTS = 3000
MIN_CONTACTS = 60  # the scenario and one contact per channel, topic, urgency and outcome fit
MAX_CONTACTS = 5_000_000
DAYS = 90

# Storage form of csdesk.store.models.UTCDateTime on SQLite (checked by the tests).
_TS_SUFFIX = ".000000"


class DemoError(Exception):
    """A demo database cannot be made here; the message is for the user."""


# --------------------------------------------------------------------------- the database's state


@dataclass(frozen=True)
class DbState:
    """What a database holds, as far as demo is concerned."""

    kind: str  # "empty" (no records), "demo", "demo_incomplete", "real"
    agents: int = 0
    contacts: int = 0


def inspect_database(engine: Engine) -> DbState:
    """Classify the database without changing it: demo never writes into real records.

    Real records: agents or contacts, without a ``meta`` row ``demo = 1``.
    """
    with engine.connect() as conn:
        tables = set(sa_inspect(conn).get_table_names())
        meta = {}
        if "meta" in tables:
            meta = dict(conn.execute(text("SELECT key, value FROM meta")).all())
        agents = conn.execute(text("SELECT count(*) FROM agent")).scalar_one() if "agent" in tables else 0
        contacts = (conn.execute(text("SELECT count(*) FROM contact")).scalar_one()
                    if "contact" in tables else 0)
        conn.rollback()
    if meta.get("demo") == "1":
        kind = "demo" if meta.get("demo_status") == "ready" else "demo_incomplete"
        return DbState(kind, agents, contacts)
    if agents or contacts:
        return DbState("real", agents, contacts)
    return DbState("empty", agents, contacts)


def reset_database(engine: Engine) -> None:
    """Remove everything a (demo) database holds; the caller checked it is demo data.

    A SQLite file is deleted with its WAL; another database has its rows deleted.
    The engine is disposed: open the database again afterwards.
    """
    from csdesk.paths import sqlite_path

    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is not None:
        engine.dispose()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from sqlmodel import SQLModel

    import csdesk.store.models  # noqa: F401  (registers the tables)

    with engine.begin() as conn:
        present = set(sa_inspect(conn).get_table_names())
        for table in reversed(SQLModel.metadata.sorted_tables):
            if table.name in present:
                conn.execute(table.delete())
    engine.dispose()


# --------------------------------------------------------------------------- the desk's texts

# Topics: what people call about.  Placeholders: {addr} 3栋2单元1201, {b} building,
# {u} unit, {fl} floor, {below} room below, {courier}, {order}, {tech}, {hm} a time
# of day, {staff} a staff number, {old4} last four digits, {dept} department name,
# {dphone} its phone, {sup} the supervisor, {amt} an amount in yuan.


@dataclass(frozen=True)
class Topic:
    key: str
    category: str
    subtype: str
    weight: float
    summaries: tuple[str, ...]
    handling: tuple[tuple[str, ...], ...]
    resolved: tuple[str, ...]  # result when settled on the call
    outcomes: dict[str, float]
    urgency: tuple[float, float, float] = (90, 9, 1)
    department: str = ""  # work orders and referrals
    fees: tuple[str, ...] = ()
    order_results: tuple[str, ...] = ()
    materials: tuple[str, ...] = ("",)
    channel: str = ""  # "": any of the everyday channels; else only this one
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
        {"work_order": 80, "resolved": 8, "promised": 8, "referred": 4},
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
        {"work_order": 70, "resolved": 20, "promised": 10},
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
        {"work_order": 85, "escalated": 6, "resolved": 9},
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
        {"work_order": 60, "resolved": 30, "promised": 10},
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
        {"work_order": 40, "resolved": 35, "referred": 25},
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
        {"work_order": 80, "resolved": 15, "promised": 5},
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
        {"referred": 45, "escalated": 35, "resolved": 20},
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
        {"resolved": 65, "promised": 30, "referred": 5},
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
        {"resolved": 40, "promised": 35, "referred": 25},
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
        {"resolved": 70, "promised": 20, "referred": 10},
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
        {"resolved": 85, "promised": 15},
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
        {"escalated": 100},
        urgency=(55, 38, 7),
    ),
    Topic(
        "quality", "complaint", "complaint.quality", 1.5,
        ("上周刚修好的水龙头又漏水了，维修质量太差",
         "楼道垃圾两天没人清理，有异味",
         "电梯刚修完又坏了，一个月第三次"),
        (("安抚客户", "调取原工单记录", "上报主管并安排返修"),),
        ("已安排返修",),
        {"escalated": 85, "work_order": 15},
        urgency=(60, 35, 5), department="engineering",
    ),
    Topic(
        "complaint_general", "complaint", "", 1,
        ("投诉小区绿化长期没人修剪，杂草很高",
         "投诉物业费涨价没有提前公示",
         "投诉地下车库灯坏了一个月没人管"),
        (("耐心倾听，确认诉求", "记录并上报主管"),),
        ("已向客户解释，客户表示理解",),
        {"escalated": 100},
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
        {"resolved": 85, "promised": 15},
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
        {"resolved": 80, "referred": 15, "promised": 5},
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
        {"resolved": 75, "referred": 25},
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
        {"work_order": 70, "referred": 30},
        urgency=(75, 22, 3), department="engineering", channel="patrol", anonymous=True,
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
        {"resolved": 100},
        channel="outbound",
    ),
    Topic(
        "visit_issue", "repair", "repair.water", 1,
        ("回访{addr}漏水维修，业主反映偶尔还有滴水",
         "回访{addr}空调清洗，业主说制冷还是不太好"),
        (("记录客户反馈", "开返修工单"),),
        ("已安排返修",),
        {"work_order": 100},
        urgency=(90, 10, 0), department="engineering", channel="outbound",
        order_results=("返修完成，客户确认不再滴水",),
    ),
)

TOPIC_BY_KEY = {t.key: t for t in TOPICS}

OUTCOME_RESULTS = {
    "work_order": ("已开工单，工程部{tech}已领单，约30分钟上门", "已开工单，与业主约定{hm}上门",
                   "已开工单并电话通知{dept}5分钟内领单"),
    "referred": ("已转{dept}处理，告知客户{dept}电话{dphone}，次日回访确认",),
    "promised": ("需查询核实，承诺1小时内回电答复", "已记录，承诺1小时内回复客户"),
    "escalated": ("客户情绪激动，已上报主管{sup}处理", "已按规定上报主管，主管将在半个工作日内答复"),
}
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
PROBLEMS = (
    ("problem", "App 报修页面偶尔白屏，客户反映提交不了"),
    ("problem", "快递柜经常满格，住户投诉多"),
    ("problem", "工程部晚上值班电话经常占线，领单慢"),
    ("problem", "电梯维保单位到场时间超过30分钟"),
    ("problem", "部分业主资料里的手机号已停用，回访打不通"),
    ("idea", "建议把停水停电通知同步到业主群和 App 推送"),
    ("idea", "建议常见问题整理成 FAQ，放在前台和小程序"),
    ("idea", "建议增加夜间工程值班人员"),
    ("idea", "建议回访话术增加对师傅着装的询问"),
)
HANDOVER_OTHER = ("{b}栋电梯明天9:00-11:00年检停运，来电请告知业主",
                  "明天上午停水检修（9:00-12:00），已在群里通知",
                  "前台打印机卡纸，已报信息技术部",
                  "今晚有暴雨预警，注意地下车库积水")
COURIERS = ("顺丰", "中通", "圆通", "韵达", "京东物流", "极兔", "EMS")
CHANNEL_DETAILS = (("app", 40), ("mini_program", 25), ("web", 15), ("wechat", 15), ("weibo", 5))
TIMES_OF_DAY = ("晚上10点", "下午3点", "中午12点", "早上8点", "晚上9点半", "下午5点")
SATISFACTION = ((5, 55), (4, 28), (3, 10), (2, 5), (1, 2))

# Hour-of-day weights (local time) of a desk open 09:00-23:00.
HOUR_WEIGHTS = (0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 2.5, 7, 9, 8.5,
                5.5, 6, 8, 8.5, 8, 7, 5.5, 6, 6, 4.5, 3, 1.2)
CHANNEL_WEIGHTS = (("phone", 55), ("walk_in", 15), ("online", 18), ("email", 4), ("outbound", 5), ("patrol", 3))
OUT_OF_HOURS_CHANNELS = (("online", 70), ("email", 15), ("patrol", 15))

# The desk's staff.  (staff_no, name, role, shift, rota offset, hired days ago, left days ago)
STAFF = (
    ("1001", "张敏", "agent", "day", 0, 900, None),
    ("1002", "刘洋", "agent", "day", 2, 700, None),
    ("1003", "陈静", "agent", "night", 0, 500, None),
    ("1004", "杨帆", "agent", "night", 3, 400, None),
    ("1005", "赵丽", "agent", "day", 4, 300, None),
    ("1006", "黄磊", "agent", "day", 1, 30, None),  # new staff
    ("1007", "周婷", "agent", "day", 3, 800, 45),  # left: deactivated
    ("2001", "李强", "supervisor", "day", 0, 1500, None),
    ("2002", "孙悦", "supervisor", "night", 0, 1200, None),
    ("9001", "王芳", "manager", "day", 0, 2000, None),
)
COMPLAINED_ABOUT = "1004"
NEW_STAFF = "1006"
TECHNICIANS = ("王建国", "刘师傅", "陈志强", "李卫东", "赵师傅", "孙海涛", "周师傅", "吴国平")
DEPARTMENT_NAMES = {"engineering": ("工程部", "8001"), "it": ("信息技术部", "8002"),
                    "logistics": ("物流部", "8003"), "after_sales": ("售后部", "8004"),
                    "security": ("安保部", "8005"), "cleaning": ("保洁部", "8006")}
DEADLINES = {"normal": 24 * 3600, "urgent": 2 * 3600, "critical": 3600}
COMMUNITY = "锦绣花园"


def _weighted(pairs):
    """(values, cumulative weights) for :meth:`_Gen.choice_w`."""
    pairs = tuple(pairs)
    values = tuple(v for v, _w in pairs)
    return values, tuple(accumulate(w for _v, w in pairs))


# --------------------------------------------------------------------------- result


@dataclass
class DemoSummary:
    contacts: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    search_index: bool = False  # the full-text index was rebuilt in bulk
    seed: int | None = None


# --------------------------------------------------------------------------- the generator


class _Gen:
    """One generation run: pools, id counters, row buffers."""

    def __init__(self, n_contacts: int, seed: int | None, now: datetime,
                 progress: Callable[[str], None] | None, *, dialect, next_ids: dict[str, int],
                 counters: dict[str, int], sink):
        self.n = n_contacts
        self.dialect = dialect
        self.sink = sink
        self.counters = dict(counters)  # number sequences, reserved here under the write lock
        self.reserved: dict[str, int] = {}
        self.rng = random.Random(seed)
        r = self.rng.random
        # Cheap draws for the hot loop (random.choice/randint cost ~1 µs each).
        self.pick = lambda seq: seq[int(r() * len(seq))]
        self.ri = lambda low, high: low + int(r() * (high - low + 1))
        self.rr = lambda n: int(r() * n)
        self.seed = seed
        self.now_dt = now.astimezone(UTC).replace(microsecond=0)
        self.now = int(self.now_dt.timestamp())
        self.tz = local_tz()
        self.progress = progress or (lambda _msg: None)
        self.counts: dict[str, int] = {}
        self._days: dict[int, str] = {}
        import csdesk.store.models as m

        self.m = m
        self.tables = {t: getattr(m, cls).__table__ for t, cls in (
            ("agent", "Agent"), ("customer", "Customer"), ("customerphone", "CustomerPhone"),
            ("contact", "Contact"), ("workorder", "WorkOrder"), ("workorderevent", "WorkOrderEvent"),
            ("complaint", "Complaint"), ("escalation", "Escalation"), ("callback", "Callback"),
            ("refusedvisit", "RefusedVisit"), ("handover", "Handover"), ("handoveritem", "HandoverItem"),
            ("handoverremark", "HandoverRemark"), ("problemlog", "ProblemLog"), ("meta", "Meta"))}
        self.defaults = {name: self._defaults(getattr(m, cls)) for name, cls in (
            ("agent", "Agent"), ("contact", "Contact"), ("workorder", "WorkOrder"), ("callback", "Callback"),
            ("complaint", "Complaint"), ("escalation", "Escalation"), ("customer", "Customer"),
            ("workorderevent", "WorkOrderEvent"), ("refusedvisit", "RefusedVisit"),
            ("handover", "Handover"), ("handoveritem", "HandoverItem"),
            ("handoverremark", "HandoverRemark"), ("problemlog", "ProblemLog"),
            ("customerphone", "CustomerPhone"))}
        self.sql = {}
        from csdesk.store.refdata import load_toml

        self.fee_prices = {f["code"]: (round(f["price"] * 100) if "price" in f else None)
                           for f in load_toml("fees.toml")["fee"]}
        # Topic urgency weights say which topics can be urgent; a desk sees few such calls.
        self.topic_cum = {t.key: (_weighted(zip(("normal", "urgent", "critical"),
                                                (t.urgency[0], t.urgency[1] * 0.3, t.urgency[2] * 0.25),
                                                strict=True)),
                                  _weighted(tuple(t.outcomes.items()))) for t in TOPICS}
        self.duty_cache: dict[tuple[str, int], list[str]] = {}
        # Handling steps, numbered one per line, per topic.
        self.handling = {t.key: tuple("\n".join(f"{i}. {step}" for i, step in enumerate(steps, 1))
                                      for steps in t.handling) for t in TOPICS}
        self.next_id = dict(next_ids)

    # ----------------------------------------------------------------- helpers

    @staticmethod
    def _defaults(model) -> dict:
        from pydantic_core import PydanticUndefined

        out = {}
        for name, info in model.model_fields.items():
            default = info.default
            if default is PydanticUndefined or callable(default):
                default = None
            out[name] = default
        return out

    def ts(self, epoch: int | float | None) -> str | None:
        """The stored form of an aware UTC time (``UTCDateTime`` on SQLite)."""
        if epoch is None:
            return None
        day, rest = divmod(int(epoch), 86400)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = self._days[day] = (datetime(1970, 1, 1) + timedelta(days=day)).strftime("%Y-%m-%d ")
        return prefix + _TIME_OF_DAY[rest]

    def local_day(self, epoch: int) -> date:
        return datetime.fromtimestamp(epoch, self.tz).date()

    def midnight(self, day: date) -> int:
        return int(datetime.combine(day, dtime(0), tzinfo=self.tz).timestamp())

    def ids(self, table: str, count: int = 1) -> int:
        first = self.next_id[table]
        self.next_id[table] = first + count
        return first

    def row(self, table: str, **values) -> dict:
        r = dict(self.defaults[table])
        r.update(values)
        return r

    def write(self, table: str, rows: list[dict]) -> None:
        """executemany of the table's compiled Core insert; values already in stored form."""
        if not rows:
            return
        compiled = self.sql.get(table)
        if compiled is None:
            # The table's Core insert() over all its columns, compiled once; rows go to the
            # DBAPI's executemany as tuples in column order (positional binding is twice
            # as fast as binding dicts by name).
            tbl = self.tables[table]
            stmt = insert(tbl).values({c.name: bindparam(c.name) for c in tbl.columns})
            compiled = stmt.compile(dialect=self.dialect)
            compiled = self.sql[table] = (str(compiled), itemgetter(*compiled.positiontup))
        sql, as_tuple = compiled
        self.sink.emit(sql, [as_tuple(r) for r in rows])
        self.counts[table] = self.counts.get(table, 0) + len(rows)

    def reserve(self, key: str, count: int) -> int:
        """Reserve ``count`` values of sequence ``key`` (as :func:`csdesk.store.numbers.next_value`
        does; the load holds the write lock, and the final values are stored at the end)."""
        first = self.counters.get(key, 0) + 1
        self.counters[key] = self.reserved[key] = first + count - 1
        return first

    def choice_w(self, values_cum):
        values, cum = values_cum
        return values[bisect.bisect(cum, self.rng.random() * cum[-1])]

    # ----------------------------------------------------------------- people

    def make_agents(self) -> None:
        from csdesk.services.accounts import hash_password

        pw = hash_password(DEMO_PASSWORD)  # argon2 is slow: one hash for every account
        today = self.local_day(self.now)
        self.agents = {}
        self.left_at = {}
        rows = []
        first = self.ids("agent", len(STAFF))
        for i, (staff_no, name, role, _shift, _offset, hired, left) in enumerate(STAFF):
            aid = first + i
            self.agents[staff_no] = aid
            if left is not None:
                self.left_at[staff_no] = self.now - left * 86400
            created = self.midnight(today - timedelta(days=hired)) + 9 * 3600
            rows.append(self.row("agent", id=aid, staff_no=staff_no, name=name, role=role, password_hash=pw,
                                 active=left is None, hire_date=(today - timedelta(days=hired)).isoformat(),
                                 password_changed_at=self.ts(self.now - self.ri(5, 80) * 86400),
                                 created_at=self.ts(created)))
        self.write("agent", rows)
        self.staff_no_of = {v: k for k, v in self.agents.items()}
        self.day_staff = [s for s in STAFF if s[2] == "agent" and s[3] == "day"]
        self.night_staff = [s for s in STAFF if s[2] == "agent" and s[3] == "night"]
        self.hired_at = {s[0]: self.midnight(today - timedelta(days=s[5])) for s in STAFF}

    def on_duty(self, shift: str, days_ago: int, epoch: int) -> list[str]:
        staff = self.day_staff if shift == "day" else self.night_staff
        out = [s[0] for s in staff
               if (days_ago + s[4]) % 7 not in (5, 6)
               and self.hired_at[s[0]] <= epoch and self.left_at.get(s[0], epoch + 1) > epoch]
        if not out:
            out = [s[0] for s in staff
                   if self.hired_at[s[0]] <= epoch and self.left_at.get(s[0], epoch + 1) > epoch]
        return out

    def make_customers(self) -> None:
        from faker import Faker

        from csdesk.domain.text import pinyin_initials

        rng = self.rng
        faker = Faker("zh_CN")
        faker.seed_instance(self.rr(2**31))
        n_cust = max(60, min(self.n // 5, 40_000))
        pool_size = max(200, min(n_cust, 6000))
        names = [faker.name() for _ in range(pool_size)]
        initials = {name: pinyin_initials(name) for name in set(names)}
        addresses = [faker.address().split(" ")[0] for _ in range(60)]
        prefixes = [str(p) for p in faker.provider("faker.providers.phone_number").phonenumber_prefixes]
        self.name_pool = names
        self.initials = initials

        # Unit addresses: buildings of 3 units, 18-33 floors, 2-4 rooms a floor.
        per_building = 3 * 26 * 3
        buildings = max(6, math.ceil(n_cust * 1.3 / per_building))
        self.buildings = buildings
        units: set[tuple[int, int, int]] = set()
        while len(units) < n_cust:
            b = self.ri(1, buildings)
            floors = 18 + (b * 7) % 16
            units.add((b, self.ri(1, 3), self.ri(1, floors) * 100 + self.ri(1, 3)))
        units_list = sorted(units)
        rng.shuffle(units_list)

        phones_seen: set[str] = set()

        def new_mobile() -> str:
            while True:
                p = self.pick(prefixes) + f"{self.rr(10**8):08d}"
                if p not in phones_seen:
                    phones_seen.add(p)
                    return p

        def new_landline() -> str:
            while True:
                area, width = self.pick((("010", 8), ("021", 8), ("0755", 8), ("0571", 8), ("020", 8)))
                p = area + str(self.ri(2, 8)) + f"{self.rr(10**(width - 1)):0{width - 1}d}"
                if p not in phones_seen:
                    phones_seen.add(p)
                    return p

        # Customers registered over three years; some in the last 90 days.
        created = []
        for _i in range(n_cust):
            if rng.random() < 0.1:
                created.append(self.now - self.ri(1, DAYS) * 86400 - self.ri(0, 86399))
            else:
                created.append(self.now - self.ri(DAYS + 1, 3 * 365) * 86400 - self.ri(0, 86399))
        created.sort()
        by_day: dict[str, list[int]] = {}
        for i, epoch in enumerate(created):
            by_day.setdefault(self.local_day(epoch).strftime("%Y%m%d"), []).append(i)
        codes = [""] * n_cust
        for day, idxs in by_day.items():
            first = self.reserve(f"C{day}", len(idxs))
            for k, i in enumerate(idxs):
                codes[i] = f"C{day}{first + k:03d}"

        first_id = self.ids("customer", n_cust)
        first_phone = self.next_id["customerphone"]
        agent_ids = [self.agents[s[0]] for s in STAFF if s[2] == "agent"]
        customers, phones = [], []
        # Parallel arrays for the per-contact hot loop.
        self.c_id, self.c_name, self.c_ini, self.c_unit, self.c_addr, self.c_short = [], [], [], [], [], []
        self.c_phones, self.c_created, self.c_b, self.c_u, self.c_room = [], [], [], [], []
        pid = first_phone
        for i in range(n_cust):
            cid = first_id + i
            name = self.pick(names)
            if rng.random() < 0.05:  # not a resident: a prospect or a visitor
                b = u = room = ""
                key = ""
                addr = self.pick(addresses)
                short = addr
            else:
                bn, un, rn = units_list[i]
                b, u, room = str(bn), str(un), str(rn)
                key = f"{b}-{u}-{room}"
                short = f"{b}栋{u}单元{room}"
                addr = f"{COMMUNITY}{short}室"
            note = self.pick(CUSTOMER_NOTES) if rng.random() < 0.08 else ""
            customers.append(self.row("customer", id=cid, code=codes[i], name=name, name_initials=initials[name],
                                      building=b, unit=u, room=room, unit_key=key, address=addr, note=note,
                                      created_at=self.ts(created[i]),
                                      created_by_id=self.pick(agent_ids) if rng.random() < 0.7 else None))
            nums = [new_mobile()]
            if rng.random() < 0.3:
                nums.append(new_landline() if rng.random() < 0.4 else new_mobile())
            for k, num in enumerate(nums):
                label = "" if k == 0 else ("座机" if num.startswith("0") else "家属")
                phones.append(self.row("customerphone", id=pid, customer_id=cid, phone=num, ext="",
                                       label=label, primary=k == 0))
                pid += 1
            self.c_id.append(cid)
            self.c_name.append(name)
            self.c_ini.append(initials[name])
            self.c_unit.append(key)
            self.c_addr.append(addr)
            self.c_short.append(short)
            self.c_phones.append(nums)
            self.c_created.append(created[i])
            self.c_b.append(b or "1")
            self.c_u.append(u or "1")
            self.c_room.append(room or "101")
        self.next_id["customerphone"] = pid
        self.write("customer", customers)
        self.write("customerphone", phones)
        self.sink.flush()
        self.n_cust = n_cust
        # Customers registered before the 90 days: any contact may be theirs.
        self.old_customers = sum(1 for c in created if c < self.now - DAYS * 86400)
        self.last_order: dict[int, tuple[int, str]] = {}
        self.refused_units: set[int] = set()

    # ----------------------------------------------------------------- contacts, day by day

    def plan_days(self) -> list[tuple[date, int, int]]:
        """(local day, its midnight, random contacts that day) for the last 90 days."""
        today = self.local_day(self.now)
        days = [today - timedelta(days=k) for k in range(DAYS - 1, -1, -1)]
        cum_hours = list(accumulate(HOUR_WEIGHTS))
        weights = []
        for d in days:
            w = 0.8 if d.weekday() >= 5 else 1.0
            w *= 1.0 + 0.15 * math.sin(d.toordinal() / 3.0)
            if d == today:
                now_local = datetime.fromtimestamp(self.now, self.tz)
                h = now_local.hour
                w *= ((cum_hours[h - 1] if h else 0) + HOUR_WEIGHTS[h] * now_local.minute / 60) / cum_hours[-1]
            weights.append(w)
        n = self.n - len(SCENARIO)
        total = sum(weights)
        raw = [n * w / total for w in weights]
        counts = [int(x) for x in raw]
        order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
        for i in order[: n - sum(counts)]:
            counts[i] += 1
        return [(d, self.midnight(d), c) for d, c in zip(days, counts, strict=True)]

    def slot_times(self, midnight: int, count: int) -> list[int]:
        rng = self.rng
        hours, cum = range(24), list(accumulate(HOUR_WEIGHTS))
        out = []
        limit = self.now - 60
        for _n in range(count):
            for _try in range(50):
                h = hours[bisect.bisect(cum, rng.random() * cum[-1])]
                e = midnight + h * 3600 + self.rr(3600)
                if e <= limit:
                    break
            else:
                e = max(midnight, limit - self.rr(3600))
            out.append(e)
        return out

    def pick_daytime_slots(self, plan, slots, count: int) -> list[tuple[int, int]]:
        """``count`` distinct random slots in opening hours (09-22), spread over the days."""
        rng = self.rng
        everything = [(di, si) for di, day_slots in enumerate(slots) for si in range(len(day_slots))] \
            if sum(len(s) for s in slots) < 20 * count else None
        picked: set[tuple[int, int]] = set()
        for _try in range(200 * count):
            if len(picked) == count:
                break
            if everything is not None:
                di, si = self.pick(everything)
            else:
                di = self.rr(len(slots))
                if not slots[di]:
                    continue
                si = self.rr(len(slots[di]))
            hour = (slots[di][si][0] - plan[di][1]) // 3600
            if 9 <= hour < 22:
                picked.add((di, si))
        if len(picked) < count and everything is not None:  # few slots: take any
            rest = [p for p in everything if p not in picked]
            picked.update(rng.sample(rest, min(len(rest), count - len(picked))))
        return sorted(picked)

    def generate(self) -> None:
        self.make_agents()
        self.progress(_("accounts written"))
        self.make_customers()
        self.progress(_("{n} customers written").format(n=self.n_cust))
        plan = self.plan_days()
        # Slots: (time, override).  Coverage overrides go to random daytime slots; the
        # scenario adds recent matters for agent 1001 and the supervisor.
        slots: list[list[tuple[int, dict | None]]] = []
        for _d, midnight, count in plan:
            slots.append([(e, None) for e in self.slot_times(midnight, count)])
        for (di, si), override in zip(self.pick_daytime_slots(plan, slots, len(COVERAGE)), COVERAGE,
                                      strict=False):
            slots[di][si] = (slots[di][si][0], override)
        day_index = {d: i for i, (d, _m, _c) in enumerate(plan)}
        for spec in SCENARIO:
            e = self.now - spec["ago"]
            slots[day_index.get(self.local_day(e), len(plan) - 1)].append((e, spec))
        total = 0
        step = max(1, len(plan) // 10)
        for di, ((day, midnight, _count), day_slots) in enumerate(zip(plan, slots, strict=True)):
            day_slots.sort(key=lambda s: s[0])
            self.make_day(day, midnight, len(plan) - 1 - di, day_slots)
            total += len(day_slots)
            self.sink.mark(total)
            if self.n >= 50_000 and (di + 1) % step == 0:
                self.progress(_("{n} contacts written").format(n=total))
        self.make_handovers()
        self.make_problem_logs()
        self.sink.flush()
        self.progress(_("handovers and problem logs written"))

    def make_day(self, day: date, midnight: int, days_ago: int, day_slots) -> None:
        rng = self.rng
        ymd = day.strftime("%Y%m%d")
        n = len(day_slots)
        first_ct = self.reserve(f"CT{ymd}", n) if n else 0
        first_cid = self.ids("contact", n)
        contacts, orders, events, complaints, escalations, callbacks, refused = [], [], [], [], [], [], []
        self.buf = (orders, events, complaints, escalations, callbacks, refused)
        wo_rows, cp_rows = [], []  # (row) needing a number
        ch_cum, ooh_cum, detail_cum = CHANNEL_CUM, OUT_OF_HOURS_CUM, DETAIL_CUM
        general = [t for t in TOPICS if not t.channel]
        gen_cum = (tuple(general), tuple(accumulate(t.weight for t in general)))
        by_channel = {ch: [t for t in TOPICS if t.channel == ch] for ch in ("patrol", "outbound")}
        for k, (e, spec) in enumerate(day_slots):
            spec = spec or {}
            hour = (e - midnight) // 3600
            # -- topic and channel
            topic = TOPIC_BY_KEY[spec["topic"]] if "topic" in spec else None
            if topic is None and "outcome" in spec:
                topic = self.pick([t for t in general if spec["outcome"] in t.outcomes])
            if topic is None and "urgency" in spec:
                ui = ("normal", "urgent", "critical").index(spec["urgency"])
                topic = self.pick([t for t in general if t.urgency[ui] > 0])
            channel = spec.get("channel")
            if topic is not None and topic.channel:
                channel = topic.channel
            if channel is None:
                if topic is None and (hour < 9 or hour >= 23):
                    channel = self.choice_w(ooh_cum)
                elif topic is not None:
                    channel = self.choice_w(ch_cum)
                    if channel in ("patrol", "outbound"):
                        channel = "phone"
                else:
                    channel = self.choice_w(ch_cum)
            if topic is None:
                if channel in by_channel:
                    topic = self.pick(by_channel[channel])
                else:
                    topic = self.choice_w(gen_cum)
            # -- agent: first-contact owner, by shift
            if "agent" in spec:
                staff_no = spec["agent"]
            else:
                shift = "night" if hour >= 18 else "day"
                duty = self.duty_cache.get((shift, days_ago))
                if duty is None:
                    duty = self.duty_cache[(shift, days_ago)] = self.on_duty(shift, days_ago, midnight + 12 * 3600)
                staff_no = "1001" if "1001" in duty and rng.random() < 0.1 else self.pick(duty)
            agent_id = self.agents[staff_no]
            # -- customer
            if topic.anonymous:
                ci = None
            else:
                ci = self.rr(self.n_cust)
                if self.c_created[ci] > e:
                    ci = self.rr(max(1, self.old_customers))
            if ci is not None:
                cust_id, cname, cini, ukey, caddr = (self.c_id[ci], self.c_name[ci], self.c_ini[ci],
                                                     self.c_unit[ci], self.c_addr[ci])
                nums = self.c_phones[ci]
                phone = nums[0] if len(nums) == 1 or rng.random() < 0.8 else nums[1]
                if channel == "online" and rng.random() < 0.3:
                    phone = ""
                short, b, u, room = self.c_short[ci], self.c_b[ci], self.c_u[ci], self.c_room[ci]
            else:
                cust_id, cname, cini, ukey, caddr, phone = None, "", "", "", "", ""
                b = str(self.ri(1, self.buildings))
                u, room = str(self.ri(1, 3)), "101"
                short = f"{b}栋"
            # -- urgency, outcome
            urg_cum, out_cum = self.topic_cum[topic.key]
            urgency = spec.get("urgency") or self.choice_w(urg_cum)
            outcome = spec.get("outcome") or self.choice_w(out_cum)
            # -- texts
            fl = int(room[:-2]) if len(room) > 2 and room[:-2].isdigit() else self.ri(2, 30)
            ctx = _Ctx(self, ymd, topic.department)
            ctx["addr"], ctx["b"], ctx["u"], ctx["fl"] = short, b, u, fl
            ctx["room"] = room
            si = self.rr(len(topic.summaries))
            ctx["si"] = si
            summary = spec.get("summary") or topic.summaries[si].format_map(ctx)
            handling = self.pick(self.handling[topic.key])
            if "{" in handling:
                handling = handling.format_map(ctx)
            if outcome == "resolved":
                result = _aligned(topic.resolved, topic.summaries, si, rng).format_map(ctx)
            else:
                result = self.pick(OUTCOME_RESULTS[outcome]).format_map(ctx)
            if channel in ("phone", "outbound"):
                duration = int(rng.lognormvariate(5.3, 0.6))
            elif channel == "walk_in":
                duration = int(rng.lognormvariate(6.2, 0.5))
            elif channel == "online":
                duration = int(rng.lognormvariate(6.0, 0.7))
            else:
                duration = None
            ended = e + duration if duration else e
            cid = first_cid + k
            number = f"CT{ymd}-{first_ct + k:04d}"
            ended_ts = self.ts(ended)
            c = {**self.defaults["contact"],
                 "id": cid, "number": number, "received_at": self.ts(e), "ended_at": ended_ts,
                 "channel": channel,
                 "channel_detail": self.choice_w(detail_cum) if channel == "online" else "",
                 "customer_id": cust_id, "customer_name": cname, "name_initials": cini, "phone": phone,
                 "unit_key": ukey, "address": caddr, "category": topic.category, "subtype": topic.subtype,
                 "urgency": urgency, "summary": summary, "handling": handling, "result": result,
                 "outcome": outcome, "agent_id": agent_id, "agent_staff_no": staff_no,
                 "duration_s": duration, "created_at": ended_ts}
            if topic.key == "info_change":
                ok = rng.random() < 0.95
                c["identity_verified"] = ok
                c["verified_by"] = self.pick(("last4", "order_name"))
                if not ok:
                    c["result"] = "身份核验未通过，请业主携带证件到前台办理"
            if topic.key == "presales":
                c["converted"] = rng.random() < 0.35
            info = _ContactInfo(cid, number, e, ended, staff_no, agent_id, cust_id, cname, phone, ukey, caddr,
                                topic, urgency, summary, spec, short, ctx)
            closed_at = ended
            if outcome == "resolved":
                if channel in ("phone", "online", "walk_in") and rng.random() < 0.5:
                    c["satisfaction"] = self.choice_w(SAT_CUM)
            elif outcome == "work_order":
                wo = self.make_order(info)
                wo_rows.append(wo)
                c["work_order_id"] = wo["id"]
                closed_at = wo["_closed"]
            elif outcome == "referred":
                dept = topic.department or "after_sales"
                c["referred_department"] = dept
                c["referral_contact"] = "{} {}".format(*DEPARTMENT_NAMES[dept])
                closed_at = self.make_callback_chain(info, "referral_check",
                                                     self.midnight(day + timedelta(days=1)) + 10 * 3600
                                                     + self.rr(3 * 3600))
            elif outcome == "promised":
                closed_at = self.make_callback_chain(info, "promised_reply", ended + 3600)
            elif outcome == "escalated":
                if topic.category == "complaint":
                    cp = self.make_complaint(info)
                    cp_rows.append(cp)
                    c["complaint_id"] = cp["id"]
                    closed_at = cp["_closed"]
                    c["escalation_reason"] = cp["escalation_reason"]
                else:
                    c["escalation_reason"] = self.pick(ESCALATION_REASONS[2:])
                    closed_at = self.make_escalation(info, "manual" if urgency == "normal" else urgency,
                                                     c["escalation_reason"], ack=spec.get("ack"))
            if urgency != "normal" and outcome != "escalated":
                c["escalation_reason"] = "特急：存在安全隐患或重大损失" if urgency == "critical" else "紧急事项，按规定上报"
                self.make_escalation(info, urgency, c["escalation_reason"], ack=spec.get("ack"))
            if closed_at is not None and closed_at <= self.now:
                c["status"] = "closed"
                c["closed_at"] = self.ts(closed_at)
            else:
                c["status"] = "open"
            contacts.append(c)
        # Numbers, allocated per local day in time order.
        if wo_rows:
            first = self.reserve(f"WO{ymd}", len(wo_rows))
            for i, wo in enumerate(wo_rows):
                wo["number"] = f"WO{ymd}-{first + i:04d}"
                if wo["customer_id"] is not None:
                    self.last_order[wo["customer_id"]] = (wo["id"], wo["number"])
        if cp_rows:
            first = self.reserve(f"CP{ymd}", len(cp_rows))
            for i, cp in enumerate(cp_rows):
                cp["number"] = f"CP{ymd}-{first + i:04d}"
        for wo in orders:
            del wo["_closed"]
        for cp in complaints:
            del cp["_closed"]
        self.write("workorder", orders)
        self.write("complaint", complaints)
        self.write("contact", contacts)
        self.write("workorderevent", events)
        self.write("escalation", escalations)
        self.write("callback", callbacks)
        self.write("refusedvisit", refused)
        if days_ago <= 20:
            self.keep_for_handover(day, orders, callbacks)
        self.sink.flush()

    # ----------------------------------------------------------------- work orders

    def make_order(self, info: _ContactInfo) -> dict:
        rng = self.rng
        spec = info.spec
        topic = info.topic
        now = self.now
        oid = self.ids("workorder")
        created = info.ended + self.ri(30, 240)
        if created > now:
            created = now - 1
        deadline = created + DEADLINES[info.urgency]
        age = now - created
        target = spec.get("order_status")
        if target is None:
            target = self.choice_w(ORDERS_OLD if age > 3 * 86400 else ORDERS_RECENT if age > 86400
                                   else ORDERS_TODAY)
        tech = info.ctx["tech"]
        staff, aid = info.staff_no, info.agent_id
        fast = info.urgency != "normal"
        dispatched = created + self.ri(60, 300 if fast else 600)
        started = dispatched + (self.ri(300, 1800) if fast else self.ri(600, 6 * 3600))
        if fast:
            completed = started + self.ri(15 * 60, 150 * 60 if info.urgency == "urgent" else 80 * 60)
        else:
            completed = started + int(rng.lognormvariate(8.6, 0.9))  # a few hours, some over a day
        if "done_ago" in spec:
            completed = now - spec["done_ago"]
            started = min(started, completed - 1800)
            dispatched = min(dispatched, started - 600)
        # What has happened by now decides how far the order got.
        chain = ("open", "dispatched", "in_progress", "done", "closed")
        if target in chain:
            times = {"open": created, "dispatched": dispatched, "in_progress": started, "done": completed}
            idx = chain.index(target)
            while idx > 0 and chain[idx] != "closed" and times[chain[idx]] > now:
                idx -= 1
            target = chain[idx] if not (chain[idx] == "closed" and completed > now) else "in_progress"
            if target == "in_progress" and started > now:
                target = "dispatched" if dispatched <= now else "open"
        paid = bool(topic.fees) and (spec.get("paid") or rng.random() < 0.28)
        fee_code = self.pick(topic.fees) if paid else ""
        price = self.fee_prices.get(fee_code)
        wo = {**self.defaults["workorder"],
              "id": oid, "number": None, "contact_id": info.cid, "customer_id": info.cust_id,
              "customer_name": info.cname, "phone": info.phone, "unit_key": info.ukey, "address": info.caddr,
              "description": info.summary, "category": topic.category, "subtype": topic.subtype,
              "urgency": info.urgency, "department": topic.department or "engineering",
              "deadline_at": self.ts(deadline), "paid": paid, "fee_item_code": fee_code,
              "quoted_fee_fen": price if paid else None, "status": target, "owner_id": aid,
              "created_by_id": aid, "created_at": self.ts(created), "_closed": None}
        if info.urgency == "normal" and rng.random() < 0.3:
            appt_day = self.local_day(created) + timedelta(days=1)
            wo["appointment_at"] = self.ts(self.midnight(appt_day) + self.pick((9, 10, 14, 15, 16)) * 3600)
        ev = self.buf[1]
        ev_def = self.defaults["workorderevent"]

        def event(at, frm, to, note, who=staff, who_id=aid):
            ev.append({**ev_def, "id": self.ids("workorderevent"), "work_order_id": oid, "at": self.ts(at),
                       "agent_id": who_id, "staff_no": who, "from_status": frm, "to_status": to, "note": note})

        event(created, "", "open", f"由 {info.number} 开单，已通知{DEPARTMENT_NAMES[wo['department']][0]}领单")
        last = "open"
        if target == "cancelled":
            at = min(now, created + self.ri(600, 20 * 3600))
            if rng.random() < 0.5 and dispatched < at:
                event(dispatched, "open", "dispatched", f"派工：{tech}")
                last = "dispatched"
                wo["dispatched_at"] = self.ts(dispatched)
                wo["assignee"] = tech
            reason = self.pick(CANCEL_REASONS)
            event(at, last, "cancelled", reason)
            wo["cancel_reason"] = reason
            wo["closed_at"] = self.ts(at)
            wo["_closed"] = at
        elif target == "on_hold":
            event(dispatched if dispatched <= now else created, "open", "dispatched", f"派工：{tech}")
            wo["dispatched_at"] = self.ts(min(dispatched, now))
            wo["assignee"] = tech
            at = min(now, dispatched + self.ri(600, 8 * 3600))
            reason = self.pick(HOLD_REASONS)
            event(at, "dispatched", "on_hold", reason)
            wo["hold_reason"] = reason
        elif target != "open":
            event(dispatched, "open", "dispatched", f"派工：{tech}（{DEPARTMENT_NAMES[wo['department']][0]}）")
            wo["dispatched_at"] = self.ts(dispatched)
            wo["assignee"] = tech
            wo["copies_printed"] = 3
            if target in ("in_progress", "done", "closed"):
                event(started, "dispatched", "in_progress", f"{tech}已上门处理")
            if target in ("done", "closed"):
                self.complete_order(wo, info, completed, tech, event)
        overdue = wo["status"] in ("open", "dispatched", "in_progress", "on_hold") and deadline < now
        if overdue:
            esc_at = deadline + self.ri(30, 300)
            if esc_at <= now:
                wo["overdue_escalated_at"] = self.ts(esc_at)
                self.make_escalation(info, "overdue", f"工单超时未完成（{tech or '未派工'}）", at=esc_at,
                                     work_order_id=oid, ack=spec.get("ack"))
        self.buf[0].append(wo)
        return wo

    def complete_order(self, wo: dict, info: _ContactInfo, completed: int, tech: str, event) -> None:
        rng = self.rng
        spec = info.spec
        topic = info.topic
        now = self.now
        result = _aligned(topic.order_results or ("处理完成",), topic.summaries, info.ctx["si"], rng)
        sat = spec.get("satisfaction") or self.choice_w(SAT_CUM)
        wo.update(completed_at=self.ts(completed), result=result, materials=self.pick(topic.materials),
                  customer_opinion=self.pick(LOW_OPINIONS if sat <= 3 else OPINIONS),
                  signed=rng.random() < 0.92, satisfaction=sat, completed_by=tech)
        if wo["paid"]:
            price = wo["quoted_fee_fen"]
            wo["fee_charged_fen"] = price if price is not None else self.ri(10, 60) * 1000
        event(completed, "in_progress", "done", f"完工：{result}")
        if sat <= 3:
            self.make_callback_chain(info, "low_score", completed + 2 * 3600, work_order_id=wo["id"],
                                     note=f"满意度{sat}分，2小时内回访了解改进意见")
        owner = info.staff_no
        visit = (wo["paid"] or owner in (NEW_STAFF, COMPLAINED_ABOUT) or info.topic.category == "complaint"
                 or spec.get("visit") or rng.random() < 0.3)
        if spec.get("visit") is False:
            visit = False
        closed_at = None
        if visit:
            due = self.midnight(self.local_day(completed) + timedelta(days=1)) + self.ri(10 * 3600, 16 * 3600)
            if "visit_due_in" in spec:
                due = now + spec["visit_due_in"]
            closed_at = self.make_callback_chain(info, "return_visit", due, work_order_id=wo["id"],
                                                 note="完工次日回访：维修结果、服务态度、收费是否相符")
        else:
            closed_at = completed + self.ri(3600, 20 * 3600)
        if spec.get("order_status") == "done":
            closed_at = None
        if closed_at is not None and closed_at <= now:
            wo["status"] = "closed"
            wo["closed_at"] = self.ts(closed_at)
            wo["_closed"] = closed_at
            event(closed_at, "done", "closed", "回访完成，关闭工单" if visit else "完工确认，关闭工单")
        else:
            wo["status"] = "done"

    # ----------------------------------------------------------------- call-backs, escalations, complaints

    def make_callback_chain(self, info: _ContactInfo, kind: str, due: int, *, work_order_id=None,
                            complaint_id=None, note: str = "") -> int | None:
        """A call-back and what came of it; returns when the matter was settled (or None)."""
        rng = self.rng
        spec = info.spec
        now = self.now
        if spec.get("callback") == kind and "due_in" in spec:
            due = now + spec["due_in"]
        owner = info.staff_no
        if owner in self.left_at and due > self.left_at[owner]:
            owner = "1002"
        aid = self.agents[owner]
        cb_def = self.defaults["callback"]
        notes = {"promised_reply": f"承诺1小时内答复：{info.summary[:40]}",
                 "referral_check": f"次日回访确认转办结果：{info.summary[:40]}",
                 "low_score": note, "return_visit": note, "retry": "客户忙，稍后再拨"}
        created = min(info.ended, now)
        cb = {**cb_def, "id": self.ids("callback"), "kind": kind, "due_at": self.ts(due), "agent_id": aid,
              "customer_id": info.cust_id, "customer_name": info.cname, "phone": info.phone,
              "contact_id": info.cid, "work_order_id": work_order_id, "complaint_id": complaint_id,
              "note": notes.get(kind) or note, "created_at": self.ts(created), "created_by_id": info.agent_id}
        self.buf[4].append(cb)
        open_wanted = spec.get("callback") == kind and spec.get("open", True)
        done_at = due - self.ri(0, 50 * 60) if kind == "promised_reply" else due + self.ri(0, 90 * 60)
        if kind == "promised_reply" and rng.random() < 0.1:
            done_at = due + self.ri(5 * 60, 3 * 3600)  # a promise kept late
        done_at = max(done_at, created + 60)
        if open_wanted or done_at > now:
            if "attempts" in spec and spec.get("callback") == kind:
                cb["attempts"] = spec["attempts"]
            return None
        if kind == "return_visit" and spec.get("visit_result"):
            res = spec["visit_result"]
        elif kind in ("return_visit", "referral_check"):
            res = self.choice_w(VISIT_RESULTS)
            if info.cust_id in self.refused_units:
                res = "refused"
        else:
            res = self.choice_w(CALL_RESULTS)
        cb.update(done_at=self.ts(done_at), done_by_id=aid, result=res, attempts=1)
        if res == "done":
            cb["result_note"] = {"promised_reply": "已回电答复客户，客户认可",
                                 "referral_check": "客户确认问题已解决",
                                 "low_score": "已了解原因并致歉，意见已反馈工程部",
                                 "return_visit": self.pick(VISIT_NOTES),
                                 "retry": "再次致电，回访完成"}[kind]
            return done_at
        if res == "refused":
            cb["result_note"] = self.pick(REFUSAL_REASONS)
            if info.cust_id is not None and info.cust_id not in self.refused_units:
                self.refused_units.add(info.cust_id)
                self.buf[5].append({**self.defaults["refusedvisit"], "id": self.ids("refusedvisit"),
                                    "customer_id": info.cust_id, "unit_key": info.ukey, "phone": info.phone,
                                    "reason": cb["result_note"], "recorded_at": self.ts(done_at),
                                    "recorded_by_id": aid, "active": True})
            return done_at
        cb["result_note"] = "客户在忙，已致歉并约稍后再拨" if res == "busy" else "无人接听"
        retry_due = done_at + self.ri(2 * 3600, 26 * 3600)
        if spec.get("callback") == "retry" and "due_in" in spec:
            retry_due = now + spec["due_in"]
        return self.make_callback_chain(info, "retry", retry_due, work_order_id=work_order_id,
                                        complaint_id=complaint_id, note="客户忙，稍后再拨") \
            if kind != "retry" else done_at

    def make_escalation(self, info: _ContactInfo, reason: str, why: str, *, at: int | None = None,
                        work_order_id=None, complaint_id=None, ack=None) -> int | None:
        rng = self.rng
        now = self.now
        at = min(now, info.ended + self.ri(20, 120)) if at is None else at
        who = "李强" if (at - self.midnight(self.local_day(at))) // 3600 < 18 else "孙悦"
        sup = self.agents["2001" if who == "李强" else "2002"]
        row = {**self.defaults["escalation"], "id": self.ids("escalation"), "reason": reason,
               "summary": f"{info.short} {info.summary}"[:120] + f"（{why}）",
               "contact_id": info.cid, "work_order_id": work_order_id, "complaint_id": complaint_id,
               "customer_id": info.cust_id, "created_at": self.ts(at), "created_by_id": info.agent_id}
        ack_at = at + self.ri(120, 40 * 60)
        if ack is None:
            ack = ack_at <= now and (now - at > 6 * 3600 or rng.random() < 0.6)
        if ack and ack_at <= now:
            row.update(acknowledged_at=self.ts(ack_at), acknowledged_by_id=sup,
                       note=self.pick(("已电话联系客户安抚", "已协调工程部优先处理", "已知悉，跟进中")))
            self.buf[3].append(row)
            return ack_at
        self.buf[3].append(row)
        return None

    def make_complaint(self, info: _ContactInfo) -> dict:
        rng = self.rng
        spec = info.spec
        now = self.now
        cpid = self.ids("complaint")
        escalated = info.ended + self.ri(60, 600)
        status = spec.get("complaint_status")
        if status is None:
            if escalated > now:
                status = "open"
            elif now - escalated > 12 * 3600:
                status = "closed" if rng.random() < 0.92 else "escalated"
            else:
                status = "closed" if rng.random() < 0.4 else "escalated"
        about_agent = None
        if info.topic.key == "service" and rng.random() < 0.5:
            about_agent = self.agents[COMPLAINED_ABOUT]
        last = self.last_order.get(info.cust_id) if info.cust_id is not None else None
        reason = self.pick(ESCALATION_REASONS[:3])
        phone = info.phone
        cp = {**self.defaults["complaint"],
              "id": cpid, "number": None, "customer_id": info.cust_id, "customer_name": info.cname,
              "contact_phone": phone if rng.random() < 0.8 else (f"…{phone[-4:]}" if phone else ""),
              "complained_at": self.ts(info.e), "about": info.summary,
              "order_ref": (last[1] if last and info.topic.key == "quality"
                            else info.ctx["order"] if info.topic.key == "service" and rng.random() < 0.5 else ""),
              "work_order_id": last[0] if last and info.topic.key == "quality" else None,
              "contact_id": info.cid, "first_handler_id": info.agent_id,
              "first_handler_staff_no": info.staff_no, "about_agent_id": about_agent,
              "status": status, "_closed": None}
        if status != "open":
            escalated = min(escalated, now)
            cp.update(escalated_at=self.ts(escalated), escalation_reason=reason,
                      supervisor_id=self.agents["2001"])
            ack = self.make_escalation(info, "complaint", reason, at=escalated, complaint_id=cpid,
                                       ack=True if status == "closed" else spec.get("ack"))
            if ack is not None or status == "closed":
                cp["plan"] = self.pick(COMPLAINT_PLANS)
        if status == "closed":
            closed = min(now, escalated + self.ri(3600, 6 * 3600))
            cp.update(customer_response=self.pick(COMPLAINT_RESPONSES[:3]), closed_at=self.ts(closed))
            cp["_closed"] = closed
        self.buf[2].append(cp)
        return cp

    # ----------------------------------------------------------------- handovers, problem logs

    def keep_for_handover(self, day: date, orders: list[dict], callbacks: list[dict]) -> None:
        if not hasattr(self, "handover_pool"):
            self.handover_pool = {}
        pick = [o for o in orders if o["status"] not in ("closed", "cancelled")][:6] or orders[:3]
        cbs = [c for c in callbacks if c["done_at"] is None][:4]
        self.handover_pool[day] = (pick, cbs)

    def make_handovers(self) -> None:
        rng = self.rng
        now = self.now
        pool = getattr(self, "handover_pool", {})
        today = self.local_day(now)
        handovers, items, remarks = [], [], []
        hdef, idef, rdef = self.defaults["handover"], self.defaults["handoveritem"], self.defaults["handoverremark"]
        for k in range(14, 0, -1):
            day = today - timedelta(days=k)
            midnight = self.midnight(day)
            next_midnight = self.midnight(day + timedelta(days=1))
            day_duty = self.on_duty("day", k, midnight + 12 * 3600) or ["1001"]
            night_duty = self.on_duty("night", k, midnight + 20 * 3600) or ["1003"]
            next_day_duty = self.on_duty("day", k - 1, next_midnight + 12 * 3600) or ["1001"]
            for shift, frm, to, written, ack_at in (
                    ("day", self.pick(day_duty), self.pick(night_duty), midnight + 17 * 3600 + 40 * 60,
                     midnight + 18 * 3600 + self.ri(60, 600)),
                    ("night", self.pick(night_duty), self.pick(next_day_duty), midnight + 22 * 3600 + 45 * 60,
                     next_midnight + 9 * 3600 + self.ri(60, 900))):
                last = k == 1 and shift == "night"
                if last:
                    frm, to = "1003", "1001"
                hid = self.ids("handover")
                submitted = written + self.ri(300, 900)
                h = {**hdef, "id": hid, "shift_code": shift, "shift_date": day.isoformat(),
                     "from_agent_id": self.agents[frm], "to_agent_id": self.agents[to],
                     "notes": self.pick(HANDOVER_OTHER).format(b=self.ri(1, self.buildings)),
                     "written_at": self.ts(written), "submitted_at": self.ts(submitted)}
                if last or ack_at > now:
                    h["status"] = "submitted"
                else:
                    h.update(status="acknowledged", acknowledged_at=self.ts(ack_at),
                             acknowledged_by_id=self.agents[to])
                    if shift == "night":
                        h.update(reviewed_at=self.ts(ack_at + self.ri(600, 3600)),
                                 reviewed_by_id=self.agents["2001"])
                handovers.append(h)
                orders, cbs = pool.get(day, ([], []))
                sort = 0
                for o in orders[:3]:
                    items.append({**idef, "id": self.ids("handoveritem"), "handover_id": hid, "kind": "customer",
                                  "text": f"{o['customer_name'] or o['unit_key'] or '公共区域'}：{o['description'][:40]}",
                                  "state": f"工单{o['number']}，{_STATE_ZH.get(o['status'], o['status'])}",
                                  "customer_id": o["customer_id"], "work_order_id": o["id"], "sort": sort,
                                  "acknowledged_at": h["acknowledged_at"]})
                    sort += 1
                for cb in cbs[:2]:
                    items.append({**idef, "id": self.ids("handoveritem"), "handover_id": hid, "kind": "priority",
                                  "text": f"先回复{cb['customer_name'] or '客户'}：{cb['note'][:40]}",
                                  "state": "待回电", "customer_id": cb["customer_id"], "callback_id": cb["id"],
                                  "sort": sort, "acknowledged_at": h["acknowledged_at"]})
                    sort += 1
                if rng.random() < 0.6 or last:
                    items.append({**idef, "id": self.ids("handoveritem"), "handover_id": hid, "kind": "prospect",
                                  "text": f"{self.pick(self.name_pool)} 咨询车位租售，意向较强，明天上午回电",
                                  "state": "待联系", "sort": sort, "acknowledged_at": h["acknowledged_at"]})
                    sort += 1
                items.append({**idef, "id": self.ids("handoveritem"), "handover_id": hid, "kind": "other",
                              "text": h["notes"], "sort": sort, "acknowledged_at": h["acknowledged_at"]})
                if h["status"] == "acknowledged" and rng.random() < 0.25:
                    remarks.append({**rdef, "id": self.ids("handoverremark"), "handover_id": hid,
                                    "at": self.ts(ack_at + self.ri(1800, 4 * 3600)),
                                    "agent_id": self.agents[self.pick((to, "2001"))],
                                    "text": self.pick(("补充：业主已回电，漏水已止住，工单继续跟进",
                                                        "补充：意向客户已联系，约周六看车位",
                                                        "主管已阅，夜班处理及时"))})
        if not remarks and handovers:
            acked = [h for h in handovers if h["status"] == "acknowledged"]
            if acked:
                remarks.append({**rdef, "id": self.ids("handoverremark"), "handover_id": acked[-1]["id"],
                                "at": acked[-1]["acknowledged_at"], "agent_id": self.agents["2001"],
                                "text": "主管已阅"})
        self.write("handover", handovers)
        self.write("handoveritem", items)
        self.write("handoverremark", remarks)

    def make_problem_logs(self) -> None:
        rows = []
        for staff_no, *_rest in STAFF:
            if STAFF_ROLE[staff_no] != "agent":
                continue
            start = max(self.hired_at[staff_no], self.now - DAYS * 86400)
            end = self.left_at.get(staff_no, self.now)
            for _n in range(self.ri(4, 9)):
                kind, words = self.pick(PROBLEMS)
                rows.append({**self.defaults["problemlog"], "agent_id": self.agents[staff_no],
                             "at": self.ts(self.ri(start, end)), "kind": kind, "text": words})
        rows.sort(key=lambda r: r["at"])
        first = self.ids("problemlog", len(rows))
        for i, r in enumerate(rows):
            r["id"] = first + i
        self.write("problemlog", rows)


STAFF_ROLE = {s[0]: s[2] for s in STAFF}
SAT_CUM = _weighted(SATISFACTION)
CHANNEL_CUM = _weighted(CHANNEL_WEIGHTS)
OUT_OF_HOURS_CUM = _weighted(OUT_OF_HOURS_CHANNELS)
DETAIL_CUM = _weighted(CHANNEL_DETAILS)
VISIT_RESULTS = _weighted((("done", 84), ("busy", 8), ("no_answer", 5), ("refused", 3)))
CALL_RESULTS = _weighted((("done", 94), ("no_answer", 6)))
# Where a work order has got to, by its age (older than 3 days / 1-3 days / today).
ORDERS_OLD = _weighted((("closed", 88), ("cancelled", 6), ("done", 2.5), ("on_hold", 2), ("in_progress", 1),
                        ("dispatched", 0.5)))
ORDERS_RECENT = _weighted((("closed", 40), ("done", 25), ("in_progress", 12), ("on_hold", 8), ("dispatched", 8),
                           ("cancelled", 5), ("open", 2)))
ORDERS_TODAY = _weighted((("open", 20), ("dispatched", 25), ("in_progress", 25), ("done", 15), ("on_hold", 7),
                          ("cancelled", 5), ("closed", 3)))
# "HH:MM:SS.000000" for every second of a day: timestamps are a lookup and a concatenation.
_TIME_OF_DAY = tuple(f"{h:02d}:{m:02d}:{sec:02d}{_TS_SUFFIX}" for h in range(24) for m in range(60)
                     for sec in range(60))
_STATE_ZH = {"open": "新建", "dispatched": "已派工", "in_progress": "处理中", "done": "已完成待回访",
             "on_hold": "挂起", "closed": "已关闭", "cancelled": "已取消"}


class _Ctx(dict):
    """Template values, drawn only when a template asks for them."""

    __slots__ = ("gen", "ymd", "dept")

    def __init__(self, gen: _Gen, ymd: str, dept: str):
        super().__init__()
        self.gen, self.ymd, self.dept = gen, ymd, dept or "after_sales"

    def __missing__(self, key: str):
        g = self.gen
        if key == "below":
            room = self["room"]
            value = f"{max(1, self['fl'] - 1)}{room[-2:]}"
        elif key == "courier":
            value = g.pick(COURIERS)
        elif key == "order":  # an order number as the customer quotes it: date + sequence
            value = f"{self.ymd[:6]}{g.ri(1, 28):02d}{g.ri(1, 999):03d}"
        elif key == "tech":
            value = g.pick(TECHNICIANS)
        elif key == "hm":
            value = g.pick(TIMES_OF_DAY)
        elif key == "staff":
            value = g.pick(("1002", "1004", "1005", "1004"))
        elif key == "old4":
            value = f"{g.rr(10000):04d}"
        elif key == "dept":
            value = DEPARTMENT_NAMES[self.dept][0]
        elif key == "dphone":
            value = DEPARTMENT_NAMES[self.dept][1]
        elif key == "sup":
            value = "李强"
        else:
            raise KeyError(key)
        self[key] = value
        return value


@dataclass(slots=True)
class _ContactInfo:
    cid: int
    number: str
    e: int
    ended: int
    staff_no: str
    agent_id: int
    cust_id: int | None
    cname: str
    phone: str
    ukey: str
    caddr: str
    topic: Topic
    urgency: str
    summary: str
    spec: dict
    short: str
    ctx: dict


def _aligned(options: tuple[str, ...], summaries: tuple[str, ...], index: int, rng: random.Random) -> str:
    """The text written for summary ``index`` when the lists run in parallel; else any."""
    return options[index] if len(options) == len(summaries) else options[int(rng.random() * len(options))]


# Coverage: one contact at least for every channel, topic (so every category and
# sub-type), urgency and outcome, whatever the random draw.
COVERAGE: tuple[dict, ...] = (
    *({"channel": ch} for ch, _w in CHANNEL_WEIGHTS),
    *({"topic": t.key} for t in TOPICS),
    *({"urgency": u} for u in ("normal", "urgent", "critical")),
    *({"outcome": o} for o in ("resolved", "work_order", "referred", "promised", "escalated")),
)

# Today's desk: recent matters that fill agent 1001's queues and the supervisor's,
# and put a work order in every state.  "ago" is seconds before now.
_M, _H = 60, 3600
SCENARIO: tuple[dict, ...] = (
    {"ago": 15 * _M, "agent": "1001", "topic": "leak", "channel": "phone", "urgency": "normal",
     "outcome": "work_order", "order_status": "open"},
    {"ago": 50 * _M, "agent": "1001", "topic": "elevator", "channel": "phone", "urgency": "critical",
     "outcome": "work_order", "order_status": "dispatched", "ack": False,
     "summary": "3栋2单元电梯卡在12楼，有人被困"},
    {"ago": 200 * _M, "agent": "1001", "topic": "power", "channel": "phone", "urgency": "urgent",
     "outcome": "work_order", "order_status": "in_progress", "ack": False},
    {"ago": 27 * _H, "agent": "1001", "topic": "leak", "channel": "walk_in", "urgency": "normal",
     "outcome": "work_order", "order_status": "in_progress", "ack": False},
    {"ago": 26 * _H, "agent": "1001", "topic": "door", "channel": "phone", "urgency": "normal",
     "outcome": "work_order", "order_status": "on_hold"},
    {"ago": 28 * _H, "agent": "1001", "topic": "fixture", "channel": "phone", "urgency": "normal",
     "outcome": "work_order", "order_status": "done", "paid": True, "done_ago": 20 * _H, "satisfaction": 5,
     "visit": True, "callback": "return_visit", "visit_due_in": 40 * _M},
    {"ago": 6 * _H, "agent": "1001", "topic": "leak", "channel": "phone", "urgency": "normal",
     "outcome": "work_order", "order_status": "done", "done_ago": 90 * _M, "satisfaction": 2,
     "visit": False, "callback": "low_score"},
    {"ago": 20 * _H, "agent": "1001", "topic": "door", "channel": "online", "urgency": "normal",
     "outcome": "work_order", "order_status": "cancelled"},
    {"ago": 50 * _H, "agent": "1001", "topic": "network", "channel": "phone", "urgency": "normal",
     "outcome": "work_order", "order_status": "closed", "done_ago": 40 * _H, "visit": False},
    {"ago": 40 * _M, "agent": "1001", "topic": "fees", "channel": "phone", "urgency": "normal",
     "outcome": "promised", "callback": "promised_reply"},
    {"ago": 100 * _M, "agent": "1001", "topic": "delivery", "channel": "online", "urgency": "normal",
     "outcome": "promised", "callback": "promised_reply"},
    {"ago": 22 * _H, "agent": "1001", "topic": "noise", "channel": "phone", "urgency": "normal",
     "outcome": "referred", "callback": "referral_check", "due_in": 90 * _M},
    {"ago": 30 * _H, "agent": "1001", "topic": "leak", "channel": "phone", "urgency": "normal",
     "outcome": "work_order", "order_status": "closed", "done_ago": 26 * _H, "visit": True,
     "visit_due_in": -3 * _H, "visit_result": "busy", "callback": "retry", "due_in": 2 * _H,
     "satisfaction": 4},
    {"ago": 35 * _M, "agent": "1001", "topic": "service", "channel": "phone", "urgency": "urgent",
     "outcome": "escalated", "complaint_status": "escalated", "ack": False},
    {"ago": 29 * _H, "agent": "1001", "topic": "service", "channel": "phone", "urgency": "normal",
     "outcome": "escalated", "complaint_status": "closed"},
    {"ago": 4 * _H, "agent": "1001", "topic": "elevator", "channel": "phone", "urgency": "normal",
     "outcome": "escalated", "ack": True, "summary": "2栋1单元电梯本周第三次停运，业主要求主管给说法"},
    {"ago": 10 * _M, "agent": "1001", "topic": "leak", "channel": "phone", "urgency": "critical",
     "outcome": "escalated", "ack": False, "summary": "楼上大量漏水，水顺着电灯往下流，担心漏电"},
)


# --------------------------------------------------------------------------- bulk loading


def _search_index_loader():
    """``csdesk.store.search_index.bulk_loading`` if that module exists (it maintains the FTS index)."""
    if importlib.util.find_spec("csdesk.store.search_index") is None:
        return None
    from csdesk.store import search_index

    return getattr(search_index, "bulk_loading", None)


@contextmanager
def _fast_sqlite(conn: Connection) -> Iterator[None]:
    """Bulk-load settings for a NEW demo database only: restored to the desk's settings after."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    # Foreign keys are not checked row by row during the load (the generator's
    # references are checked by the tests with PRAGMA foreign_key_check).
    raw.execute("PRAGMA foreign_keys = OFF")
    raw.execute("PRAGMA synchronous = OFF")
    # A new demo database: pages go straight to the file (no WAL copy and checkpoint);
    # a failed load is rolled back from the in-memory journal.  WAL comes back after.
    # Leaving WAL needs the only connection to the file: if another is open, keep WAL.
    _try_pragma(raw, "journal_mode = MEMORY")
    raw.execute("PRAGMA cache_size = -800000")  # 800 MB
    raw.execute("PRAGMA temp_store = MEMORY")
    try:
        yield
    finally:
        _try_pragma(raw, "journal_mode = WAL")
        raw.execute("PRAGMA synchronous = FULL")
        raw.execute("PRAGMA foreign_keys = ON")
        raw.execute("PRAGMA cache_size = -2000")
        raw.execute("PRAGMA temp_store = DEFAULT")


def _try_pragma(raw, pragma: str) -> None:
    """Run a pragma that needs the database to itself; give up at once if it is not."""
    import sqlite3

    from csdesk.store.engine import BUSY_TIMEOUT_MS

    raw.execute("PRAGMA busy_timeout = 0")
    try:
        raw.execute(f"PRAGMA {pragma}").fetchall()
    except sqlite3.OperationalError:
        pass
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


class _IndexParking:
    """Drop a table's secondary indexes for the load and rebuild them once at the end.

    The exact SQL of each index is read from ``sqlite_master`` and replayed, so
    whatever the migrations created comes back unchanged.
    """

    def __init__(self, conn: Connection, tables: tuple[str, ...]):
        self.conn = conn
        self.saved: list[tuple[str, str]] = []
        if conn.dialect.name != "sqlite":
            return
        for table in tables:
            rows = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL", (table,)).all()
            for name, sql in rows:
                conn.exec_driver_sql(f'DROP INDEX "{name}"')
                self.saved.append((name, sql))

    def restore(self) -> None:
        for _name, sql in self.saved:
            self.conn.exec_driver_sql(sql)
        self.saved = []


BIG_TABLES = ("contact", "workorder", "workorderevent", "callback", "escalation")
ID_TABLES = ("agent", "customer", "customerphone", "contact", "workorder", "workorderevent", "complaint",
             "escalation", "callback", "refusedvisit", "handover", "handoveritem", "handoverremark", "problemlog")
PARALLEL_FROM = 100_000  # contacts from which a second process generates while this one writes
PARK_INDEXES_FROM = 20_000
READ_AHEAD = 48  # batches (a day's rows each) taken off the pipe ahead of the writer


class _SearchLoad:
    """The search index's ``bulk_loading`` around the load.

    With a second process generating, this one would wait for rows part of the
    time: it then indexes what is written so far, in a few large steps
    (``bulk_loading`` is left, the transaction committed, and ``bulk_loading``
    entered again at 1/4, 1/2 and 3/4 of the contacts), so that most of the
    indexing overlaps the generation.
    """

    STEPS = (0.25, 0.5, 0.75)

    def __init__(self, conn: Connection, loader, contacts: int):
        self.conn, self.loader = conn, loader
        self.steps = [round(contacts * f) for f in self.STEPS] if contacts else []
        self.current = None

    def _enter(self) -> None:
        # Only the last step merges the index into one segment: each merge rewrites it all.
        self.current = self.loader(self.conn, optimize=not self.steps)
        self.current.__enter__()

    def __enter__(self):
        if self.loader is not None:
            self._enter()
        return self

    def mark(self, written: int) -> None:
        if self.current is not None and self.steps and written >= self.steps[0]:
            while self.steps and written >= self.steps[0]:
                self.steps.pop(0)
            current, self.current = self.current, None
            current.__exit__(None, None, None)  # indexes the contacts written so far
            # FTS5 keeps statements open after its merge until the transaction ends, and
            # bulk_loading registers its SQL functions again on entry: commit first.
            self.conn.commit()
            self._enter()

    def __exit__(self, *exc):
        if self.current is not None:
            current, self.current = self.current, None
            return current.__exit__(*exc)
        return False


class _DirectSink:
    """Rows go straight into the database."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def emit(self, sql: str, rows: list[tuple]) -> None:
        self.conn.exec_driver_sql(sql, rows)

    def flush(self) -> None:
        pass

    def mark(self, contacts: int) -> None:
        pass


class _PipeSink:
    """Rows go, a day at a time, to the process that writes them (pickled on a pipe)."""

    def __init__(self, stream):
        self.stream = stream
        self.batch: list[tuple[str, list[tuple]]] = []

    def send(self, item) -> None:
        pickle.dump(item, self.stream, protocol=pickle.HIGHEST_PROTOCOL)

    def emit(self, sql: str, rows: list[tuple]) -> None:
        self.batch.append((sql, rows))

    def flush(self) -> None:
        if self.batch:
            self.send(("rows", self.batch))
            self.batch = []
        self.stream.flush()

    def progress(self, message: str) -> None:
        self.flush()
        self.send(("progress", message))
        self.stream.flush()

    def mark(self, contacts: int) -> None:
        """A day is complete: ``contacts`` contacts so far."""
        self.flush()
        self.send(("mark", contacts))


def _worker_main() -> None:
    """The generating process (``python -c``): arguments pickled on stdin, rows pickled
    to stdout; it never opens the database."""
    import sys

    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the pipe
    sink = _PipeSink(out)
    try:
        args = pickle.load(sys.stdin.buffer)
        from sqlalchemy.dialects.sqlite import pysqlite

        from csdesk.i18n import set_language

        set_language(args["language"])
        gen = _Gen(args["contacts"], args["seed"], datetime.fromtimestamp(args["now"], UTC), sink.progress,
                   dialect=pysqlite.dialect(), next_ids=args["next_ids"], counters=args["counters"], sink=sink)
        gen.generate()
        sink.flush()
        sink.send(("done", gen.counts, gen.reserved))
    except BaseException as exc:  # reported to the writing process, which fails cleanly
        sink.batch = []
        sink.send(("error", f"{type(exc).__name__}: {exc}"))
    out.flush()


def _generate_in_worker(conn: Connection, contacts: int, seed: int | None, now: datetime,
                        progress: Callable[[str], None], next_ids: dict, counters: dict,
                        on_mark: Callable[[int], None] = lambda _n: None):
    """Generate in a second process while this one writes: two cores, one writer.

    A plain subprocess (not multiprocessing), so no caller's ``__main__`` is re-imported.
    A reader thread keeps taking rows off the pipe into a queue (up to
    :data:`READ_AHEAD` batches) while this thread is busy in SQLite, e.g. filling
    the search index: the generator does not stall on a full pipe.
    """
    import os
    import queue as queue_module
    import subprocess
    import sys
    import threading

    import csdesk
    from csdesk.i18n import current_language

    env = dict(os.environ)
    root = str(Path(csdesk.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    proc = subprocess.Popen([sys.executable, "-c", "from csdesk.demo import _worker_main; _worker_main()"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    items: queue_module.Queue = queue_module.Queue(maxsize=READ_AHEAD)

    def read() -> None:
        try:
            while True:
                item = pickle.load(proc.stdout)
                items.put(item)
                if item[0] in ("done", "error"):
                    return
        except EOFError:
            items.put(("eof",))
        except BaseException as exc:
            items.put(("error", f"{type(exc).__name__}: {exc}"))

    reader = threading.Thread(target=read, name="csdesk-demo-reader", daemon=True)
    try:
        pickle.dump({"contacts": contacts, "seed": seed, "now": int(now.timestamp()), "next_ids": next_ids,
                     "counters": counters, "language": current_language()}, proc.stdin)
        proc.stdin.close()
        reader.start()
        while True:
            item = items.get()
            kind = item[0]
            if kind == "eof":
                raise DemoError(_("the demo data generator stopped unexpectedly"))
            if kind == "rows":
                for sql, rows in item[1]:
                    conn.exec_driver_sql(sql, rows)
            elif kind == "progress":
                progress(item[1])
            elif kind == "mark":
                on_mark(item[1])
            elif kind == "done":
                return item[1], item[2]
            else:
                raise DemoError(_("demo data could not be generated: {error}").format(error=item[1]))
    except BaseException:
        proc.kill()  # our own child, whose rows are no longer wanted
        raise
    finally:
        while reader.is_alive():  # let the reader see the end of the pipe
            try:
                items.get(timeout=0.1)
            except queue_module.Empty:
                pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def generate(engine: Engine, contacts: int = DEFAULT_CONTACTS, *, seed: int | None = None,
             now: datetime | None = None, progress: Callable[[str], None] | None = None,
             parallel: bool | None = None, park_indexes: bool | None = None) -> DemoSummary:
    """Fill ``engine``'s database (upgraded, holding no records) with demo data.

    ``contacts``: rows of the register over the last 90 days (at least
    :data:`MIN_CONTACTS`).  ``seed`` makes the data repeatable for a given
    ``now``.  ``parallel`` (default: from :data:`PARALLEL_FROM` contacts, on
    SQLite) generates in a second process while this one writes;
    ``park_indexes`` (default: from :data:`PARK_INDEXES_FROM`) rebuilds the big
    tables' indexes once at the end.  Either way the data are the same.
    Returns what was written and how long it took.
    """
    if not MIN_CONTACTS <= contacts <= MAX_CONTACTS:
        raise DemoError(_("--contacts must be a whole number from {low} to {high}").format(
            low=MIN_CONTACTS, high=MAX_CONTACTS))
    state = inspect_database(engine)
    if state.kind == "real":
        raise DemoError(_("the database holds real records; demo data is never written into it"))
    if state.kind != "empty":
        raise DemoError(_("the database already holds demo data; reset it first"))
    started = time.perf_counter()
    now = (now or clock_now()).astimezone(UTC).replace(microsecond=0)
    say = progress or (lambda _message: None)
    sqlite = engine.dialect.name == "sqlite"
    if parallel is None:
        parallel = sqlite and contacts >= PARALLEL_FROM
    if park_indexes is None:
        # Writing without the secondary indexes and rebuilding them once is cheaper for
        # this process (42 s against 66 s of CPU for a million contacts), which is the
        # one that limits the load when a second process generates.
        park_indexes = contacts >= PARK_INDEXES_FROM
    summary = DemoSummary(contacts=contacts, seed=seed)
    loader = _search_index_loader()
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if sqlite else engine
    upsert_meta = text("INSERT INTO meta (key, value) VALUES (:k, :v) ON CONFLICT(key) DO UPDATE SET value = :v")
    with bind.connect() as conn:
        with _fast_sqlite(conn):
            with conn.begin():  # first of all: whatever happens next, this is demo data
                conn.execute(upsert_meta, [{"k": "demo", "v": "1"}, {"k": "demo_status", "v": "building"}])
            # One transaction ("commit as you go"; each begins with BEGIN IMMEDIATE), or a few
            # when the search index is filled in steps.  An interrupted load leaves
            # demo_status = building: the next ``csdesk demo`` makes it again.
            try:
                next_ids = {t: conn.execute(text(f'SELECT coalesce(max(id), 0) + 1 FROM "{t}"')).scalar_one()
                            for t in ID_TABLES}
                counters = dict(conn.execute(text("SELECT key, value FROM counter")).all())
                parking = _IndexParking(conn, BIG_TABLES) if park_indexes and sqlite else None
                search = _SearchLoad(conn, loader, contacts if parallel else 0)
                with search:
                    if parallel:
                        counts, reserved = _generate_in_worker(conn, contacts, seed, now, say, next_ids, counters,
                                                               on_mark=search.mark)
                    else:
                        gen = _Gen(contacts, seed, now, say, dialect=conn.dialect, next_ids=next_ids,
                                   counters=counters, sink=_DirectSink(conn))
                        gen.generate()
                        counts, reserved = gen.counts, gen.reserved
                    if parking is not None:
                        say(_("rebuilding indexes"))
                        parking.restore()
                    if loader is not None:
                        say(_("rebuilding the search index"))
                if reserved:
                    conn.execute(text("INSERT INTO counter (key, value) VALUES (:k, :v) "
                                      "ON CONFLICT(key) DO UPDATE SET value = max(value, :v)"),
                                 [{"k": k, "v": v} for k, v in reserved.items()])
                conn.execute(upsert_meta, [
                    {"k": "demo_status", "v": "ready"}, {"k": "demo_contacts", "v": str(contacts)},
                    {"k": "demo_seed", "v": "" if seed is None else str(seed)},
                    {"k": "demo_generated_at", "v": now.isoformat()}])
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            if sqlite:
                raw = conn.connection.driver_connection
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                raw.execute("PRAGMA optimize")
    summary.counts = counts
    summary.search_index = loader is not None
    summary.seconds = time.perf_counter() - started
    return summary
