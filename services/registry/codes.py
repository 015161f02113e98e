"""Pure validation of statistical division codes (统计用区划代码) and unified social credit codes
(统一社会信用代码, GB 32100-2015, with the embedded organization code of GB 11714)."""

from services.common.errors import Invalid

LEVELS = ("district", "town", "village")
KINDS = {"district": ("district",), "town": ("town", "subdistrict"), "village": ("village", "community")}
URBAN_RURAL_CODES = ("111", "112", "121", "122", "123", "210", "220")

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
COLLECTIVE_PREFIXES = {"N1": "group", "N2": "village", "N3": "town"}


def unit_level(code: str) -> str:
    """The level a well-formed 12-digit code names by its trailing zeros."""
    if code.endswith("000000"):
        return "district"
    if code.endswith("000"):
        return "town"
    return "village"


def parent_prefix(level: str) -> int:
    """How many leading digits a unit shares with its parent."""
    return {"town": 6, "village": 9}[level]


def check_unit_code(code: str, level: str, parent_code: str | None = None, *, field: str = "unit_code") -> None:
    """Refuses a code that is not 12 digits, does not fit its level, or does not start with its parent's."""
    if len(code) != 12 or not code.isascii() or not code.isdigit():
        raise Invalid(field, "区划代码应为12位数字 / must be 12 digits")
    if level not in LEVELS:
        raise Invalid("level", f"层级应为 {'/'.join(LEVELS)} 之一 / must be one of {', '.join(LEVELS)}")
    if unit_level(code) != level or code[:6] == "000000":
        shape = {"district": "前6位 + 000000 / first 6 digits + 000000",
                 "town": "前9位 + 000 / first 9 digits + 000",
                 "village": "12位且末3位不为000 / 12 digits not ending in 000"}[level]
        raise Invalid(field, f"区划代码不符合层级 {level} 的格式，应为{shape}")
    if level == "district":
        return
    if parent_code is None:
        raise Invalid("parent_code", "上级区划代码必填 / parent code is required")
    size = parent_prefix(level)
    if code[:size] != parent_code[:size] or parent_code[size:] != "0" * (12 - size):
        raise Invalid(field, f"区划代码应以上级代码前{size}位 {parent_code[:size]} 开头 / "
                             f"must begin with the parent's first {size} digits {parent_code[:size]}")


def check_kind(level: str, kind: str) -> None:
    if kind not in KINDS.get(level, ()):
        allowed = "/".join(KINDS.get(level, ()))
        raise Invalid("kind", f"类型应为 {allowed} / must be one of {allowed}")


def check_urban_rural_code(code: str | None) -> None:
    if code is not None and code not in URBAN_RURAL_CODES:
        raise Invalid("urban_rural_code", f"城乡分类代码应为 {'/'.join(URBAN_RURAL_CODES)} 之一 / "
                                          "must be a 3-digit urban-rural class code")


def organization_check_char(body: str) -> str:
    """GB 11714 check character of an 8-character organization code body."""
    total = sum(_org_value(c) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _org_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def credit_check_char(first17: str) -> str:
    """GB 32100-2015 check character of the first 17 characters of a credit code."""
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def check_credit_code(code: str, *, field: str = "credit_code") -> None:
    """Refuses a malformed code, naming the field and, for a wrong check character, the expected one."""
    if len(code) != 18:
        raise Invalid(field, "统一社会信用代码应为18位 / must be 18 characters")
    bad = [c for c in code if c not in CREDIT_ALPHABET]
    if bad:
        raise Invalid(field, f"统一社会信用代码含非法字符 {bad[0]} / contains a character not allowed: {bad[0]}")
    if not code[2:8].isdigit():
        raise Invalid(field, "第3-8位应为登记管理机关行政区划码 / characters 3-8 must be a division code")
    org_check = organization_check_char(code[8:16])
    if code[16] != org_check:
        raise Invalid(field, f"组织机构代码校验位应为 {org_check} / organization code check character "
                             f"should be {org_check}")
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        raise Invalid(field, f"统一社会信用代码校验位应为 {expected} / check character should be {expected}")


def make_credit_code(prefix: str, region: str, serial: int) -> str:
    """A valid credit code for demo data: 2-char prefix (e.g. N2), 6-digit region, serial number body."""
    body = f"{serial:08d}"[-8:]
    first17 = prefix + region + body + organization_check_char(body)
    return first17 + credit_check_char(first17)
