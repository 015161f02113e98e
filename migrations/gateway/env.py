from gateway.models import target_metadata
from migrations.env_common import run

run("gateway", target_metadata)
