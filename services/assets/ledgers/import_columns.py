"""The ledgers' spreadsheet columns (台账表头), as their imports read them and their exports write them,
and the Chinese labels of their coded values."""

import re

from services.assets.ledgers.contract_flags import STEP_NAMES, STEPS
from services.common.imports import Column

KINDS = ("assets", "resources", "contracts", "debts")
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{18}$")
CODE_LIST = re.compile(r"[,，、;；\s]+")

ASSET_KINDS = {"房屋建筑": "building", "设施": "facility", "设备": "equipment", "车辆": "vehicle", "其他": "other"}
ASSET_STATUSES = {"在用": "in_use", "出租": "leased", "闲置": "idle", "已处置": "disposed"}
RESOURCE_KINDS = {"耕地": "arable", "林地": "forest", "园地": "garden", "草地": "grassland", "建设用地": "construction",
                  "其他": "other"}
RESOURCE_STATUSES = {"已发包": "contracted", "自营": "own_use", "闲置": "idle"}
CONTRACT_KINDS = RESOURCE_KINDS | {"房屋": "building"}
COUNTERPARTY_KINDS = {"企业": "enterprise", "个人": "person"}
CONTRACT_STATES = {"履行中": "performing", "已到期": "ended", "已解除": "terminated"}
PAYMENT_CYCLES = (1, 3, 6, 12)
CREDITOR_KINDS = {"银行": "bank", "企业": "enterprise", "个人": "person", "政府": "government", "其他": "other"}
DEBT_ORIGINS = {"工程建设": "construction", "生产经营": "operations", "担保": "guarantee", "其他": "other"}
DISPOSALS = {"偿还": "repay", "以资抵债": "settle_assets", "核销": "write_off", "协商化解": "negotiate"}


def labels_of(labels: dict[str, str]) -> dict[str, str]:
    """Code → Chinese label, for exports."""
    return {code: label for label, code in labels.items()}


ORGANIZATION = Column("credit_code", "统一社会信用代码", required=True, max_length=18, aliases=("组织代码",))
NAMES = (Column("organization_name", "组织名称", read_only=True), Column("unit_name", "村", read_only=True))
ASSET_COLUMNS = (ORGANIZATION, *NAMES,
                 Column("code", "资产编号", required=True, max_length=40, aliases=("编号",)),
                 Column("name", "资产名称", required=True, max_length=200, aliases=("名称",)),
                 Column("kind", "资产类别", required=True, max_length=12, aliases=("类别",)),
                 Column("book_value", "账面价值", required=True, max_length=20, aliases=("账面价值元",)),
                 Column("acquired_on", "取得日期", max_length=10),
                 Column("location", "坐落位置", max_length=200, aliases=("位置",)),
                 Column("status", "状态", max_length=10))
RESOURCE_COLUMNS = (ORGANIZATION, *NAMES,
                    Column("code", "资源编号", required=True, max_length=40, aliases=("编号",)),
                    Column("name", "资源名称", required=True, max_length=200, aliases=("名称",)),
                    Column("kind", "资源类型", required=True, max_length=12, aliases=("类型",)),
                    Column("area_mu", "面积亩", required=True, max_length=20, aliases=("面积",)),
                    Column("location", "坐落位置", max_length=200, aliases=("位置",)),
                    Column("status", "状态", max_length=10))
PROCEDURE_COLUMNS = tuple(column for step in STEPS for column in (
    Column(f"{step}_on", f"{STEP_NAMES[step][0]}日期", max_length=10),
    Column(f"{step}_document", f"{STEP_NAMES[step][0]}文号", max_length=200)))
CONTRACT_COLUMNS = (ORGANIZATION, *NAMES,
                    Column("number", "合同编号", required=True, max_length=60, aliases=("编号",)),
                    Column("counterparty_kind", "承包方类型", required=True, max_length=10),
                    Column("counterparty_name", "承包方名称", required=True, max_length=200, aliases=("承包方",)),
                    Column("counterparty_credit_code", "承包方统一社会信用代码", max_length=18),
                    Column("counterparty_id_number", "承包方身份证号", max_length=18, aliases=("身份证号",)),
                    Column("kind", "标的类型", required=True, max_length=12),
                    Column("use", "用途", max_length=200),
                    Column("area_mu", "面积亩", required=True, max_length=20, aliases=("面积",)),
                    Column("signed_on", "签订日期", required=True, max_length=10),
                    Column("term_start", "起始日期", required=True, max_length=10),
                    Column("term_end", "终止日期", required=True, max_length=10),
                    Column("annual_rent", "年租金", required=True, max_length=20),
                    Column("payment_cycle_months", "付款周期月", max_length=2, aliases=("付款周期",)),
                    Column("state", "合同状态", max_length=12),
                    Column("resource_codes", "发包资源编号", max_length=1000, aliases=("资源编号",)),
                    Column("asset_codes", "出租资产编号", max_length=1000, aliases=("资产编号",)),
                    Column("received", "已收款", read_only=True),
                    *PROCEDURE_COLUMNS)
DEBT_COLUMNS = (ORGANIZATION, *NAMES,
                Column("number", "债务编号", required=True, max_length=60, aliases=("编号",)),
                Column("creditor_kind", "债权人类型", required=True, max_length=12),
                Column("creditor_name", "债权人", required=True, max_length=200, aliases=("债权人名称",)),
                Column("origin", "债务成因", required=True, max_length=12, aliases=("成因",)),
                Column("principal", "本金", required=True, max_length=20),
                Column("interest", "利息", max_length=20),
                Column("incurred_on", "发生日期", required=True, max_length=10),
                Column("due_on", "到期日期", max_length=10),
                Column("approval_reference", "审批文号", max_length=200),
                Column("approved_on", "审批日期", max_length=10),
                Column("disposal", "化解方式", required=True, max_length=16),
                Column("responsible_person", "责任人", required=True, max_length=100))
