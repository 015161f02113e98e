"""The special review's rules (专项治理"回头看") over land-related contracts, all contracts at once.

`flag_contracts` takes the contracts as columns (numpy arrays) and answers every rule for every
contract in a handful of array operations; `flag_one_by_one` is the same rules written as a plain
loop over one contract at a time, kept as the reference the benchmark and the tests compare against.
`reasons_of` words one contract's flags. Pure: plain data in, plain data out.

The rules, for every contract not terminated:
- procedure: a step of 四议一审两公开 is missing, or dated before a step that comes earlier (signing
  sits between 决议公开 and 实施结果公开);
- term_too_long: the term ends after its start plus the maximum years for its kind;
- low_price: rent per 亩 below `low_price_fraction` of the median of the same kind in the same town
  (groups of at least `min_peers` contracts with an area);
- arrears: the instalments due (rent a year, paid in advance every `payment_cycle_months`, each due
  `arrears_grace_days` after it begins) exceed what was received;
- overrun: past its end and still being performed;
- expiring: being performed and ending within `expiring_days`.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

STEPS = ("proposal", "consultation", "deliberation", "resolution", "review", "resolution_public", "result_public")
STEP_NAMES = {"proposal": ("村党组织提议", "party branch proposal"),
              "consultation": ("两委会议商议", "village committees' consultation"),
              "deliberation": ("党员大会审议", "party members' deliberation"),
              "resolution": ("村民（代表）会议决议", "villagers' (representatives') resolution"),
              "review": ("乡镇审核", "township review"),
              "resolution_public": ("决议公开", "resolution made public"),
              "signed": ("合同签订", "signing"),
              "result_public": ("实施结果公开", "result made public")}
# The order a contract's dates must keep: signing comes after the resolution is made public.
ORDER = (*STEPS[:6], "signed", STEPS[6])
FLAGS = ("procedure", "term_too_long", "low_price", "arrears", "overrun", "expiring")
MISSING_DAY = np.iinfo(np.int64).min // 2


@dataclass(frozen=True)
class FlagSettings:
    """The thresholds a district sets for the review; a campaign keeps the ones it used."""

    max_term_years: dict = field(default_factory=lambda: {
        "arable": 30, "forest": 50, "garden": 30, "grassland": 30, "construction": 20, "building": 20, "other": 20})
    low_price_fraction: float = 0.5
    min_peers: int = 5
    arrears_grace_days: int = 30
    expiring_days: int = 90

    def max_years(self, kind: str) -> int:
        return int(self.max_term_years.get(kind, self.max_term_years.get("other", 20)))

    @classmethod
    def of(cls, values: dict | None) -> "FlagSettings":
        values = dict(values or {})
        if "max_term_years" in values:
            values["max_term_years"] = {**cls().max_term_years, **values["max_term_years"]}
        return cls(**values)

    def as_dict(self) -> dict:
        return {"max_term_years": dict(self.max_term_years), "low_price_fraction": self.low_price_fraction,
                "min_peers": self.min_peers, "arrears_grace_days": self.arrears_grace_days,
                "expiring_days": self.expiring_days}


@dataclass
class Columns:
    """All contracts as columns; dates as days since 1970-01-01 (int64), steps with MISSING_DAY."""

    town: np.ndarray  # str
    kind: np.ndarray  # str
    area_mu: np.ndarray  # float64
    rent_cents: np.ndarray  # int64, a year
    received_cents: np.ndarray  # int64
    cycle_months: np.ndarray  # int64, 1..12
    signed: np.ndarray  # int64 days
    start: np.ndarray
    end: np.ndarray
    steps: np.ndarray  # (n, 7) int64 days in STEPS order
    performing: np.ndarray  # bool
    terminated: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.town)


def day_number(value: date | None) -> int:
    return MISSING_DAY if value is None else (value - date(1970, 1, 1)).days


def columns_from(contracts: list[dict]) -> Columns:
    """Columns from plain contracts (the keys of `flag_one_by_one`'s input)."""
    n = len(contracts)
    steps = np.full((n, len(STEPS)), MISSING_DAY, dtype=np.int64)
    for i, contract in enumerate(contracts):
        for j, step in enumerate(STEPS):
            steps[i, j] = day_number(contract["procedure"].get(step))
    pick = lambda key, dtype: np.fromiter((c[key] for c in contracts), dtype=dtype, count=n)  # noqa: E731
    days = lambda key: np.fromiter((day_number(c[key]) for c in contracts), dtype=np.int64, count=n)  # noqa: E731
    return Columns(town=np.array([c["town_code"] for c in contracts], dtype=object),
                   kind=np.array([c["kind"] for c in contracts], dtype=object),
                   area_mu=pick("area_mu", np.float64), rent_cents=pick("rent_cents", np.int64),
                   received_cents=pick("received_cents", np.int64), cycle_months=pick("cycle_months", np.int64),
                   signed=days("signed_on"), start=days("term_start"), end=days("term_end"), steps=steps,
                   performing=np.fromiter((c["state"] == "performing" for c in contracts), dtype=bool, count=n),
                   terminated=np.fromiter((c["state"] == "terminated" for c in contracts), dtype=bool, count=n))


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    as_dates = days.astype("datetime64[D]")
    years = as_dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = as_dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (as_dates - as_dates.astype("datetime64[M]")).astype(np.int64) + 1
    return years, months, day


@dataclass
class Flagged:
    """Each rule's answer per contract, and what its reason needs."""

    matrix: np.ndarray  # (n, len(FLAGS)) bool
    missing_steps: np.ndarray  # (n, 7) bool
    out_of_order: np.ndarray  # (n, 8) bool over ORDER: a step dated before an earlier one
    price_per_mu: np.ndarray  # float64, nan without area
    median: np.ndarray  # float64, the group's median, nan without a group
    due_cents: np.ndarray
    arrears_cents: np.ndarray
    days_left: np.ndarray

    def codes(self, i: int) -> set[str]:
        return {code for code, on in zip(FLAGS, self.matrix[i], strict=True) if on}


def flag_contracts(columns: Columns, settings: FlagSettings, today: date) -> Flagged:
    """Every rule for every contract, columnwise."""
    n, now = len(columns), day_number(today)
    live = ~columns.terminated
    missing, disorder = _procedure(columns)
    too_long = _too_long(columns, settings)
    price_per_mu, median, low = _low_price(columns, settings, live)
    due = _due(columns, now - settings.arrears_grace_days)
    arrears_cents = due - columns.received_cents
    days_left = columns.end - now
    matrix = np.zeros((n, len(FLAGS)), dtype=bool)
    matrix[:, 0] = live & (missing.any(axis=1) | disorder.any(axis=1))
    matrix[:, 1] = live & too_long
    matrix[:, 2] = live & low
    matrix[:, 3] = live & (arrears_cents > 0)
    matrix[:, 4] = columns.performing & (days_left < 0)
    matrix[:, 5] = columns.performing & (days_left >= 0) & (days_left <= settings.expiring_days)
    return Flagged(matrix, missing, disorder, price_per_mu, median, due, arrears_cents, days_left)


def _procedure(columns: Columns) -> tuple[np.ndarray, np.ndarray]:
    missing = columns.steps == MISSING_DAY
    ordered = np.concatenate([columns.steps[:, :6], columns.signed[:, None], columns.steps[:, 6:]], axis=1)
    earlier_max = np.maximum.accumulate(ordered, axis=1)
    before = np.concatenate([np.full((len(columns), 1), MISSING_DAY, dtype=np.int64), earlier_max[:, :-1]], axis=1)
    return missing, (ordered != MISSING_DAY) & (ordered < before)


def _too_long(columns: Columns, settings: FlagSettings) -> np.ndarray:
    kinds = np.unique(columns.kind) if len(columns) else np.array([], dtype=object)
    limit = np.zeros(len(columns), dtype=np.int64)
    for kind in kinds:
        limit[columns.kind == kind] = settings.max_years(kind)
    sy, sm, sd = _ymd(columns.start)
    ey, em, ed = _ymd(columns.end)
    return ey * 10000 + em * 100 + ed > (sy + limit) * 10000 + sm * 100 + sd


def _low_price(columns: Columns, settings: FlagSettings, live: np.ndarray):
    n = len(columns)
    has_area = live & (columns.area_mu > 0)
    price = np.full(n, np.nan)
    price[has_area] = columns.rent_cents[has_area] / columns.area_mu[has_area]
    median = np.full(n, np.nan)
    index = np.flatnonzero(has_area)
    if index.size:
        keys = np.char.add(columns.town[index].astype(str), "|" + columns.kind[index].astype(str))
        _, group = np.unique(keys, return_inverse=True)
        order = np.lexsort((price[index], group))
        sorted_price, sorted_group = price[index][order], group[order]
        counts = np.bincount(sorted_group)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        medians = (sorted_price[starts + (counts - 1) // 2] + sorted_price[starts + counts // 2]) / 2
        medians[counts < settings.min_peers] = np.nan
        median[index] = medians[group]
    with np.errstate(invalid="ignore"):
        low = has_area & ~np.isnan(median) & (price < settings.low_price_fraction * median)
    return price, median, low


def _due(columns: Columns, as_of: int) -> np.ndarray:
    """Rent due by `as_of`: each instalment of the term begun by then, paid in advance."""
    sy, sm, sd = _ymd(columns.start)
    ey, em, ed = _ymd(columns.end)
    ay, am, ad = _ymd(np.full(len(columns), as_of, dtype=np.int64))
    term_months = (ey * 12 + em) - (sy * 12 + sm) + (ed > sd)
    elapsed = (ay * 12 + am) - (sy * 12 + sm) - (ad < sd)
    cycle = np.maximum(columns.cycle_months, 1)
    instalments = -(-term_months // cycle)
    begun = np.where(as_of < columns.start, 0, np.minimum(elapsed // cycle + 1, instalments))
    return begun * (columns.rent_cents * cycle // 12)


def flag_one_by_one(contracts: list[dict], settings: FlagSettings, today: date) -> list[set[str]]:
    """The same rules, one contract at a time, as a reviewer would check them by hand."""
    medians = _medians_by_group(contracts, settings)
    found = []
    for contract in contracts:
        flags: set[str] = set()
        if contract["state"] != "terminated":
            flags |= _one_contract(contract, settings, today, medians)
        if contract["state"] == "performing":
            left = (contract["term_end"] - today).days
            if left < 0:
                flags.add("overrun")
            elif left <= settings.expiring_days:
                flags.add("expiring")
        found.append(flags)
    return found


def _one_contract(contract: dict, settings: FlagSettings, today: date, medians: dict) -> set[str]:
    flags = set()
    dates = [contract["procedure"].get(step) for step in STEPS]
    ordered = [*dates[:6], contract["signed_on"], dates[6]]
    latest = None
    for value in ordered:
        if value is not None and latest is not None and value < latest:
            flags.add("procedure")
        if value is not None:
            latest = value if latest is None else max(latest, value)
    if None in dates:
        flags.add("procedure")
    start, end = contract["term_start"], contract["term_end"]
    if (end.year, end.month, end.day) > (start.year + settings.max_years(contract["kind"]), start.month, start.day):
        flags.add("term_too_long")
    median = medians.get((contract["town_code"], contract["kind"]))
    if (contract["area_mu"] > 0 and median is not None
            and contract["rent_cents"] / contract["area_mu"] < settings.low_price_fraction * median):
        flags.add("low_price")
    if due_by(contract, today - timedelta(days=settings.arrears_grace_days)) > contract["received_cents"]:
        flags.add("arrears")
    return flags


def _medians_by_group(contracts: list[dict], settings: FlagSettings) -> dict:
    groups: dict[tuple, list[float]] = {}
    for contract in contracts:
        if contract["state"] != "terminated" and contract["area_mu"] > 0:
            key = (contract["town_code"], contract["kind"])
            groups.setdefault(key, []).append(contract["rent_cents"] / contract["area_mu"])
    medians = {}
    for key, prices in groups.items():
        if len(prices) >= settings.min_peers:
            prices.sort()
            medians[key] = (prices[(len(prices) - 1) // 2] + prices[len(prices) // 2]) / 2
    return medians


def due_by(contract: dict, as_of: date) -> int:
    """Rent in cents due by `as_of` for one contract (the loop's version of `_due`)."""
    start, end = contract["term_start"], contract["term_end"]
    if as_of < start:
        return 0
    cycle = max(contract["cycle_months"], 1)
    term_months = (end.year * 12 + end.month) - (start.year * 12 + start.month) + (end.day > start.day)
    elapsed = (as_of.year * 12 + as_of.month) - (start.year * 12 + start.month) - (as_of.day < start.day)
    begun = min(elapsed // cycle + 1, -(-term_months // cycle))
    return begun * (contract["rent_cents"] * cycle // 12)


def reasons_of(flagged: Flagged, i: int, kind: str, settings: FlagSettings) -> list[dict]:
    """One contract's flags with their reasons in words ("中文 / English")."""
    words = {"procedure": lambda: _procedure_reason(flagged, i),
             "term_too_long": lambda: (f"期限超过{kind}类最长 {settings.max_years(kind)} 年 / term longer than the "
                                       f"{settings.max_years(kind)} years allowed for {kind}"),
             "low_price": lambda: (f"每亩年租金 {flagged.price_per_mu[i] / 100:.2f} 元，低于本镇同类中位数 "
                                   f"{flagged.median[i] / 100:.2f} 元的 {settings.low_price_fraction:.0%} / rent per mu "
                                   f"{flagged.price_per_mu[i] / 100:.2f} is below {settings.low_price_fraction:.0%} of "
                                   f"the town's median {flagged.median[i] / 100:.2f} for {kind}"),
             "arrears": lambda: (f"欠缴租金 {flagged.arrears_cents[i] / 100:.2f} 元 / rent in arrears "
                                 f"{flagged.arrears_cents[i] / 100:.2f}"),
             "overrun": lambda: (f"已到期 {-flagged.days_left[i]} 天仍在履行 / still performed {-flagged.days_left[i]} "
                                 "days past its end"),
             "expiring": lambda: (f"{flagged.days_left[i]} 天后到期 / ends in {flagged.days_left[i]} days")}
    return [{"code": code, "reason": words[code]()} for code in FLAGS if code in flagged.codes(i)]


def _procedure_reason(flagged: Flagged, i: int) -> str:
    parts = []
    missing = [STEPS[j] for j in np.flatnonzero(flagged.missing_steps[i])]
    if missing:
        parts.append(("缺少：" + "、".join(STEP_NAMES[s][0] for s in missing),
                      "missing: " + ", ".join(STEP_NAMES[s][1] for s in missing)))
    early = [ORDER[j] for j in np.flatnonzero(flagged.out_of_order[i])]
    if early:
        parts.append(("顺序颠倒：" + "、".join(STEP_NAMES[s][0] for s in early) + "早于前序步骤",
                      "out of order: " + ", ".join(STEP_NAMES[s][1] for s in early) + " dated before an earlier step"))
    return "四议一审两公开" + "；".join(p[0] for p in parts) + " / 四议一审两公开 " + "; ".join(p[1] for p in parts)
