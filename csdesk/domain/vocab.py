"""The desk's vocabulary: stable English keys, with labels in both languages.

Keys are what the database, the CLI and scripts use (``repair``, ``urgent``);
labels go through gettext.  Chinese names are also accepted on input, so a
script may say ``--category 报修``.
"""

from __future__ import annotations

from enum import StrEnum

from csdesk.i18n import N_, _


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry an English label (translated on use) and a Chinese name."""

    @property
    def label(self) -> str:
        return _(LABELS[type(self), self.value][0])

    @property
    def zh(self) -> str:
        return LABELS[type(self), self.value][1]

    @classmethod
    def parse(cls, value: str) -> "LabelledEnum":
        """Accept the key, the English label or the Chinese name; raise ValueError otherwise."""
        text = (value or "").strip()
        for member in cls:
            en, zh = LABELS[cls, member.value]
            if text.lower() in (member.value, en.lower()) or text == zh:
                return member
        choices = ", ".join(m.value for m in cls)
        raise ValueError(_("unknown value {value!r}; choose one of: {choices}").format(
            value=value, choices=choices))


class Role(LabelledEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"


class Channel(LabelledEnum):
    PHONE = "phone"
    WALK_IN = "walk_in"
    ONLINE = "online"
    EMAIL = "email"
    OUTBOUND = "outbound"
    PATROL = "patrol"


class SubChannel(LabelledEnum):
    """How an online contact reached the desk (``contact.channel_detail``)."""

    APP = "app"
    WEB = "web"
    MINI_PROGRAM = "mini_program"
    WECHAT = "wechat"
    WEIBO = "weibo"
    SOCIAL = "social"
    SMS = "sms"


class CallerNumber(LabelledEnum):
    """What the agent has of the caller's number: all of it, a part ("…5678"), or none (said so)."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


