"""Demo accounts, one per role, so a new user can sign in and look around (演示数据)."""

from sqlmodel import Session, select

from gateway.auth import accounts
from gateway.models import User

DEMO_PASSWORD = "zhenxing-demo"

# Town codes of the demo district (门头沟区 110109): 大台街道 and 斋堂镇.
DEMO_USERS = [
    ("admin", "系统管理员（演示）", "admin", ""),
    ("lead", "审计组长 王芳（演示）", "audit_lead", ""),
    ("auditor", "审计员 李强（演示）", "auditor", ""),
    ("assessor", "考核办 张伟（演示）", "assessment_officer", ""),
    ("town", "斋堂镇干部 刘洋（演示）", "town_officer", "110109104000"),
    ("viewer", "区领导 陈静（演示）", "viewer", ""),
]


def load_demo_users(session: Session) -> int:
    """Creates the demo accounts that are missing; returns how many it made."""
    made = 0
    for username, name, role, towns in DEMO_USERS:
        if session.exec(select(User).where(User.username == username)).first() is None:
            accounts.create_user(session, username=username, password=DEMO_PASSWORD, role=role,
                                 display_name=name, towns=towns, actor="demo-loader")
            made += 1
    return made