class Urgency(LabelledEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    CRITICAL = "critical"


class Outcome(LabelledEnum):
    RESOLVED = "resolved"
    WORK_ORDER = "work_order"
    REFERRED = "referred"
    PROMISED = "promised"
    ESCALATED = "escalated"


class ContactStatus(LabelledEnum):
    OPEN = "open"
    CLOSED = "closed"


class OrderStatus(LabelledEnum):
    OPEN = "open"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CLOSED = "closed"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"


class CallbackKind(LabelledEnum):
    PROMISED_REPLY = "promised_reply"
    REFERRAL_CHECK = "referral_check"
    LOW_SCORE = "low_score"
    RETURN_VISIT = "return_visit"
    RETRY = "retry"


class CallbackResult(LabelledEnum):
    DONE = "done"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    REFUSED = "refused"


class EscalationReason(LabelledEnum):
    URGENT = "urgent"
    CRITICAL = "critical"
    COMPLAINT = "complaint"
    OVERDUE = "overdue"
    MANUAL = "manual"
    HANDOVER = "handover"  # handover items not acknowledged 30 minutes into the shift


class ComplaintStatus(LabelledEnum):
    OPEN = "open"
    ESCALATED = "escalated"  # waiting for a supervisor to take it
    IN_HAND = "in_hand"  # a supervisor owns it
    CLOSED = "closed"


class ComplaintSource(LabelledEnum):
    INTAKE = "intake"
    ORDER = "order"
    RETURN_VISIT = "return_visit"
    DESK = "desk"  # entered in the complaints view (e.g. a record taken on paper)


class StaffKind(LabelledEnum):
    """Whom a complaint is about: one of the desk's agents or a technician."""

    AGENT = "agent"
    TECHNICIAN = "technician"


class VisitStatus(LabelledEnum):
    """A return visit's state: due (and its one retry), then one of the four outcomes."""

    DUE = "due"
    RETRY = "retry"
    SATISFIED = "satisfied"
    PROBLEM = "problem"
    REFUSED = "refused"
    UNREACHED = "unreached"


class HandoverStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"


class HandoverItemKind(LabelledEnum):
    CUSTOMER = "customer"
    PRIORITY = "priority"
    PROSPECT = "prospect"
    OTHER = "other"


class ProblemKind(LabelledEnum):
    PROBLEM = "problem"
    IDEA = "idea"


# (member, English label, Chinese name).  The English label is the gettext msgid;
# the zh_CN catalogue translates it to the Chinese name.  Keyed by (enum, value):
# StrEnum members of different enums with the same value ("open", "urgent")
# compare equal, so the members themselves cannot be the keys.
_LABEL_TABLE: tuple[tuple[LabelledEnum, str, str], ...] = (
    (Role.AGENT, N_("agent"), "客服专员"),
    (Role.SUPERVISOR, N_("supervisor"), "客服主管"),
    (Role.MANAGER, N_("manager"), "客服经理"),
    (Channel.PHONE, N_("phone call"), "来电"),
    (Channel.WALK_IN, N_("walk-in"), "来访"),
    (Channel.ONLINE, N_("online"), "在线"),
    (Channel.EMAIL, N_("email"), "邮件"),
    (Channel.OUTBOUND, N_("return visit"), "回访"),
    (Channel.PATROL, N_("patrol"), "巡查"),
    (SubChannel.APP, N_("app"), "App"),
    (SubChannel.WEB, N_("website"), "网站"),
    (SubChannel.MINI_PROGRAM, N_("mini program"), "小程序"),
    (SubChannel.WECHAT, N_("WeChat"), "微信"),
    (SubChannel.WEIBO, N_("Weibo"), "微博"),
    (SubChannel.SOCIAL, N_("social media"), "社交媒体"),
    (SubChannel.SMS, N_("text message"), "短信"),
    (CallerNumber.FULL, N_("full number"), "完整号码"),
    (CallerNumber.PARTIAL, N_("partial number"), "部分号码"),
    (CallerNumber.NONE, N_("no number"), "无号码"),
    (Urgency.NORMAL, N_("normal"), "普通"),
    (Urgency.URGENT, N_("urgent"), "紧急"),
    (Urgency.CRITICAL, N_("critical"), "特急"),
    (Outcome.RESOLVED, N_("resolved"), "当场解决"),
    (Outcome.WORK_ORDER, N_("work order"), "转工单"),
    (Outcome.REFERRED, N_("referred"), "转部门"),
    (Outcome.PROMISED, N_("reply promised"), "限时答复"),
    (Outcome.ESCALATED, N_("escalated"), "上报主管"),
    (ContactStatus.OPEN, N_("open"), "未结"),
    (ContactStatus.CLOSED, N_("closed"), "已结"),
    (OrderStatus.OPEN, N_("new"), "新建"),
    (OrderStatus.DISPATCHED, N_("dispatched"), "已派工"),
    (OrderStatus.IN_PROGRESS, N_("in progress"), "处理中"),
    (OrderStatus.DONE, N_("done"), "已完成"),
    (OrderStatus.CLOSED, N_("order closed"), "已关闭"),
    (OrderStatus.ON_HOLD, N_("on hold"), "挂起"),
    (OrderStatus.CANCELLED, N_("cancelled"), "已取消"),
    (CallbackKind.PROMISED_REPLY, N_("promised reply"), "限时答复"),
    (CallbackKind.REFERRAL_CHECK, N_("referral check"), "转办回访"),
    (CallbackKind.LOW_SCORE, N_("low-score call-back"), "低分回访"),
    (CallbackKind.RETURN_VISIT, N_("return visit call"), "维修回访"),
    (CallbackKind.RETRY, N_("try again later"), "稍后再拨"),
    (CallbackResult.DONE, N_("reached"), "已回访"),
    (CallbackResult.BUSY, N_("customer busy"), "客户忙"),
    (CallbackResult.NO_ANSWER, N_("no answer"), "无人接听"),
    (CallbackResult.REFUSED, N_("refused"), "拒访"),
    (EscalationReason.URGENT, N_("urgent matter"), "紧急事项"),
    (EscalationReason.CRITICAL, N_("critical matter"), "特急事项"),
    (EscalationReason.COMPLAINT, N_("complaint"), "投诉"),
    (EscalationReason.OVERDUE, N_("overdue order"), "工单超时"),
    (EscalationReason.MANUAL, N_("escalated by agent"), "客服上报"),
    (EscalationReason.HANDOVER, N_("handover not acknowledged"), "交接未确认"),
    (ComplaintStatus.OPEN, N_("complaint open"), "待处理"),
    (ComplaintStatus.ESCALATED, N_("awaiting a supervisor"), "待主管受理"),
    (ComplaintStatus.IN_HAND, N_("with supervisor"), "主管处理中"),
    (ComplaintStatus.CLOSED, N_("complaint closed"), "已结案"),
    (ComplaintSource.INTAKE, N_("from intake"), "来电来访"),
    (ComplaintSource.ORDER, N_("from a work order"), "工单"),
    (ComplaintSource.RETURN_VISIT, N_("from a return visit"), "回访"),
    (ComplaintSource.DESK, N_("entered at the desk"), "主管录入"),
    (StaffKind.AGENT, N_("agent"), "客服专员"),
    (StaffKind.TECHNICIAN, N_("technician"), "维修人员"),
    (VisitStatus.DUE, N_("visit due"), "待回访"),
    (VisitStatus.RETRY, N_("to try again"), "待再拨"),
    (VisitStatus.SATISFIED, N_("reached, satisfied"), "已回访·满意"),
    (VisitStatus.PROBLEM, N_("reached, a problem"), "已回访·有问题"),
    (VisitStatus.REFUSED, N_("visit refused"), "拒访"),
    (VisitStatus.UNREACHED, N_("not reached"), "未联系上"),
    (HandoverStatus.DRAFT, N_("draft"), "草稿"),
    (HandoverStatus.SUBMITTED, N_("submitted"), "已提交"),
    (HandoverStatus.ACKNOWLEDGED, N_("acknowledged"), "已确认"),
    (HandoverItemKind.CUSTOMER, N_("customer passed on"), "移交客户"),
    (HandoverItemKind.PRIORITY, N_("do first"), "优先事项"),
    (HandoverItemKind.PROSPECT, N_("prospect to contact"), "待联系意向客户"),
    (HandoverItemKind.OTHER, N_("other note"), "其他事项"),
    (ProblemKind.PROBLEM, N_("problem"), "问题"),
    (ProblemKind.IDEA, N_("idea"), "建议"),
)
LABELS: dict[tuple[type, str], tuple[str, str]] = {
    (type(member), member.value): (en, zh) for member, en, zh in _LABEL_TABLE
}
LABELLED_MEMBERS: tuple[LabelledEnum, ...] = tuple(member for member, _en, _zh in _LABEL_TABLE)
